"""Showing text that comes from data files: plain text, never markup, never a resource.

Qt guesses whether a string is rich text (``Qt::mightBeRichText``) for labels, message boxes
and tooltips, and rich text may load images (``<img src=...>``, local files included) and lay
out arbitrarily large tables. Every string that comes from a data file (a lesson's title,
description and errors, structure names, error messages) goes through this module and is shown
as plain text. The one exception is a lesson caption, whose small documented subset
(``<b>``, ``<i>``, ``<br>``, see :mod:`viewer.lessons.rich_text`) is checked again here before
Qt sees it.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QTextBrowser, QWidget

from viewer.lessons.rich_text import CaptionError, check_caption, qt_rich_text

#: Longest message shown in a dialog (a data file cannot make a dialog larger than the screen).
MAX_MESSAGE_CHARS = 2000


def plain_label(label: QLabel) -> QLabel:
    """Make ``label`` show its text literally (``Qt.PlainText``); returns it."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def tooltip(text: str) -> str:
    """A tooltip string that Qt shows literally.

    Text without ``<`` cannot be taken for markup and is returned as it is; anything else is
    escaped and put in a paragraph that keeps its line breaks.
    """
    text = str(text)
    if "<" not in text:
        return text
    return f'<p style="white-space: pre-wrap">{html.escape(text)}</p>'


def caption_html(caption: str) -> str:
    """A lesson caption as Qt rich text, if it is in the allowed subset; otherwise escaped."""
    try:
        return qt_rich_text(check_caption(caption))
    except CaptionError:
        return html.escape(caption)


def _shorten(text: str) -> str:
    text = str(text)
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 1] + "…"


def message_box(icon: QMessageBox.Icon, parent: QWidget | None, title: str, text: str, *,
                details: str | None = None) -> None:
    """Show a modal message with ``text`` as plain text (and optional plain ``details``)."""
    box = QMessageBox(icon, title, _shorten(text), QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    if details:
        box.setDetailedText(details)
    box.exec()
    box.deleteLater()


def critical(parent: QWidget | None, title: str, text: str, *, details: str | None = None) -> None:
    """An error dialog in plain text."""
    message_box(QMessageBox.Icon.Critical, parent, title, text, details=details)


def warning(parent: QWidget | None, title: str, text: str) -> None:
    """A warning dialog in plain text."""
    message_box(QMessageBox.Icon.Warning, parent, title, text)


class ResourceFreeBrowser(QTextBrowser):
    """A text browser that loads no resource at all: no image, style sheet or document named by
    the text (local or remote) is ever read; links are reported, not followed."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.requested_resources: list[str] = []

    def loadResource(self, kind: int, name):  # noqa: N802 - Qt's name
        self.requested_resources.append(name.toString() if hasattr(name, "toString") else str(name))
        # An empty (but valid) answer: for an invalid one the document would read a local
        # file by itself.
        return QByteArray()
