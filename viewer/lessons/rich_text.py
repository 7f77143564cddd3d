"""Lesson captions: a small, safe subset of rich text and its plain-text form.

A caption may use ``<b>bold</b>``, ``<i>italic</i>``, ``<br>`` for a line break and the entities
``&amp;``, ``&lt;``, ``&gt;``, ``&quot;`` and ``&#39;``. Nothing else: no attributes, no links,
no other tags. The Qt lesson panel shows the caption as rich text; exported PNGs and text files
use :func:`plain_text`, which keeps the line breaks and drops the markup.
"""

from __future__ import annotations

import html
import re
import textwrap
from html.parser import HTMLParser

#: Tags a caption may use; ``br`` is the only empty (self-closing) one.
ALLOWED_TAGS = ("b", "i", "br")
_PAIRED = ("b", "i")


class CaptionError(ValueError):
    """A caption that is not in the allowed subset; the message says what is wrong."""


class _Checker(HTMLParser):
    """Walk a caption, rejecting anything outside the subset and unbalanced tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            raise CaptionError(f"tag <{tag}> is not allowed (allowed: <b>, <i>, <br>)")
        if attrs:
            raise CaptionError(f"tag <{tag}> may not have attributes")
        if tag in _PAIRED:
            if tag in self.open:
                raise CaptionError(f"<{tag}> is opened again inside <{tag}>")
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        if tag != "br":
            raise CaptionError(f"tag <{tag}/> is not allowed (only <br> may be empty)")
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "br":
            return  # </br> is tolerated by browsers and Qt; accept it as a break too
        if tag not in ALLOWED_TAGS:
            raise CaptionError(f"tag </{tag}> is not allowed (allowed: <b>, <i>, <br>)")
        if not self.open or self.open[-1] != tag:
            expected = f"</{self.open[-1]}>" if self.open else "no closing tag"
            raise CaptionError(f"</{tag}> does not match the open tags (expected {expected})")
        self.open.pop()

    def handle_entityref(self, name):
        if name not in ("amp", "lt", "gt", "quot", "apos"):
            raise CaptionError(f"entity &{name}; is not allowed (write the character itself)")

    def handle_charref(self, name):
        pass  # numeric references (&#39;) are harmless

    def handle_comment(self, data):
        raise CaptionError("comments are not allowed in a caption")

    def handle_decl(self, decl):
        raise CaptionError("declarations are not allowed in a caption")

    def handle_pi(self, data):
        raise CaptionError("processing instructions are not allowed in a caption")

    def unknown_decl(self, data):
        raise CaptionError("declarations are not allowed in a caption")


def check_caption(text: str) -> str:
    """Return ``text`` if it uses only the allowed subset.

    Raises
    ------
    CaptionError
        Naming the first disallowed tag, attribute or unbalanced tag.
    """
    checker = _Checker()
    # A bare '<' that does not start a tag is kept as text by HTMLParser; refuse it so that
    # what Qt shows and what the text export shows cannot differ.
    if re.search(r"<(?![/a-zA-Z!?])", text):
        raise CaptionError("a bare '<' must be written &lt;")
    checker.feed(text)
    checker.close()
    if checker.open:
        raise CaptionError(f"<{checker.open[-1]}> is never closed")
    return text


def plain_text(text: str) -> str:
    """The caption without markup: ``<br>`` becomes a line break, runs of spaces collapse.

    Parameters
    ----------
    text : str
        A caption in the allowed subset (see :func:`check_caption`).

    Returns
    -------
    str
        Lines separated by ``"\\n"``, each stripped, entities decoded.
    """
    parts = re.split(r"<br\s*/?>|</br>", text, flags=re.IGNORECASE)
    lines = []
    for part in parts:
        part = re.sub(r"</?[a-zA-Z][^>]*>", "", part)
        lines.append(" ".join(html.unescape(part).split()))
    return "\n".join(lines).strip("\n")


def wrapped(text: str, width: int) -> str:
    """Plain text of a caption with each line wrapped to ``width`` characters (for image overlays)."""
    out = []
    for line in plain_text(text).split("\n"):
        out.extend(textwrap.wrap(line, width=max(10, int(width))) or [""])
    return "\n".join(out)


def qt_rich_text(text: str) -> str:
    """The caption as Qt rich text: the subset is already valid Qt markup; keep line breaks."""
    return " ".join(text.split())
