"""Ready-made teaching demonstrations, written against the session state (no Qt here).

"Demonstrate external rotation" peels gluteus maximus away, turns the view to the back of the
hip, colours every muscle by its role in external rotation and starts the animation; "Repeat at
90° flexion" does the same with the hip flexed, where piriformis changes its action, and peels
every gluteal (in flexion they lie over the deep rotators as seen from behind and the side).

A demonstration respects the teacher's scene: it only hides what covers the deep rotators
(never shows what the teacher hid), keeps opacities, ghosting, highlights, the selection (it
selects piriformis at 90° only when nothing is selected) and the playback settings (loop,
speed). With the lower leg in the model the knee is bent to 90° so that the rotation is seen
as the swing of the leg; the line of action of the selection shows the direction arrow. The
caption line under the animation is computed from the model at every frame, so it says what
the mechanics say (the sign of piriformis's moment arm), not what a script assumed.
"""

from __future__ import annotations

from viewer.core.actions import roles
from viewer.core.motions import MOTIONS

SUPERFICIAL = ("gluteus_maximus",)
#: What lies over the deep rotators seen from behind at 90° of flexion.
COVERING_FLEXED = ("gluteus_maximus", "gluteus_medius", "gluteus_minimus", "tensor_fasciae_latae")
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
    covering = COVERING_FLEXED if flexion_deg >= 45.0 else SUPERFICIAL
    with state.batch():
        for structure in covering:
            if structure in state.leaves:
                state.set_visible(structure, False)
        state.set_motion(motion)
        state.set_pose((flexion_deg, 0.0, 0.0), clamp=True)
        state.set_knee_flexion(DEMO_KNEE_FLEXION_DEG)
        focus = FOCUS_MUSCLE if FOCUS_MUSCLE in state.leaves else None
        # At 90 degrees the point is piriformis: select it (when the teacher has not selected
        # something else) so that it is outlined, labelled and its attachments marked.
        if flexion_deg >= 45.0 and state.selection is None and focus is not None:
            state.select(focus)
        state.request_view(view)
    if focus is not None:
        playback.context = lambda pose: role_line(model, focus, motion, pose)
    else:
        playback.context = ""
    playback.set_motion(motion)
    playback.play()
