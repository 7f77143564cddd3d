"""Where a label box goes: pure numpy screen geometry, no VTK.

The scene projects surface samples of every visible structure to display pixels
(:func:`project`), rasterises them into a coarse occupancy mask together with the boxes of
other texts (:func:`occupancy_grid`), and asks :func:`place_box` for the free spot nearest the
label's anchor. Display coordinates follow VTK: pixels, origin at the lower left.
"""

from __future__ import annotations

import numpy as np

from viewer.core.tolerances import tol

#: Vertical offsets (in box heights) tried around the anchor, nearest first.
ROW_OFFSETS = np.array([0, -0.6, 0.6, -1.2, 1.2, -2.0, 2.0, -3.0, 3.0, -4.5, 4.5, -6.0, 6.0, -8.0, 8.0])


def project(points: np.ndarray, composite: np.ndarray, width: int, height: int) -> np.ndarray:
    """Display pixels ``(n, 2)`` of points ``(n, 3)`` under a 4x4 composite projection matrix."""
    points = np.asarray(points, dtype=float)
    h = points @ composite[[0, 1, 3], :3].T + composite[[0, 1, 3], 3]  # rows x, y and w only
    w = np.where(np.abs(h[:, 2]) < tol.divisor, tol.divisor, h[:, 2])
    xy = h[:, :2] / w[:, None]
    xy += 1.0
    xy *= 0.5 * np.array([width, height], dtype=float)
    return xy


def occupancy_grid(xy: np.ndarray | None, width: int, height: int, cell_px: int,
                   reserved: list[tuple[float, float, float, float]] = ()) -> np.ndarray:
    """Boolean mask ``(rows, cols)`` of cells covered by projected samples or reserved boxes.

    Row 0 is at the bottom (VTK display y). Sampled cells are grown by one cell to close the
    gaps between the samples of large triangles.
    """
    rows, cols = max(1, int(np.ceil(height / cell_px))), max(1, int(np.ceil(width / cell_px)))
    grid = np.zeros((rows, cols), dtype=bool)
    if xy is not None and len(xy):
        inside = (xy[:, 0] >= 0) & (xy[:, 0] < width) & (xy[:, 1] >= 0) & (xy[:, 1] < height)
        cells = (xy[inside] // cell_px).astype(int)
        grid[cells[:, 1], cells[:, 0]] = True
        grown = grid.copy()
        grown[1:] |= grid[:-1]
        grown[:-1] |= grid[1:]
        grown[:, 1:] |= grid[:, :-1]
        grown[:, :-1] |= grid[:, 1:]
        grid = grown
    for x0, y0, x1, y1 in reserved:
        r0, r1 = max(0, int(y0 // cell_px)), min(rows, int(np.ceil(y1 / cell_px)))
        c0, c1 = max(0, int(x0 // cell_px)), min(cols, int(np.ceil(x1 / cell_px)))
        grid[r0:r1, c0:c1] = True
    return grid


def place_box(grid: np.ndarray, cell_px: int, anchor_xy: tuple[float, float], box_size: tuple[float, float],
              width: int, height: int, gap_px: float) -> tuple[float, float]:
    """Lower-left corner of the best free box of ``box_size`` beside ``anchor_xy``.

    Candidates lie at the anchor's height and above and below it, stepping outwards across the
    width; the free candidate with the shortest leader wins (with a small preference for
    staying level with the anchor), or, where nothing is free, the one covering the least.
    """
    x, y = anchor_xy
    box_w, box_h = box_size
    # Integral image: the number of covered cells in any box is four look-ups.
    integral = np.zeros((grid.shape[0] + 1, grid.shape[1] + 1))
    integral[1:, 1:] = grid.cumsum(0).cumsum(1)
    xs = np.arange(gap_px, max(gap_px + 1, width - gap_px - box_w), cell_px / 2.0)
    ys = np.unique(np.clip(y - box_h / 2 + box_h * ROW_OFFSETS, gap_px, max(gap_px, height - gap_px - box_h)))
    cx, cy = np.meshgrid(xs, ys)
    x0, y0 = cx.ravel(), cy.ravel()
    c0 = np.clip(((x0 - gap_px) // cell_px).astype(int), 0, grid.shape[1])
    c1 = np.clip(np.ceil((x0 + box_w + gap_px) / cell_px).astype(int), 0, grid.shape[1])
    r0 = np.clip(((y0 - gap_px) // cell_px).astype(int), 0, grid.shape[0])
    r1 = np.clip(np.ceil((y0 + box_h + gap_px) / cell_px).astype(int), 0, grid.shape[0])
    covered = integral[r1, c1] - integral[r0, c1] - integral[r1, c0] + integral[r0, c0]
    ex = np.clip(x, x0, x0 + box_w) - x
    ey = np.clip(y, y0, y0 + box_h) - y
    cost = np.hypot(ex, ey) + 0.3 * np.abs(ey) + 1e6 * covered
    best = int(np.argmin(cost))
    return float(x0[best]), float(y0[best])


def column_layout(anchors_xy: np.ndarray, sizes: np.ndarray, model_box: tuple[float, float, float, float],
                  width: int, height: int, gap_px: float, reserved: list[tuple[float, float, float, float]] = ()
                  ) -> np.ndarray:
    """Lower-left corners ``(n, 2)`` of callout boxes in two columns beside the model.

    Anchors left of the model's middle get a box in the left column (right-aligned against the
    model's left edge), the others in the right column; in each column the boxes keep their
    anchors' vertical order and are pushed apart so that none overlaps another, and kept
    inside the view and out of the ``reserved`` boxes' rows where possible.

    Parameters
    ----------
    anchors_xy : (n, 2) display pixels of the points the leaders go to.
    sizes : (n, 2) box widths and heights (pixels).
    model_box : x0, y0, x1, y1 of the model's projected bounding box (pixels).
    """
    anchors_xy = np.asarray(anchors_xy, dtype=float).reshape(-1, 2)
    sizes = np.asarray(sizes, dtype=float).reshape(-1, 2)
    out = np.zeros_like(anchors_xy)
    mx0, _, mx1, _ = model_box
    middle = 0.5 * (mx0 + mx1)
    top_limit = float(height) - gap_px
    bottom_limit = gap_px
    for box in reserved:  # keep clear of texts that span the top or bottom (legend, caption)
        if box[1] <= gap_px:
            bottom_limit = max(bottom_limit, box[3] + gap_px)
    for side in (0, 1):
        members = np.flatnonzero((anchors_xy[:, 0] < middle) if side == 0 else (anchors_xy[:, 0] >= middle))
        if not len(members):
            continue
        order = members[np.argsort(-anchors_xy[members, 1])]  # top first
        heights = sizes[order, 1]
        # Wanted bottoms: each box centred on its anchor's height, then pushed down in turn.
        bottoms = anchors_xy[order, 1] - 0.5 * heights
        top = top_limit
        for k in range(len(order)):
            bottoms[k] = min(bottoms[k], top - heights[k])
            top = bottoms[k] - gap_px
        # Too low: shift the column up as a whole (never above the top limit), then stack down again.
        lowest = bottoms[-1]
        if lowest < bottom_limit:
            bottoms += bottom_limit - lowest
            top = top_limit
            for k in range(len(order)):
                bottoms[k] = min(bottoms[k], top - heights[k])
                top = bottoms[k] - gap_px
        for k, index in enumerate(order):
            w = sizes[index, 0]
            if side == 0:
                x = max(gap_px, min(mx0 - gap_px - w, anchors_xy[index, 0] - w - gap_px))
            else:
                x = min(float(width) - gap_px - w, max(mx1 + gap_px, anchors_xy[index, 0] + gap_px))
            out[index] = (x, bottoms[k])
    return out


def boxes_overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Whether two boxes (x0, y0, x1, y1) share any area."""
    return not (a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1])
