"""Reading hand-written YAML files with line numbers, so every error can say where it is.

Used for annotations and lessons. Duplicate keys are refused (PyYAML would otherwise keep the
last one silently), and every key path maps to the 1-based line it was written on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from viewer.core.errors import DataError

_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser when available


class UniqueKeyLoader(_SafeLoader):
    """A safe loader that refuses duplicate keys instead of keeping the last one silently."""


def _construct_unique_mapping(loader: UniqueKeyLoader, node: yaml.MappingNode, deep=False):
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first given on line {seen[key] + 1})", key_node.start_mark
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)


def display_path(path: Path) -> str:
    """The path as the user would type it: relative to the working directory when possible."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def line_map(node: yaml.Node | None, prefix: tuple = ()) -> dict[tuple, int]:
    """Map every key path (mapping keys and sequence items) of a composed document to its line."""
    lines: dict[tuple, int] = {}
    if node is None:
        return lines
    lines[prefix] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            path = (*prefix, key)
            lines.update(line_map(value_node, path))
            lines[path] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines.update(line_map(item, (*prefix, i)))
    return lines


def read_yaml(path: Path, *, what: str = "file") -> tuple[Any, dict[tuple, int]]:
    """Parse one YAML file; returns the data and a key-path -> line map.

    Raises
    ------
    DataError
        Naming the file: not found (``"<what> not found"``), not UTF-8, unreadable, or invalid
        YAML with its line and column.
    """
    shown = display_path(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"{what} not found", file=shown) from None
    except UnicodeDecodeError as exc:
        raise DataError(f"not UTF-8 text ({exc.reason})", file=shown) from None
    except OSError as exc:
        raise DataError(f"cannot be read ({exc.strerror})", file=shown) from None
    try:
        data = yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
        lines = line_map(yaml.compose(text, Loader=_SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "malformed YAML"
        raise DataError(f"invalid YAML{where}: {problem}", file=shown) from None
    except yaml.YAMLError as exc:
        raise DataError(f"invalid YAML: {exc}", file=shown) from None
    return data, lines
