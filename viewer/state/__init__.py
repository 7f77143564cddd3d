"""The observable session: one scene specification, the mechanics of its pose, the timeline.

``session`` holds the :class:`SessionState` (pose, layers, selection, motion, overlays,
camera, caption, theme; ``snapshot``/``apply``/``batch``); ``mechanics`` the current pose's
:class:`~viewer.core.actions.MechanicsResult`; ``playback`` the animation of one motion; ``history`` undo and redo of whole scenes.
No Qt and no VTK.
"""

from viewer.state.history import SceneHistory
from viewer.state.playback import Playback, describe_pose
from viewer.state.session import COLOUR_BY, POSE_PRESETS, SessionState, state_for_model

__all__ = ["COLOUR_BY", "POSE_PRESETS", "Playback", "SceneHistory", "SessionState", "describe_pose", "state_for_model"]
