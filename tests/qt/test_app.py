"""Starting the application: data errors are one message, never a traceback."""

from __future__ import annotations


from viewer.qt import app as app_module


def test_missing_data_folder_is_one_clear_message(qapp, tmp_path, capsys, monkeypatch):
    shown = []
    monkeypatch.setattr("viewer.qt.safe_text.critical", lambda parent, title, text, details=None: shown.append(text))
    code = app_module.run_app(data_dir=tmp_path / "nowhere")
    assert code == 2
    err = capsys.readouterr().err
    assert "nowhere" in err and "data folder not found" in err
    assert "Traceback" not in err
    assert shown and "nowhere" in shown[0]


def test_no_display_is_reported(monkeypatch, capsys):
    monkeypatch.setattr(app_module.sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    assert app_module.run_app() == 2
    assert "no display" in capsys.readouterr().err


def test_data_error_in_a_callback_is_shown_as_a_message(qapp, monkeypatch, capsys):
    from viewer.core.errors import DataError

    shown = []
    monkeypatch.setattr("viewer.qt.safe_text.critical", lambda parent, title, text, details=None: shown.append(text))
    try:
        raise DataError("bad value", field="x")
    except DataError as exc:
        app_module._excepthook(type(exc), exc, exc.__traceback__)
    assert shown == ["x: bad value"]
    assert "Traceback" not in capsys.readouterr().err


def test_run_app_opens_and_closes(model, monkeypatch, qtbot):
    """The launcher builds the window on the given data and returns the event loop's code.

    The event loop is stood in for (a real ``exec`` and ``quit`` would leave the test
    process's application in its quitting state for the tests after this one).
    """
    from PySide6.QtWidgets import QApplication

    from tests.qt.conftest import flush_deletions

    seen = []

    def fake_exec(app):
        qtbot.wait(200)
        windows = [w for w in app.topLevelWidgets() if w.objectName() == "main_window" and w.isVisible()]
        seen.extend(windows)
        return 0

    monkeypatch.setattr(QApplication, "exec", fake_exec)
    try:
        code = app_module.run_app(data_dir=str(model.data_dir))
    finally:
        import gc

        gc.unfreeze()  # run_app freezes the start-up heap; a test process must not keep it
    assert code == 0
    assert len(seen) == 1 and seen[0].closed  # shown while running, shut down on the way out
    flush_deletions()


def test_processing_events_keeps_references_to_none(qapp):
    """The Qt binding must not drop a reference to None per event-loop call (PySide6 6.12.0 did:
    a long session then crashed with "deallocating None")."""
    import sys

    import pytest

    if sys.version_info >= (3, 12):
        pytest.skip("None is immortal from Python 3.12 on")
    before = sys.getrefcount(None)
    for _ in range(500):
        qapp.processEvents()
    assert sys.getrefcount(None) - before > -100
