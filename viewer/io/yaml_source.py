"""Reading hand-written YAML files with line numbers, so every error can say where it is.

Used for annotations, lessons and the generator's parameters. Duplicate keys are refused (PyYAML
would otherwise keep the last one silently), and every key path maps to the 1-based line it was
written on.

A YAML file cannot hang or exhaust the reader: it is refused when larger than
:data:`~viewer.core.limits.MAX_YAML_BYTES`, when its aliases refer to themselves (a recursive
anchor), when it nests deeper than :data:`~viewer.core.limits.MAX_YAML_DEPTH`, or when it stands for
more than :data:`~viewer.core.limits.MAX_YAML_NODES` values once its aliases are expanded (a few
hundred bytes of nested aliases can stand for billions). Each node of the composed document is
visited once; an alias is followed by reference, never copied.
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml

from viewer.core.errors import DataError
from viewer.core.limits import MAX_YAML_BYTES, MAX_YAML_DEPTH, MAX_YAML_NODES
from viewer.io.files import display_path, read_text

__all__ = ["UniqueKeyLoader", "display_path", "line_map", "read_yaml", "parse_yaml"]

_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser when available


class UniqueKeyLoader(_SafeLoader):
    """A safe loader that refuses duplicate and unhashable keys instead of keeping the last one
    silently or failing with a TypeError."""


def _construct_unique_mapping(loader: UniqueKeyLoader, node: yaml.MappingNode, deep=False):
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(
                None, None, f"a key must be a name or a number, not a {type(key).__name__}", key_node.start_mark
            )
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first given on line {seen[key] + 1})", key_node.start_mark
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def check_document(root: yaml.Node | None, *, file: str | None = None) -> None:
    """Refuse a composed document with a recursive anchor, too deep, or too large once expanded.

    Visits every node once (iteratively, so no recursion limit is met) and computes, per node,
    how many values it stands for with its aliases expanded and how deep it nests.

    Raises
    ------
    DataError
        Naming the line and the limit.
    """
    if root is None:
        return
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            kids = _children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            height[key] = 1 + max((height[id(k)] for k in kids), default=0)
            open_nodes.discard(key)
            line = node.start_mark.line + 1
            if height[key] > MAX_YAML_DEPTH:
                raise DataError(f"nests deeper than the limit of {MAX_YAML_DEPTH} levels (line {line})", file=file)
            if size[key] > MAX_YAML_NODES:
                raise DataError(f"holds more than the limit of {MAX_YAML_NODES} values once its aliases are "
                                f"expanded (line {line})", file=file)
            continue
        if key in size:
            continue  # an alias of a node already measured: by reference
        if key in open_nodes:
            raise DataError(f"an alias refers to the node that contains it (recursive anchor, line "
                            f"{node.start_mark.line + 1}); recursive data is not allowed", file=file)
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((k, False) for k in _children(node))
        if len(stack) > 4 * MAX_YAML_NODES:  # cannot happen for a document that passes, but bound it
            raise DataError(f"holds more than the limit of {MAX_YAML_NODES} values", file=file)


def line_map(node: yaml.Node | None, prefix: tuple = ()) -> dict[tuple, int]:
    """Map every key path (mapping keys and sequence items) of a composed document to its line.

    Each node is entered once: a second path to an aliased node maps to the line of the node,
    and its contents keep the paths of their first occurrence. The document must have passed
    :func:`check_document` (no recursion, bounded depth).
    """
    lines: dict[tuple, int] = {}
    seen: set[int] = set()

    def walk(n: yaml.Node, path: tuple) -> None:
        lines[path] = n.start_mark.line + 1
        if id(n) in seen:
            return
        seen.add(id(n))
        if isinstance(n, yaml.MappingNode):
            for key_node, value_node in n.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
                sub = (*path, key)
                walk(value_node, sub)
                lines[sub] = key_node.start_mark.line + 1
        elif isinstance(n, yaml.SequenceNode):
            for i, item in enumerate(n.value):
                walk(item, (*path, i))

    if node is not None:
        walk(node, prefix)
    return lines


def parse_yaml(text: str, *, file: str | None = None) -> tuple[Any, dict[tuple, int]]:
    """Parse YAML text; returns the data and a key-path -> line map (see :func:`read_yaml`)."""
    try:
        # One parse: the composed document is checked, then built into Python values.
        loader = UniqueKeyLoader(text)
        try:
            root = loader.get_single_node()
            check_document(root, file=file)
            data = None if root is None else loader.construct_document(root)
        finally:
            loader.dispose()
        lines = line_map(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "malformed YAML"
        raise DataError(f"invalid YAML{where}: {' '.join(str(problem).split())}", file=file) from None
    except yaml.YAMLError as exc:
        raise DataError(f"invalid YAML: {' '.join(str(exc).split())}", file=file) from None
    except RecursionError:  # the pure-Python parser on deep nesting (the C one reports it itself)
        raise DataError(f"nests deeper than the limit of {MAX_YAML_DEPTH} levels", file=file) from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. a timestamp out of range
        raise DataError(f"invalid YAML value ({exc})", file=file) from None
    return data, lines


def read_yaml(path: Path, *, what: str = "file") -> tuple[Any, dict[tuple, int]]:
    """Parse one YAML file; returns the data and a key-path -> line map.

    Raises
    ------
    DataError
        Naming the file: not found (``"<what> not found"``), not UTF-8, unreadable, too large,
        invalid YAML with its line and column, a recursive anchor, too deep or too large.
    """
    text = read_text(path, max_bytes=MAX_YAML_BYTES, what=what)
    return parse_yaml(text, file=display_path(path))
