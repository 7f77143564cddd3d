import numpy as np
import pytest


@pytest.fixture()
def session(model):
    """A small off-screen scene of the built-in model, closed after the test."""
    from viewer.render.offscreen import OffscreenSession

    s = OffscreenSession(model, size=(480, 360))
    yield s
    s.close()


def muscle_ends(model, points):
    """Origin and insertion end points ``(2, 3)`` of a muscle surface: the centres of a swept
    tube's end caps, or the mean of a belly's first and last stations."""
    rig = model.bellies
    if rig is not None and "piriformis" in rig.line_ids:
        grid = np.asarray(points).reshape(2, rig.fibres, rig.stations, 3)
        return np.array([grid[:, :, 0].mean(axis=(0, 1)), grid[:, :, -1].mean(axis=(0, 1))])
    return np.array([points[-2], points[-1]])
