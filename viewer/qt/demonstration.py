"""Ready-made teaching demonstrations, written against the session state (no Qt here).

"Demonstrate external rotation" peels gluteus maximus away, turns the view to the back of the
hip, colours every muscle by its role in external rotation and starts the animation; "Repeat at
90° flexion" does the same with the hip flexed, where piriformis changes its action. The
caption line under the animation is computed from the model at every frame, so it says what
the mechanics say (the sign of piriformis's moment arm), not what a script assumed.
"""

from __future__ import annotations

from viewer.core.actions import roles
from viewer.core.motions import MOTIONS

SUPERFICIAL = ("gluteus_maximus",)
CONTEXT = ("hip_bone_left",)  # context layers stay as they are by default: off
#: The knee is bent to a right angle so that the leg swings like a pointer as the thigh rotates
#: (the clinical way of showing hip rotation, prone or sitting).
DEMO_KNEE_FLEXION_DEG = 90.0
FOCUS_MUSCLE = "piriformis"


def role_line(model, muscle: str, motion, pose) -> str:
    """``"Piriformis produces external rotation (+12 mm)"`` at ``pose``."""
    r, _ = model.actions.at_pose(pose).of(muscle, motion)
    role = roles(r).item()
    return f"{model.display_name(muscle)} {role} {motion.label} (moment arm {r:+.0f} mm)"


def demonstrate_external_rotation(model, state, playback, flexion_deg: float = 0.0, view: str = "posterior") -> None:
    """Set up and start the external-rotation demonstration at ``flexion_deg`` of flexion.

    Parameters
    ----------
    model : viewer.io.model.HipModel
    state : viewer.state.SessionState
    playback : viewer.state.Playback
    flexion_deg : float
        0 for the classic demonstration; 90 to show piriformis changing its action.
    """
    motion = MOTIONS["external_rotation"]
    playback.pause()
    focus = FOCUS_MUSCLE if FOCUS_MUSCLE in state.leaves else None
    with state.batch():  # one redraw for the whole set-up
        if state.isolated is not None:
            state.toggle_isolate(state.isolated)
        state.set_many_visible(state.all_leaves, True)
        for structure in SUPERFICIAL + CONTEXT:
            if structure in state.leaves:
                state.set_visible(structure, False)
        for leaf in state.all_leaves:
            if state.opacity(leaf) < 1.0:
                state.set_opacity(leaf, 1.0)
        state.set_ghost(False)
        state.set_highlight(())
        state.set_show_mechanics(False)
        state.set_colour_by("moment_arm")
        state.set_motion(motion)
        state.set_pose((flexion_deg, 0.0, 0.0), clamp=True)
        state.set_knee_flexion(DEMO_KNEE_FLEXION_DEG)
        # At 90 degrees the point is piriformis: select it so it is labelled and its attachments marked.
        state.select(focus if flexion_deg >= 45.0 else None)
    state.request_view(view)
    if focus is not None:
        playback.context = lambda pose: role_line(model, focus, motion, pose)
    else:
        playback.context = ""
    playback.set_motion(motion)
    playback.set_loop(True)
    playback.play()
