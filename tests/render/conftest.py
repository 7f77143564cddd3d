import pytest


@pytest.fixture()
def session(model):
    """A small off-screen scene of the built-in model, closed after the test."""
    from viewer.render.offscreen import OffscreenSession

    s = OffscreenSession(model, size=(480, 360))
    yield s
    s.close()
