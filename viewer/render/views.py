"""Named camera views: the table lives in :mod:`viewer.core.views` (plain data)."""

from viewer.core.views import DEFAULT_VIEW, VIEWS, camera_for, check_view

__all__ = ["DEFAULT_VIEW", "VIEWS", "camera_for", "check_view"]
