"""The ``quiz`` subcommand: printable questions and the answer key the model computes."""

from __future__ import annotations

import json
from pathlib import Path

from viewer.core.errors import DataError


def cmd_quiz(args, load_model) -> int:
    """`hip-viewer quiz`: a quiz with its answer key computed by the model, or a generated one;
    ``load_model()`` loads the data folder once the arguments are known to be sound."""
    from viewer.core.quiz import generate
    from viewer.io.quiz_file import Quiz, find_quiz, load_quiz, mechanics_for
    from viewer.quiz_text import answer_key_text, questions_text

    if args.generate == bool(args.name):
        raise DataError("give a quiz NAME|FILE or --generate (not both)", field="quiz")
    if args.generate and not 1 <= args.count <= 100:
        raise DataError(f"{args.count} is out of range 1..100", field="--count")
    model = load_model()
    if args.generate:
        items = generate(mechanics_for(model), args.seed, args.count)
        quiz = Quiz(f"Generated quiz (seed {args.seed})", "", items, f"generated: seed {args.seed}")
    else:
        quiz = load_quiz(find_quiz(args.name, model.data_dir), model)
    payload = {"title": quiz.title, "source": quiz.source,
               "provenance": "answers computed by the model at load time (moment arms r = -dL/dθ)",
               "questions": [a.as_dict() for a in quiz.answers]}
    if args.export:
        out = Path(args.export)
        try:
            out.mkdir(parents=True, exist_ok=True)
            (out / "questions.txt").write_text(questions_text(quiz, model), encoding="utf-8")
            (out / "answer_key.txt").write_text(answer_key_text(quiz, model), encoding="utf-8")
            (out / "quiz.json").write_text(json.dumps(payload, indent=1, ensure_ascii=False), encoding="utf-8")
        except OSError as exc:
            raise DataError(f"cannot write the quiz ({exc.strerror})", file=out) from None
        print(f"wrote questions.txt, answer_key.txt and quiz.json ({len(quiz)} questions) to {out}")
    elif args.format == "json":
        print(json.dumps(payload, indent=1, ensure_ascii=False))
    else:
        print(questions_text(quiz, model))
        print(answer_key_text(quiz, model))
    return 0
