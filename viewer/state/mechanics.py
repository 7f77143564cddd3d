"""The mechanics of the session's current pose, computed once per pose for every consumer.

The render layer (role colours, the mechanics drawing), the actions and info panels, the
labels and the plots all read :attr:`MechanicsModel.result`; it is computed on first use at
each new pose (one call of :meth:`viewer.core.actions.ActionModel.at_pose`), so a pose change
costs one evaluation however many consumers there are, and none when nobody looks. It holds
no connection to the state's signals: consumers listen to ``pose_changed`` themselves.
"""

from __future__ import annotations

import numpy as np

from viewer.core.actions import ActionModel, MechanicsResult


class MechanicsModel:
    """The current :class:`~viewer.core.actions.MechanicsResult` of a session state."""

    def __init__(self, state, actions: ActionModel):
        self.state = state
        self.actions = actions
        self._result: MechanicsResult | None = None
        self.evaluations = 0  # how many times the mechanics were computed (tests, the bench)

    @property
    def result(self) -> MechanicsResult:
        """Lengths, moment arms and roles at the state's current pose."""
        pose = self.state.pose
        if self._result is None or not np.array_equal(self._result.pose_deg, pose):
            self._result = self.actions.at_pose(pose)
            self.evaluations += 1
        return self._result


def current_result(state, actions: ActionModel) -> MechanicsResult:
    """The mechanics of ``state``'s pose: its shared result, or (a state built without a model)
    one computed from ``actions``."""
    if state.mechanics is not None:
        return state.mechanics.result
    return actions.at_pose(state.pose)
