"""The single user-facing error type for bad data and bad requests."""

from __future__ import annotations


class DataError(Exception):
    """A problem with user-supplied data or a user request.

    Carries where the problem is (``file``, ``field``) and what is wrong (``reason``),
    so that the command line and the app can show one clear line instead of a traceback.

    Parameters
    ----------
    reason : str
        What is wrong and, where possible, what is allowed.
    file : str or path-like, optional
        The file the problem was found in.
    field : str, optional
        The dotted field path or the name of the value at fault (``"origin.text"``,
        ``"--motion"``, ``"steps[3].pose"``).
    """

    def __init__(self, reason: str, *, file: object | None = None, field: str | None = None):
        self.reason = reason
        self.file = None if file is None else str(file)
        self.field = field
        super().__init__(self.message)

    @property
    def message(self) -> str:
        parts = [p for p in (self.file, self.field) if p]
        return ": ".join([*parts, self.reason])

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message
