"""A small evaluator for Lagrange field meshes stored as JSON (``.geof`` node coordinates,
``.ens`` element bases, ``.mesh`` element topology), the format the CT-derived mean bones of
the ``musculoskeletal-models`` package are published in.

Only what the bone build needs: tensor-product Lagrange quadrilaterals of any order per
direction, Lagrange triangles of any order, the mapping of element nodes onto shared mesh
nodes, evaluation at element coordinates (xi), and a welded triangulation of each element on
a regular grid. Everything is read as plain JSON; nothing is unpickled.

Element node order (as in the files): quadrilateral nodes run along xi1 fastest, then xi2;
triangle nodes run along xi1 fastest in rows of constant xi2 (the corners are (0, 0), (1, 0)
and (0, 1)).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from viewer.core.errors import DataError

_QUAD = re.compile(r"^quad_L(\d)_L(\d)$")
_SIMPLEX = re.compile(r"^simplex_L(\d)_L(\d)$")


def lagrange_1d(order: int, x: np.ndarray) -> np.ndarray:
    """Lagrange polynomials on ``order + 1`` equally spaced nodes of [0, 1]: ``(n, order + 1)``."""
    x = np.asarray(x, dtype=float)
    nodes = np.linspace(0.0, 1.0, order + 1)
    out = np.ones((x.size, order + 1))
    for i in range(order + 1):
        for k in range(order + 1):
            if k != i:
                out[:, i] *= (x.ravel() - nodes[k]) / (nodes[i] - nodes[k])
    return out


@dataclass(frozen=True)
class Basis:
    """One element basis: ``kind`` ``quad`` or ``simplex`` with its polynomial orders."""

    kind: str
    orders: tuple[int, int]

    @classmethod
    def parse(cls, name: str, *, file: Path | None = None) -> "Basis":
        m = _QUAD.match(name)
        if m:
            return cls("quad", (int(m.group(1)), int(m.group(2))))
        m = _SIMPLEX.match(name)
        if m and m.group(1) == m.group(2):
            return cls("simplex", (int(m.group(1)), int(m.group(2))))
        raise DataError(f"unsupported element basis {name!r} (allowed: quad_Lp_Lq, simplex_Lp_Lp)",
                        file=file, field="basis")

    @property
    def n_nodes(self) -> int:
        p, q = self.orders
        return (p + 1) * (q + 1) if self.kind == "quad" else (p + 1) * (p + 2) // 2

    def weights(self, xi: np.ndarray) -> np.ndarray:
        """Basis function values ``(n, n_nodes)`` at element coordinates ``xi`` ``(n, 2)``."""
        xi = np.atleast_2d(np.asarray(xi, dtype=float))
        if self.kind == "quad":
            a = lagrange_1d(self.orders[0], xi[:, 0])
            b = lagrange_1d(self.orders[1], xi[:, 1])
            return (b[:, :, None] * a[:, None, :]).reshape(len(xi), -1)
        p = self.orders[0]
        bary = np.column_stack([1.0 - xi[:, 0] - xi[:, 1], xi[:, 0], xi[:, 1]]) * p
        out = []
        for j in range(p + 1):
            for i in range(p + 1 - j):
                counts = (p - i - j, i, j)
                w = np.ones(len(xi))
                for axis, count in enumerate(counts):
                    for k in range(count):
                        w = w * (bary[:, axis] - k) / (k + 1)
                out.append(w)
        return np.column_stack(out)

    def grid(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Element coordinates of an ``n``-interval grid and its triangles (local indices).

        Quadrilaterals give ``(n + 1)^2`` points and ``2 n^2`` triangles; triangles give
        ``(n + 1)(n + 2) / 2`` points and ``n^2`` triangles. Triangles are wound so that their
        normals follow ``d/dxi1 x d/dxi2``.
        """
        t = np.linspace(0.0, 1.0, n + 1)
        if self.kind == "quad":
            x1, x2 = np.meshgrid(t, t, indexing="xy")
            xi = np.column_stack([x1.ravel(), x2.ravel()])
            idx = np.arange((n + 1) ** 2).reshape(n + 1, n + 1)
            a, b = idx[:-1, :-1].ravel(), idx[:-1, 1:].ravel()
            c, d = idx[1:, :-1].ravel(), idx[1:, 1:].ravel()
            tris = np.concatenate([np.column_stack([a, b, d]), np.column_stack([a, d, c])])
            return xi, tris
        pts, index = [], {}
        for j in range(n + 1):
            for i in range(n + 1 - j):
                index[(i, j)] = len(pts)
                pts.append((t[i], t[j]))
        tris = []
        for j in range(n):
            for i in range(n - j):
                tris.append((index[(i, j)], index[(i + 1, j)], index[(i, j + 1)]))
                if i + j + 1 < n:
                    tris.append((index[(i + 1, j)], index[(i + 1, j + 1)], index[(i, j + 1)]))
        return np.array(pts), np.array(tris)


def _read(path: Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError("file not found", file=path) from None
    except json.JSONDecodeError as exc:
        raise DataError(f"not valid JSON (line {exc.lineno}: {exc.msg})", file=path) from None
    if not isinstance(data, dict):
        raise DataError("expected a JSON object", file=path)
    return data


@dataclass
class FieldMesh:
    """A 2-D Lagrange field mesh in 3-D: per-element bases and node parameters.

    Attributes
    ----------
    nodes : numpy.ndarray
        ``(n_nodes, 3)`` mesh node coordinates (mm).
    element_types : list[str]
        Element type name per element (keys of ``bases``).
    bases : dict[str, Basis]
    element_nodes : list[numpy.ndarray]
        Mesh node index of each element node, per element.
    """

    nodes: np.ndarray
    element_types: list[str]
    bases: dict[str, Basis]
    element_nodes: list[np.ndarray]

    @classmethod
    def load(cls, geometry: Path, ensemble: Path, topology: Path) -> "FieldMesh":
        """Read the three JSON files of one field mesh.

        Raises
        ------
        DataError
            If a file is missing or malformed, or the node counts do not agree.
        """
        geo, ens, mesh = _read(geometry), _read(ensemble), _read(topology)
        try:
            params = geo["field_parameters"]
            keys = sorted(params, key=lambda k: int(k.split()[-1]))
            nodes = np.array([[float(params[k][f"dim {d}"]) for d in range(3)] for k in keys])
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise DataError(f"cannot read node coordinates ({exc})", file=geometry,
                            field="field_parameters") from None
        bases = {name: Basis.parse(b, file=ensemble) for name, b in ens.get("basis", {}).items()}
        try:
            elements = {int(k): v.split() for k, v in mesh["elements"].items()}
            conn = {tuple(int(x) for x in k.split("_")): [tuple(int(x) for x in v.split("_")) for v in vals.split()]
                    for k, vals in mesh["connectivity"].items()}
        except (KeyError, ValueError, AttributeError) as exc:
            raise DataError(f"cannot read elements or connectivity ({exc})", file=topology) from None
        types = []
        for e in sorted(elements):
            flag, etype = elements[e]
            if flag != "0":
                raise DataError("nested sub-meshes are not supported", file=topology, field=f"elements.{e}")
            if etype not in bases:
                raise DataError(f"element type {etype!r} has no basis in {Path(ensemble).name}",
                                file=topology, field=f"elements.{e}")
            types.append(etype)
        # Number the shared nodes: walk element nodes in (element, node) order; the first not
        # yet numbered gets the next number, shared with every element node it connects to.
        numbered: dict[tuple[int, int], int] = {}
        count = 0
        for key in sorted(conn):
            if key in numbered:
                continue
            numbered[key] = count
            for other in conn[key]:
                numbered[other] = count
            count += 1
        if count != len(nodes):
            raise DataError(f"topology has {count} nodes but the geometry has {len(nodes)}",
                            file=geometry, field="field_parameters")
        custom = ens.get("custom_map")
        remap = None
        if custom:
            remap = np.zeros(count, dtype=int)
            for k, v in custom.items():
                remap[int(k)] = int(v)
        element_nodes = []
        for e, etype in enumerate(types):
            n = bases[etype].n_nodes
            try:
                idx = np.array([numbered[(e, p)] for p in range(n)])
            except KeyError:
                raise DataError(f"element {e} lacks node connectivity", file=topology,
                                field="connectivity") from None
            element_nodes.append(remap[idx] if remap is not None else idx)
        return cls(nodes, types, bases, element_nodes)

    @property
    def n_elements(self) -> int:
        return len(self.element_types)

    def evaluate(self, element: int, xi: np.ndarray) -> np.ndarray:
        """Points ``(n, 3)`` of one element at element coordinates ``xi`` ``(n, 2)``."""
        basis = self.bases[self.element_types[element]]
        return basis.weights(xi) @ self.nodes[self.element_nodes[element]]

    def evaluate_many(self, elements: np.ndarray, xi: np.ndarray) -> np.ndarray:
        """Points ``(n, 3)`` at element ``elements[i]``, coordinates ``xi[i]``."""
        elements = np.asarray(elements, dtype=int).ravel()
        xi = np.atleast_2d(np.asarray(xi, dtype=float))
        out = np.empty((len(elements), 3))
        for e in np.unique(elements):
            sel = elements == e
            out[sel] = self.evaluate(int(e), xi[sel])
        return out

    def triangulate(self, elements, n: int, weld_mm: float = 1e-4):
        """A welded triangle mesh of the given elements, each on an ``n``-interval grid.

        Returns
        -------
        vertices : numpy.ndarray
            ``(v, 3)`` points (mm).
        faces : numpy.ndarray
            ``(f, 3)`` vertex indices.
        face_element : numpy.ndarray
            ``(f,)`` the element each triangle lies in.
        corner_xi : numpy.ndarray
            ``(f, 3, 2)`` element coordinates of each triangle's corners, so that any point of
            the triangulation maps back to the smooth field (element + xi).
        """
        points, faces, face_el, xis = [], [], [], []
        offset = 0
        for e in elements:
            basis = self.bases[self.element_types[e]]
            xi, tris = basis.grid(n)
            points.append(self.evaluate(e, xi))
            faces.append(tris + offset)
            face_el.append(np.full(len(tris), e))
            xis.append(xi)
            offset += len(xi)
        points = np.concatenate(points)
        faces = np.concatenate(faces)
        face_el = np.concatenate(face_el)
        xis = np.concatenate(xis)
        corner_xi = xis[faces]
        keys = np.round(points / weld_mm).astype(np.int64)
        _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
        inverse = inverse.ravel()
        order = np.argsort(first)          # keep the first occurrence order (deterministic)
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        vertices = points[first[order]]
        faces = rank[inverse][faces]
        keep = (faces[:, 0] != faces[:, 1]) & (faces[:, 1] != faces[:, 2]) & (faces[:, 0] != faces[:, 2])
        return vertices, faces[keep], face_el[keep], corner_xi[keep]
