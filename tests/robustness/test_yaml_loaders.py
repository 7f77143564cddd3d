"""2. YAML loaders cannot hang: each node is visited once, aliases by reference, with caps on
the expanded size and the depth, and recursive anchors refused."""

from __future__ import annotations

import pytest
import yaml

from tests.robustness.conftest import run_cli
from viewer.core.errors import DataError
from viewer.core.limits import MAX_YAML_DEPTH, MAX_YAML_NODES
from viewer.io.yaml_source import line_map, parse_yaml, read_yaml


def alias_bomb(levels: int = 9, fan: int = 9) -> str:
    """A few hundred bytes that stand for fan**levels values once the aliases are expanded."""
    names = [f"l{i}" for i in range(levels + 1)]
    text = f"{names[0]}: &{names[0]} [{', '.join(['lol'] * fan)}]\n"
    for prev, name in zip(names, names[1:]):
        text += f"{name}: &{name} [{', '.join([f'*{prev}'] * fan)}]\n"
    return text


def test_alias_bomb_is_small_and_refused_with_the_limit():
    text = alias_bomb()
    assert len(text.encode()) < 600
    with pytest.raises(DataError, match=f"more than the limit of {MAX_YAML_NODES} values once its aliases are expanded"):
        parse_yaml(text, file="bomb.yaml")


def test_line_map_visits_each_node_once():
    # 2**24 paths through shared aliases, but only a few dozen nodes.
    text = "a: &a [1, 2]\n" + "".join(f"b{i}: &b{i} [*{'a' if i == 0 else f'b{i - 1}'}, *{'a' if i == 0 else f'b{i - 1}'}]\n"
                                       for i in range(24))
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    lines = line_map(root)
    assert len(lines) < 200
    assert lines[("b23",)] == 25


def test_recursive_anchor_is_refused_with_its_line():
    with pytest.raises(DataError, match=r"recursive anchor, line 2"):
        parse_yaml("ok: 1\nloop: &r [1, *r]\n", file="loop.yaml")
    with pytest.raises(DataError, match=r"recursive anchor"):
        parse_yaml("m: &m {child: *m}\n", file="loop.yaml")


def test_depth_is_capped():
    deep = "v: " + "[" * (MAX_YAML_DEPTH + 5) + "]" * (MAX_YAML_DEPTH + 5) + "\n"
    with pytest.raises(DataError, match=f"deeper than the limit of {MAX_YAML_DEPTH} levels"):
        parse_yaml(deep, file="deep.yaml")
    ok = "v: " + "[" * 10 + "]" * 10 + "\n"
    assert parse_yaml(ok, file="ok.yaml")[0]["v"] == [[[[[[[[[[]]]]]]]]]]


def test_aliases_within_the_limits_still_work(tmp_path):
    path = tmp_path / "shared.yaml"
    path.write_text("base: &b {x: 1}\nuse: *b\n", encoding="utf-8")
    data, lines = read_yaml(path)
    assert data["use"] == {"x": 1} and lines[("use",)] == 2


@pytest.mark.parametrize("target", ["annotations/piriformis.yaml", "annotations/lessons/external_rotation.yaml"])
def test_every_command_refuses_an_alias_bomb_quickly(data_copy, target):
    with open(data_copy / target, "a", encoding="utf-8") as fh:
        fh.write("\n" + alias_bomb().replace("l0:", "x_l0:", 1))
    command = ["validate"] if "lessons" in target else ["actions", "--motion", "flexion"]
    result = run_cli("--data", str(data_copy), *command, timeout=60)
    assert result.returncode in (1, 2)
    assert "Traceback" not in result.stderr
    assert f"more than the limit of {MAX_YAML_NODES} values" in result.stderr
