"""Captions: the allowed rich-text subset and its plain-text form (no model needed)."""

import pytest

from viewer.lessons.rich_text import CaptionError, check_caption, plain_text, wrapped


@pytest.mark.parametrize("text", [
    "plain words",
    "<b>bold</b> and <i>italic</i><br>next line",
    "nested <b><i>both</i></b>",
    "A &amp; B &lt; C",
    "line<br/>break and <br />another",
])
def test_allowed_captions_pass(text):
    assert check_caption(text) == text


@pytest.mark.parametrize("text, message", [
    ("<script>x</script>", "tag <script> is not allowed"),
    ('<b style="x">a</b>', "may not have attributes"),
    ("<b>never closed", "<b> is never closed"),
    ("<b><i>crossed</b></i>", "</b> does not match"),
    ("a < b", "bare '<'"),
    ("&nbsp;", "entity &nbsp; is not allowed"),
    ("<a href='x'>link</a>", "tag <a> is not allowed"),
    ("<!-- note -->", "comments are not allowed"),
])
def test_disallowed_captions_say_why(text, message):
    with pytest.raises(CaptionError, match=None) as info:
        check_caption(text)
    assert message in str(info.value)


def test_plain_text_keeps_breaks_and_drops_markup():
    assert plain_text("<b>1. Piriformis.</b>  From the   sacrum<br>Green: origin &amp; pink") == (
        "1. Piriformis. From the sacrum\nGreen: origin & pink")


def test_wrapped_respects_width_and_breaks():
    text = wrapped("one two three four five six seven eight nine ten<br>last", 20)
    lines = text.split("\n")
    assert all(len(line) <= 20 for line in lines)
    assert lines[-1] == "last"
