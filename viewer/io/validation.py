"""One validation style for every data file: the shared error formatter.

Annotations, lessons, scene files, the muscle-path file, the mesh manifest and the landmarks
report problems the same way: one :class:`~viewer.core.errors.DataError` per problem, naming the
file, the field (``steps[3].pose``, ``compartments[0].architecture.source``) and what is wrong
and what is allowed, with the YAML line when it is known::

    annotations/x.yaml: layer_group: 'glutes' is not a known layer group (allowed: ...) (line 5)

:func:`located` builds such an error from a key path; :func:`errors_from_validation` turns a
pydantic ``ValidationError`` into them; :class:`FieldChecker` checks hand-read values (lesson
steps, scene files) with the same wording; :func:`describe` names a wrong value.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any, Callable, get_args

import numpy as np
from pydantic import BaseModel, ValidationError

from viewer.core.errors import DataError

_EXPECTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping of fields",
    "model_type": "a mapping of fields",
    "model_attributes_type": "a mapping of fields",
}


def describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, str):
        return f"text {value!r}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def dotted(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _unwrap_model(annotation: Any) -> type[BaseModel] | None:
    """The BaseModel inside ``annotation`` (through Optional, list, Annotated), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _unwrap_model(arg)
        if found is not None:
            return found
    return None


def _model_at(root: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The record class that holds the field at ``loc`` (for listing allowed keys)."""
    model: type[BaseModel] | None = root
    for part in loc[:-1]:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(part)
        if field is None:
            return None
        model = _unwrap_model(field.annotation)
    return model


def reason(err: dict, root: type[BaseModel] | None, tags: tuple[str, ...] = ()) -> str:
    """One readable reason for one pydantic error (``tags``: the allowed values of a tagged union)."""
    kind = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "missing required field"
    if kind == "extra_forbidden":
        model = _model_at(root, err["loc"]) if root else None
        if model is None:
            return "unknown field"
        names = list(model.model_fields)
        close = difflib.get_close_matches(str(err["loc"][-1]), names, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return f"unknown field ({hint}allowed: {', '.join(names)})"
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {describe(value)}"
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace("'", "")
        return f"{value!r} is not allowed (allowed: {expected})"
    if kind == "too_short":
        n = ctx.get("min_length", 1)
        return f"must have at least {n} entr{'y' if n == 1 else 'ies'}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "union_tag_invalid":
        return f"{ctx.get('tag')!r} is not allowed (allowed: {', '.join(tags)})"
    if kind == "union_tag_not_found":
        return f"missing required field (allowed: {', '.join(tags)})"
    if kind == "frozen_instance":
        return "cannot be changed"
    return str(err.get("msg", "invalid value"))


def located(
    reason: str, shown: str, loc: tuple, lines: Mapping[tuple, int], *, field: str | None = None
) -> tuple[int, DataError]:
    """A DataError for ``loc`` with the YAML line appended, and that line for sorting.

    The line is that of the deepest part of ``loc`` present in the file (for a missing field,
    the mapping that should hold it); it is left out when only the document root matches.
    ``field`` replaces the dotted ``loc`` as the field shown (lessons number steps from 1).
    """
    line = 0
    for n in range(len(loc), 0, -1):
        if loc[:n] in lines:
            line = lines[loc[:n]]
            break
    if line:
        reason += f" (line {line})"
    return line, DataError(reason, file=shown, field=field or dotted(loc) or None)


def errors_from_validation(
    exc: ValidationError,
    shown: str,
    lines: Mapping[tuple, int],
    root: type[BaseModel] | None,
    tags: tuple[str, ...] = (),
) -> list[tuple[int, DataError]]:
    """Every error of a pydantic validation, located, with its line for sorting.

    ``tags`` are the values of a tagged union's ``kind``: a wrong or missing tag is reported at
    ``kind``, and the tag pydantic puts in front of every other location is dropped.
    """
    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            loc = ("kind",)
        elif tags and loc and loc[0] in tags:
            loc = loc[1:]
        out.append(located(reason({**err, "loc": loc}, root, tags), shown, loc, lines))
    return out



def not_one_of(what: str, value: Any, allowed: Sequence[str]) -> str:
    """``unknown body 'x' (allowed: pelvis, femur)``: the reason for a value outside a fixed set."""
    return f"unknown {what} {value!r} (allowed: {', '.join(allowed)})"


def unknown_key_reason(key: str, allowed: Sequence[str]) -> str:
    """``unknown field; did you mean 'x'? (allowed: ...)``."""
    close = difflib.get_close_matches(str(key), list(allowed), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown field{hint} (allowed: {', '.join(allowed)})"


class FieldChecker:
    """Checks of hand-read values that fail with one located DataError.

    Parameters
    ----------
    shown : str
        The file as the user would name it.
    lines : Mapping[tuple, int]
        Key path -> line (:func:`viewer.io.yaml_source.read_yaml`).
    field_name : callable, optional
        Key path -> field shown in the message (default: dotted path).
    """

    def __init__(self, shown: str, lines: Mapping[tuple, int],
                 field_name: Callable[[tuple], str] | None = None):
        self.shown = shown
        self.lines = lines
        self.field_name = field_name or dotted

    def fail(self, loc: tuple, reason: str) -> DataError:
        line = self.lines.get(loc) or next((self.lines[loc[:n]] for n in range(len(loc) - 1, 0, -1)
                                             if loc[:n] in self.lines), 0)
        return DataError(reason + (f" (line {line})" if line else ""), file=self.shown, field=self.field_name(loc))

    def keys(self, loc: tuple, raw: Mapping, allowed: Sequence[str]) -> None:
        unknown = [k for k in raw if k not in allowed]
        if unknown:
            raise self.fail((*loc, str(unknown[0])), unknown_key_reason(unknown[0], allowed))

    def id_list(self, loc: tuple, value) -> list[str]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(loc, f"must be an id or a list of ids, got {short(value)}")
        return value

    def boolean(self, loc: tuple, value) -> bool:
        if not isinstance(value, bool):
            raise self.fail(loc, f"must be true or false, got {short(value)}")
        return value

    def number(self, loc: tuple, value, lo: float, hi: float, unit: str = "") -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
            raise self.fail(loc, f"must be a number, got {short(value)}")
        if not lo <= value <= hi:
            raise self.fail(loc, f"{value:g}{unit} is outside {lo:g}..{hi:g}{unit}")
        return float(value)

    def text(self, loc: tuple, value) -> str:
        if not isinstance(value, str):
            raise self.fail(loc, f"must be text, got {short(value)}")
        return value

    def vector(self, loc: tuple, value) -> tuple[float, float, float]:
        if (not isinstance(value, list) or len(value) != 3
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) for v in value)):
            raise self.fail(loc, f"must be three numbers [x, y, z] in mm, got {short(value)}")
        return tuple(float(v) for v in value)

    def relocate(self, loc: tuple, exc: DataError) -> DataError:
        """The same reason as ``exc``, located at ``loc`` of this file."""
        return self.fail(loc, exc.reason)


def short(value: Any) -> str:
    """A short description of a wrong value: ``text 'abc'``, ``a list [1, 2]``, ``nothing (null)``."""
    if value is None:
        return "nothing (null)"
    kind = {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list",
            dict: "a mapping"}.get(type(value), type(value).__name__)
    text = repr(value)
    return f"{kind} {text if len(text) <= 40 else text[:37] + '...'}"
