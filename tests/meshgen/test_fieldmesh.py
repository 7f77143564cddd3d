"""The project's reader and evaluator of Lagrange field meshes (JSON), on small hand-made meshes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from viewer.core.errors import DataError
from viewer.meshgen.fieldmesh import Basis, FieldMesh, lagrange_1d


@pytest.mark.parametrize("name", ["quad_L3_L3", "quad_L4_L3", "quad_L4_L4", "simplex_L3_L3", "simplex_L4_L4"])
def test_bases_interpolate_their_nodes_and_sum_to_one(name):
    basis = Basis.parse(name)
    p, q = basis.orders
    if basis.kind == "quad":
        nodes = np.array([(i / p, j / q) for j in range(q + 1) for i in range(p + 1)])
    else:
        nodes = np.array([(i / p, j / p) for j in range(p + 1) for i in range(p + 1 - j)])
    assert len(nodes) == basis.n_nodes
    np.testing.assert_allclose(basis.weights(nodes), np.eye(basis.n_nodes), atol=1e-12)
    xi = np.random.default_rng(1).uniform(0, 0.5, size=(20, 2))
    np.testing.assert_allclose(basis.weights(xi).sum(axis=1), 1.0, atol=1e-12)


def test_cubic_triangle_matches_the_closed_form():
    # the ten cubic shape functions written out in area coordinates (Zienkiewicz & Taylor,
    # The Finite Element Method, vol. 1, 6th ed., section 8.8), in the row order of the files
    xi = np.random.default_rng(2).uniform(0, 0.5, size=(12, 2))
    l0, l1, l2 = 1 - xi[:, 0] - xi[:, 1], xi[:, 0], xi[:, 1]
    c = lambda a: 0.5 * a * (3 * a - 1) * (3 * a - 2)  # noqa: E731
    e = lambda a, b: 4.5 * a * b * (3 * a - 1)  # noqa: E731
    expected = np.stack([c(l0), e(l0, l1), e(l1, l0), c(l1), e(l0, l2), 27 * l0 * l1 * l2, e(l1, l2),
                         e(l2, l0), e(l2, l1), c(l2)], axis=1)
    np.testing.assert_allclose(Basis.parse("simplex_L3_L3").weights(xi), expected, atol=1e-12)


def test_lagrange_polynomials_reproduce_a_cubic():
    x = np.linspace(0, 1, 7)
    nodes = np.linspace(0, 1, 4)
    f = lambda t: 2 * t**3 - t + 0.5  # noqa: E731
    np.testing.assert_allclose(lagrange_1d(3, x) @ f(nodes), f(x), atol=1e-12)


def _write_two_quads(tmp_path, nodes=None):
    """Two linear-in-appearance cubic quads side by side sharing an edge (xi1 = 1 of element 0
    is xi1 = 0 of element 1), flat in the z = 0 plane: 4 x 7 = 28 shared nodes."""
    grid = [(x, y, 0.0) for y in range(4) for x in range(7)]
    nodes = grid if nodes is None else nodes
    geof = {"field_parameters": {f"node {i:08d}": {f"dim {d}": repr(float(p[d])) for d in range(3)}
                                 for i, p in enumerate(nodes)}}
    ens = {"basis": {"quad44": "quad_L3_L3"}, "custom_map": None}
    conn = {}
    for e in range(2):
        for j in range(4):
            for i in range(4):
                conn[f"{e}_{j * 4 + i}"] = ""
    for j in range(4):
        conn[f"0_{j * 4 + 3}"] = f"1_{j * 4}"
        conn[f"1_{j * 4}"] = f"0_{j * 4 + 3}"
    mesh = {"elements": {"0": "0 quad44", "1": "0 quad44"}, "connectivity": conn}
    paths = []
    for name, doc in (("m.geof", geof), ("m.ens", ens), ("m.mesh", mesh)):
        (tmp_path / name).write_text(json.dumps(doc))
        paths.append(tmp_path / name)
    return paths


def test_shared_nodes_are_numbered_in_element_order(tmp_path):
    # element 0 takes nodes 0-15 in its own order; element 1 shares its first column and
    # numbers its 12 others after them
    nodes = [(0, 0, 0)] * 28
    field = FieldMesh.load(*_write_two_quads(tmp_path, nodes))
    assert list(field.element_nodes[0]) == list(range(16))
    second = field.element_nodes[1]
    assert [second[j * 4] for j in range(4)] == [3, 7, 11, 15]
    assert sorted(set(second) - set(range(16))) == list(range(16, 28))


def test_triangulation_is_welded_and_maps_back_to_the_field(tmp_path):
    nodes = [(0, 0, 0)] * 28
    field = FieldMesh.load(*_write_two_quads(tmp_path, nodes))
    # give the nodes positions: x grows along each element, y with xi2, a bump in z
    xy = np.zeros((28, 3))
    for e in range(2):
        for j in range(4):
            for i in range(4):
                n = field.element_nodes[e][j * 4 + i]
                xy[n] = (e * 3 + i, j, 0.1 * (e * 3 + i) ** 2)
    field.nodes = xy
    v, f, face_el, corner_xi = field.triangulate([0, 1], 4)
    assert len(f) == 2 * 2 * 4 * 4
    assert len(v) == 9 * 5  # the shared edge's five points are welded
    # every corner of every triangle is the field evaluated at its element coordinates
    for k in range(0, len(f), 7):
        np.testing.assert_allclose(field.evaluate(int(face_el[k]), corner_xi[k]), v[f[k]], atol=1e-9)
    np.testing.assert_allclose(field.evaluate(1, [[0.5, 0.5]])[0], [4.5, 1.5, 0.1 * 4.5**2], atol=1e-9)


def test_bad_files_give_one_clear_data_error(tmp_path):
    geof, ens, mesh = _write_two_quads(tmp_path)
    with pytest.raises(DataError, match="file not found"):
        FieldMesh.load(tmp_path / "missing.geof", ens, mesh)
    bad = tmp_path / "bad.ens"
    bad.write_text(json.dumps({"basis": {"quad44": "hermite_H3"}}))
    with pytest.raises(DataError, match="unsupported element basis 'hermite_H3'"):
        FieldMesh.load(geof, bad, mesh)
    short = tmp_path / "short.geof"
    doc = json.loads(geof.read_text())
    doc["field_parameters"].pop("node 00000027")
    short.write_text(json.dumps(doc))
    with pytest.raises(DataError, match="topology has 28 nodes but the geometry has 27"):
        FieldMesh.load(short, ens, mesh)
    broken = tmp_path / "broken.mesh"
    broken.write_text("{not json")
    with pytest.raises(DataError, match="not valid JSON"):
        FieldMesh.load(geof, ens, broken)


def test_landmark_picks_reject_bad_entries(tmp_path):
    from viewer.meshgen.ct_bones import load_landmark_picks

    path = tmp_path / "lm.yaml"
    path.write_text("hip_bone:\n  ischial_spine: {element: 3, xi: [0.5, 1.5]}\n")
    with pytest.raises(DataError, match="xi two numbers in"):
        load_landmark_picks(path)
    path.write_text("tibia:\n  x: {element: 3, xi: [0.5, 0.5]}\n")
    with pytest.raises(DataError, match="unknown bone id"):
        load_landmark_picks(path)
