"""Cubic splines through tabulated points (numpy only), as OpenSim evaluates its functions.

Used when reading OpenSim models (:mod:`viewer.io.osim`): coordinate-dependent path points and
coupler functions are given as ``SimmSpline`` / ``NaturalCubicSpline`` tables.
"""

from __future__ import annotations

import numpy as np


def fmm_spline(x: np.ndarray, y: np.ndarray):
    """Coefficients of the cubic spline of Forsythe, Malcolm & Moler (Computer Methods for
    Mathematical Computations, 1977): end conditions match the third derivative of the cubic
    through the four end points. Returns a function of one value."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    n = len(x)
    if n < 2:
        return lambda t: float(y[0])
    if n < 3:
        slope = (y[1] - y[0]) / (x[1] - x[0])
        return lambda t: float(y[0] + slope * (t - x[0]))
    b, c, d = np.zeros(n), np.zeros(n), np.zeros(n)
    nm1 = n - 1
    d[0] = x[1] - x[0]
    c[1] = (y[1] - y[0]) / d[0]
    for i in range(1, nm1):
        d[i] = x[i + 1] - x[i]
        b[i] = 2.0 * (d[i - 1] + d[i])
        c[i + 1] = (y[i + 1] - y[i]) / d[i]
        c[i] = c[i + 1] - c[i]
    b[0] = -d[0]
    b[nm1] = -d[n - 2]
    c[0] = c[nm1] = 0.0
    if n > 3:
        c[0] = c[2] / (x[3] - x[1]) - c[1] / (x[2] - x[0])
        c[nm1] = c[n - 2] / (x[nm1] - x[n - 3]) - c[n - 3] / (x[n - 2] - x[n - 4])
        c[0] = c[0] * d[0] * d[0] / (x[3] - x[0])
        c[nm1] = -c[nm1] * d[n - 2] * d[n - 2] / (x[nm1] - x[n - 4])
    for i in range(1, n):
        t = d[i - 1] / b[i - 1]
        b[i] -= t * d[i - 1]
        c[i] -= t * c[i - 1]
    c[nm1] /= b[nm1]
    for i in range(n - 2, -1, -1):
        c[i] = (c[i] - d[i] * c[i + 1]) / b[i]
    b[nm1] = (y[nm1] - y[n - 2]) / d[n - 2] + d[n - 2] * (c[n - 2] + 2.0 * c[nm1])
    for i in range(nm1):
        b[i] = (y[i + 1] - y[i]) / d[i] - d[i] * (c[i + 1] + 2.0 * c[i])
        d[i] = (c[i + 1] - c[i]) / d[i]
        c[i] = 3.0 * c[i]
    c[nm1] = 3.0 * c[nm1]
    d[nm1] = d[n - 2]

    def evaluate(t: float) -> float:
        i = int(np.clip(np.searchsorted(x, t, side="right") - 1, 0, nm1))
        dx = t - x[i]
        return float(y[i] + dx * (b[i] + dx * (c[i] + dx * d[i])))

    return evaluate


def _natural_spline(x, y):
    """Cubic spline with zero second derivative at both ends (linear beyond them)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    n = len(x)
    if n < 3:
        return lambda t: float(np.interp(t, x, y))
    h = np.diff(x)
    A = np.zeros((n, n))
    rhs = np.zeros(n)
    A[0, 0] = A[-1, -1] = 1.0
    for i in range(1, n - 1):
        A[i, i - 1], A[i, i], A[i, i + 1] = h[i - 1], 2.0 * (h[i - 1] + h[i]), h[i]
        rhs[i] = 6.0 * ((y[i + 1] - y[i]) / h[i] - (y[i] - y[i - 1]) / h[i - 1])
    M = np.linalg.solve(A, rhs)

    def evaluate(t: float) -> float:
        if t <= x[0] or t >= x[-1]:
            k = 0 if t <= x[0] else n - 2
            end = 0 if t <= x[0] else n - 1
            slope = (y[k + 1] - y[k]) / h[k] + (-1 if end == 0 else 1) * h[k] * (M[k + 1] if end == 0 else M[k]) / 6.0
            return float(y[end] + slope * (t - x[end]))
        i = int(np.clip(np.searchsorted(x, t, side="right") - 1, 0, n - 2))
        a, b = x[i + 1] - t, t - x[i]
        return float((M[i] * a ** 3 + M[i + 1] * b ** 3) / (6.0 * h[i])
                     + (y[i] / h[i] - M[i] * h[i] / 6.0) * a + (y[i + 1] / h[i] - M[i + 1] * h[i] / 6.0) * b)

    return evaluate
