"""Printable text of a quiz: the questions (with choices) and the answer key with the model's numbers.

Plain text shared by ``hip-viewer quiz`` and the app's export; no Qt, no VTK.
"""

from __future__ import annotations

import textwrap

WIDTH = 96


def _wrap(text: str, indent: str = "    ") -> str:
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=indent)


def questions_text(quiz, model) -> str:
    """Numbered questions; naming questions list their choices, click questions say to click."""
    lines = [quiz.title, "=" * len(quiz.title)]
    if quiz.description:
        lines += [textwrap.fill(quiz.description, WIDTH), ""]
    for n, q in enumerate(quiz.questions, 1):
        lines.append(textwrap.fill(f"{n}. {q.prompt}", WIDTH, subsequent_indent="   "))
        if q.kind == "name_highlighted":
            lines.append(_wrap(f"(highlighted on the model: shown in the app; choices: "
                               + ", ".join(model.display_name(m) for m in q.muscles) + ")"))
        elif q.kind == "click_producers":
            lines.append(_wrap("Candidates: " + ", ".join(model.display_name(m) for m in q.muscles)))
        lines.append("")
    return "\n".join(lines)


def answer_key_text(quiz, model) -> str:
    """Each answer with the explanation in numbers (computed by the model when the quiz was loaded)."""
    lines = ["Answer key (computed by the model: moment arms r = -dL/dθ at each question's pose)",
             "=" * 40]
    for n, a in enumerate(quiz.answers, 1):
        if isinstance(a.value, tuple):
            value = ", ".join(model.display_name(m) for m in a.value)
        elif isinstance(a.value, float):
            value = f"{a.value:.0f}° of flexion (±{a.question.tolerance_deg:g}°)"
        else:
            value = model.display_name(a.value)
        lines.append(textwrap.fill(f"{n}. {value}", WIDTH, subsequent_indent="   "))
        lines.append(_wrap(a.explanation))
        lines.append("")
    return "\n".join(lines)
