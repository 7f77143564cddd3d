"""Functions and small readers of OpenSim model files (see :mod:`viewer.io.osim`)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np

from viewer.core.errors import DataError
from viewer.core.splines import _natural_spline, fmm_spline


class Unsupported(Exception):
    """An element the importer cannot represent; the message names it."""


# -- small helpers ------------------------------------------------------------------------------
def _floats(text: str | None, n: int | None = None, *, what: str = "", file="") -> np.ndarray:
    try:
        arr = np.array([float(x) for x in (text or "").split()])
    except ValueError:
        raise DataError(f"expected numbers, got {text!r}", file=file, field=what) from None
    if n is not None and arr.size != n:
        raise DataError(f"expected {n} numbers, got {text!r}", file=file, field=what)
    return arr


def _child_text(elem: ET.Element, tag: str, default: str | None = None) -> str | None:
    child = elem.find(tag)
    return child.text.strip() if child is not None and child.text is not None else default


# -- functions ----------------------------------------------------------------------------------
def make_function(elem: ET.Element | None, file):
    """A Python function of one value for an OpenSim function element (``None``: zero)."""
    if elem is None:
        return lambda t: 0.0
    tag = elem.tag
    if tag == "Constant":
        value = float(_child_text(elem, "value", "0"))
        return lambda t: value
    if tag == "LinearFunction":
        slope, offset = _floats(_child_text(elem, "coefficients"), 2, what="LinearFunction.coefficients", file=file)
        return lambda t: slope * t + offset
    if tag in ("SimmSpline", "NaturalCubicSpline", "PiecewiseLinearFunction"):
        x = _floats(_child_text(elem, "x"), what=f"{tag}.x", file=file)
        y = _floats(_child_text(elem, "y"), what=f"{tag}.y", file=file)
        if x.size != y.size or x.size == 0:
            raise DataError(f"{tag} needs as many x as y values", file=file, field=f"{tag}.{elem.get('name', '')}")
        if tag == "SimmSpline":
            return fmm_spline(x, y)
        if tag == "NaturalCubicSpline":
            return _natural_spline(x, y)
        return lambda t: float(np.interp(t, x, y))
    raise Unsupported(f"function <{tag}>")


def _function_child(elem: ET.Element) -> ET.Element | None:
    """The function element inside a TransformAxis or location (first child that is not text data)."""
    for child in elem:
        if child.tag not in ("coordinates", "axis"):
            return child
    return None
