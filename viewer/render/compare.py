"""Side-by-side poses: two or four scenes of one model at different poses, seen through one camera.

Each pose gets its own :class:`~viewer.render.scene.HipScene` (and session state) in its own
viewport; every renderer of every scene uses the *same* ``vtkCamera`` object, so turning one view
turns them all and the pictures stay directly comparable. The shared camera is fitted to what all
the poses show together (a flexed femur swings out of a frame fitted to the neutral one).

:func:`role_changes` lists the muscles whose role for the chosen motion differs between the poses
(the table beside the views); :func:`render_compare` writes the headless picture of
``hip-viewer render --compare``: the viewports side by side (2) or in a 2 x 2 grid (4), each
captioned with its pose, and the role-change table underneath.
"""

from __future__ import annotations

import numpy as np
import pyvista as pv

from viewer.core.actions import roles
from viewer.core.errors import DataError
from viewer.core.motions import MOTIONS, Motion
from viewer.core.quiz import pose_words
from viewer.core.views import check_view
from viewer.render.camera import frame_named_view
from viewer.render.scene import HipScene

#: Motion the viewports are coloured for when none is chosen.
DEFAULT_COMPARE_MOTION = "external_rotation"


def grid_shape(count: int) -> tuple[int, int]:
    """Rows and columns of the viewport grid for 2 or 4 poses."""
    if count == 2:
        return 1, 2
    if count == 4:
        return 2, 2
    raise DataError(f"compare takes 2 or 4 poses, got {count}", field="--compare")


def pose_caption(pose_deg) -> str:
    """Caption of a compare viewport, e.g. ``Flexion 90°``."""
    if not np.any(np.asarray(pose_deg, dtype=float)):
        return "Neutral (0°)"
    text = pose_words(pose_deg)
    return text[0].upper() + text[1:]


def visible_muscles(model, state) -> list[str]:
    """Muscles (structure ids with lines of action) of which at least one part is shown."""
    vis = state.visibility()
    return [m for m in model.actions.structure_ids if any(vis.get(leaf, False) for leaf in model.leaves(m))]


def role_changes(actions, motion: Motion, poses, muscles: list[str] | None = None) -> list[dict]:
    """Whole muscles (all, or those in ``muscles``) whose role for ``motion`` is not the same at every pose.

    Returns
    -------
    list of dict
        ``muscle``, ``moment_arms_mm`` (one per pose) and ``roles`` (one per pose), in the
        order of the muscles of the model; all computed by the model.
    """
    poses = np.asarray(poses, dtype=float)
    r = actions.evaluate(motion, poses)["muscle_r"]  # (n_poses, n_muscles)
    role = roles(r)
    out = []
    for j, muscle in enumerate(actions.structure_ids):
        if muscles is not None and muscle not in muscles:
            continue
        if len(set(role[:, j])) > 1:
            out.append({"muscle": muscle, "moment_arms_mm": [float(v) for v in r[:, j]],
                        "roles": [str(v) for v in role[:, j]]})
    return out


def share_camera(scenes: list[HipScene]) -> None:
    """Make every renderer of every scene use the first scene's camera object."""
    camera = scenes[0].plotter.renderer.camera  # pyvista's wrapper of the vtkCamera
    for scene in scenes[1:]:
        scene.plotter.renderer.camera = camera  # sets it as the renderer's active camera too
        scene.lighting.overlay_renderer.SetActiveCamera(camera)  # markers and mechanics drawing follow too


def fit_shared_view(scenes: list[HipScene], view: str, zoom: float = 1.0) -> None:
    """Aim the shared camera from a named direction at what all the scenes show together."""
    check_view(view)
    first = scenes[0]
    first.set_view(view, zoom)  # remembers the view name for the window's re-framing
    chunks = [p for p in (s._framing_points() for s in scenes) if p is not None]
    if chunks:
        frame_named_view(first.plotter, view, np.vstack(chunks), zoom)
    for scene in scenes:
        scene.plotter.reset_camera_clipping_range()
        scene.render()


def table_image(model, motion: Motion, poses, changes: list[dict], width: int, theme: str = "dark") -> np.ndarray:
    """The role-change table as an RGB image ``(h, width, 3)`` (matplotlib, Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    dark = theme in ("dark", "black")
    bg, fg = ("#1c1f26", "#e8e8e8") if dark else ("#ffffff", "#202020")
    n_rows = max(len(changes), 1)
    header_lines = max((pose_caption(p).count(", ") + 1 for p in poses), default=1)
    height = 60 + 26 * (n_rows + header_lines)
    dpi = 100
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi, facecolor=bg)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.01, 0.02, 0.98, 0.96))
    ax.set_axis_off()
    title = (f"Shown muscles whose {motion.label} moment arm changes role between the poses "
             "(computed by the model; + produces, − opposes)")
    ax.text(0.0, 1.0, title, color=fg, fontsize=11, va="top", weight="bold", transform=ax.transAxes)
    if not changes:
        ax.text(0.0, 0.45, "No muscle changes role between these poses.", color=fg, fontsize=10,
                transform=ax.transAxes)
    else:
        cols = ["muscle"] + [pose_caption(p).replace(", ", ",\n") for p in poses]
        cells = [[model.display_name(c["muscle"])] + [f"{r:+.1f} mm ({role})" for r, role in
                                                      zip(c["moment_arms_mm"], c["roles"])] for c in changes]
        table = ax.table(cellText=cells, colLabels=cols, loc="lower left", bbox=(0.0, 0.0, 1.0, 1 - 34 / height),
                         cellLoc="left")
        table.auto_set_font_size(False)
        table.set_fontsize(10)
        colours = {"produces": "#1b7837", "opposes": "#b2182b", "negligible": fg}
        header_lines = max(c.count("\n") + 1 for c in cols)
        for (row, col), cell in table.get_celld().items():
            if row == 0 and header_lines > 1:
                cell.set_height(cell.get_height() * header_lines)
            cell.set_facecolor(bg)
            cell.set_edgecolor("#555555")
            text = cell.get_text()
            text.set_color(fg)
            if row == 0:
                text.set_weight("bold")
            elif col > 0:
                role = changes[row - 1]["roles"][col - 1]
                text.set_color({"produces": "#5aae61" if dark else "#1b7837",
                                "opposes": "#f46d43" if dark else "#b2182b"}.get(role, colours["negligible"]))
    fig.canvas.draw()
    image = np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()
    return image


def compare_scenes(model, states, size_each: tuple[int, int]) -> list[tuple[pv.Plotter, HipScene]]:
    """One off-screen plotter and scene per state, all sharing the first scene's camera."""
    from viewer.render.offscreen import offscreen_plotter

    made = []
    for state in states:
        plotter = offscreen_plotter(size_each)
        made.append((plotter, HipScene(plotter, model, state)))
    share_camera([scene for _, scene in made])
    return made


def render_compare_spec(model, spec, poses, size: tuple[int, int], *, table: bool = True,
                        table_inside: bool = True, caption: str = "") -> tuple[np.ndarray, list[dict], dict]:
    """The comparison picture of a scene specification at 2 or 4 poses.

    Every viewport shows ``spec`` (layers, motion, selection, theme, ...) at its own pose through
    one camera aimed from the spec's named view and zoom, captioned with ``caption`` (if any) and
    its pose, coloured for the spec's motion (external rotation when it has none).
    ``table_inside``: the picture, table included, is exactly ``size`` (an exported lesson step);
    otherwise ``size`` is that of the views and the table is added underneath.

    Returns
    -------
    image : numpy.ndarray, shape (h, w, 3), uint8
    changes : list of dict (see :func:`role_changes`), for the muscles shown
    camera : dict
        The shared camera (:meth:`HipScene.camera_state`), to render a single view like one panel.
    """
    from viewer.state import state_for_model

    rows, cols = grid_shape(len(poses))
    motion = MOTIONS[spec.motion or DEFAULT_COMPARE_MOTION]
    states = [state_for_model(model) for _ in poses]
    for state, pose in zip(states, poses):
        state.apply(spec, camera=False, pose_deg=np.asarray(pose, dtype=float))
        state.set_motion(motion.name)
        state.set_caption(f"{caption} — {pose_caption(pose)}" if caption else pose_caption(pose))
    shown = visible_muscles(model, states[0])
    changes = role_changes(model.actions, motion, poses, shown)
    table_px = table_image(model, motion, poses, changes, size[0], spec.theme).shape[0] if table else 0
    views_h = size[1]
    if table and table_inside:
        if size[1] - table_px < 2 * rows * 60:  # too small for a table: the views only
            table, table_px = False, 0
        views_h = size[1] - table_px
    made = compare_scenes(model, states, (size[0] // cols, views_h // rows))
    try:
        fit_shared_view([scene for _, scene in made], spec.camera.view, spec.camera.zoom)
        camera = made[0][1].camera_state()
        tiles = []
        for plotter, _scene in made:
            plotter.render()
            tiles.append(plotter.screenshot(return_img=True)[..., :3])
    finally:
        for plotter, scene in made:
            scene.disconnect()
            plotter.close()
    grid = np.concatenate([np.concatenate(tiles[r * cols:(r + 1) * cols], axis=1) for r in range(rows)], axis=0)
    if table:
        grid = np.concatenate([grid, table_image(model, motion, poses, changes, grid.shape[1], spec.theme)], axis=0)
    if table_inside:
        grid = _pad_to(grid, size)
    return grid, changes, camera


def _pad_to(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Pad (edge colour) or crop an image to ``size`` (width, height): integer division of the
    views can leave a pixel or two over."""
    w, h = size
    image = image[:h, :w]
    pad_h, pad_w = h - image.shape[0], w - image.shape[1]
    if pad_h or pad_w:
        image = np.pad(image, ((0, pad_h), (0, pad_w), (0, 0)), mode="edge")
    return image


def render_compare(model, opts, poses, *, table: bool = True, base=None) -> tuple[np.ndarray, list[dict], dict]:
    """The picture of ``hip-viewer render --compare``: render options ``opts`` (over the scene
    ``base``, e.g. a scene file's) at 2 or 4 poses; ``opts.size`` is the size of the views, the
    table of role changes is added underneath (see :func:`render_compare_spec`)."""
    opts.check()
    spec = opts.to_spec(model, base)
    return render_compare_spec(model, spec.replace(caption=""), poses, opts.size, table=table, table_inside=False,
                               caption=spec.caption)
