"""Load errors reach the user as a dialog, never a traceback (3), and text from data files is
shown as plain text, loading no resource (4)."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from viewer.qt import app as app_module
from viewer.qt import safe_text


@pytest.fixture
def dialogs(monkeypatch):
    """Every plain-text dialog shown, as (title, text, details), instead of a modal box."""
    shown = []
    monkeypatch.setattr(safe_text, "critical",
                        lambda parent, title, text, details=None: shown.append((title, text, details)))
    return shown


def test_broken_data_file_is_a_dialog_not_a_traceback(qapp, data_copy, dialogs, capsys):
    with open(data_copy / "meshes" / "landmarks.json", "ab") as fh:
        fh.write(b"\xff")
    assert app_module.run_app(data_dir=data_copy) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "landmarks.json: not UTF-8 text" in err
    assert len(dialogs) == 1 and "landmarks.json: not UTF-8 text" in dialogs[0][1]


def test_unexpected_error_while_loading_is_a_dialog_with_details(qapp, dialogs, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise TypeError("something the data did not expect")

    monkeypatch.setattr("viewer.io.model.load_model", broken)
    assert app_module.run_app() == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    title, text, details = dialogs[0]
    assert "TypeError: something the data did not expect" in text and "Traceback" in details


def test_the_error_hook_is_installed_before_anything_is_read(qapp, dialogs, monkeypatch):
    import sys

    seen = []

    def spy(*args, **kwargs):
        seen.append(sys.excepthook)
        raise FileNotFoundError("gone")

    monkeypatch.setattr("viewer.io.model.load_model", spy)
    app_module.run_app()
    assert seen == [app_module._excepthook]
    assert sys.excepthook is not app_module._excepthook  # restored on the way out


def test_dialogs_show_their_text_as_plain_text(qapp, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    seen = []

    def fake_exec(box):
        seen.append((box.textFormat(), box.text()))
        return 0

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    message = 'lesson.yaml: title: <img src="file:///etc/hosts" width=30000> is not allowed'
    safe_text.critical(None, "t", message)
    assert seen == [(Qt.TextFormat.PlainText, message)]


def _hostile_lesson(tmp_path):
    path = tmp_path / "hostile.yaml"
    path.write_text(
        'title: <img src="file:///usr/share/pixmaps/big.png" width="30000" height="30000">Big\n'
        'description: <table width=30000><tr><td>wide</td></tr></table>\n'
        'steps:\n  - caption: The hip from <b>behind</b>.\n    view: posterior\n', encoding="utf-8")
    return path


def test_lesson_title_and_description_are_plain_text(qtbot, model, tmp_path):
    from viewer.lessons import load_lesson
    from viewer.qt.lesson_panel import LessonPanel
    from viewer.state import state_for_model

    lesson = load_lesson(_hostile_lesson(tmp_path), model)
    panel = LessonPanel(state_for_model(model), model)
    qtbot.addWidget(panel)
    panel.set_lesson(lesson)
    for label in (panel.title_label, panel.description_label, panel.error_label, panel.step_label):
        assert label.textFormat() == Qt.TextFormat.PlainText
    assert panel.title_label.text() == lesson.title and "<img" in panel.title_label.text()
    assert panel.title_label.sizeHint().width() < 3000 and panel.description_label.sizeHint().width() < 3000
    # the caption keeps its documented subset
    assert panel.caption_label.textFormat() == Qt.TextFormat.RichText
    assert "<b>behind</b>" in panel.caption_label.text()
    panel.close()


def test_caption_outside_the_subset_is_escaped():
    assert safe_text.caption_html("A <b>bold</b> move") == "A <b>bold</b> move"
    assert safe_text.caption_html('<img src="x.png">') == '&lt;img src=&quot;x.png&quot;&gt;'


def test_tooltips_from_data_are_literal():
    assert safe_text.tooltip("Quadratus femoris") == "Quadratus femoris"
    tip = safe_text.tooltip('<img src="file:///etc/hosts">')
    assert "<img" not in tip and "&lt;img" in tip


def test_the_info_browser_loads_no_resource(qtbot):
    browser = safe_text.ResourceFreeBrowser()
    qtbot.addWidget(browser)
    browser.setHtml('<p>text</p><img src="file:///usr/share/pixmaps/debian-logo.png"><img src="http://example.org/x.png">')
    browser.document().size()  # lay out: Qt asks for the images now
    assert browser.toPlainText().startswith("text")
    assert not browser.document().resource(2, "file:///usr/share/pixmaps/debian-logo.png")
    assert browser.openLinks() is False and browser.openExternalLinks() is False


def test_layer_tooltips_use_the_literal_form(qtbot, model, monkeypatch):
    from viewer.qt import layers_panel
    from viewer.state import state_for_model

    calls = []
    monkeypatch.setattr(layers_panel, "safe_tooltip", lambda text: calls.append(text) or f"literal:{text}")
    panel = layers_panel.LayersPanel(model, state_for_model(model))
    qtbot.addWidget(panel)
    item = panel.item_for("piriformis")
    assert item.toolTip(0).startswith("literal:") and calls
    panel.close()
