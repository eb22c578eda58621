"""The marker line: rendering, parsing, escaping and hashing."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
import pytest

from mdslides_prompts.marker import (
    BadMarker,
    PromptMarker,
    content_hash,
    escape,
    is_marker_candidate,
    parse_marker,
    prompt_hash,
    render_marker,
    unescape,
)

from .hypothesis_budget import examples


def test_render_is_readable_and_parses_back() -> None:
    line = render_marker("A misty glacier at dawn, watercolor", "3f2a9c1d")
    assert line == (
        "<!-- image-prompt src=3f2a9c1d sum="
        + prompt_hash("A misty glacier at dawn, watercolor")
        + " | A misty glacier at dawn, watercolor -->"
    )
    marker = parse_marker(line + "\r\n", 7)
    assert marker == PromptMarker(
        7,
        "A misty glacier at dawn, watercolor",
        "3f2a9c1d",
        prompt_hash("A misty glacier at dawn, watercolor"),
    )
    assert not marker.edited


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("a -- b", "a -\\- b"),
        ("end -->", "end -\\-\\x3e"),
        ("---", "-\\-\\-"),
        ("<!-- nested -->", "\\x3c!-\\- nested -\\-\\x3e"),
        ("</textarea><script>", "\\x3c/textarea\\x3e\\x3cscript\\x3e"),
        ("&lt;b&gt; &#60; &x", "\\x26lt;b\\x26gt; \\x26#60; \\x26x"),
        ("salt & pepper, R&&D &", "salt & pepper, R&\\x26D &"),
        ("back\\slash", "back\\\\slash"),
        ("tab\there\nnewline", "tab\\x09here\\x0anewline"),
        ("Style: watercolor", "Style\\x3a watercolor"),
        ("ratio 16:9", "ratio 16:9"),
        ("ends with colon:", "ends with colon\\x3a"),
        ("line\u2028sep\x85", "line\\u2028sep\\x85"),
    ],
)
def test_escape_examples(text: str, escaped: str) -> None:
    assert escape(text) == escaped
    assert unescape(escaped) == text


@settings(max_examples=examples(500))
@given(st.text())
def test_escape_round_trip_and_safety(text: str) -> None:
    escaped = escape(text)
    assert unescape(escaped) == text
    assert "--" not in escaped
    assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in escaped)
    assert ": " not in escaped and not escaped.endswith(":")
    assert not re.search(r"[<>]|&[#0-9A-Za-z]", escaped)
    line = render_marker(text, "0" * 8)
    assert line.count("-->") == 1 and line.endswith(" -->")
    marker = parse_marker(line, 1)
    assert isinstance(marker, PromptMarker) and marker.prompt == text and not marker.edited


def test_markers_written_before_html_was_escaped_still_read_as_they_were() -> None:
    """``sum=`` hashes the prompt itself, not its escaped form: a marker from a version
    that left '<', '>' and '&' as they are reads back the same prompt, not hand-edited,
    and is rewritten in today's form."""
    prompt = "a <div> & &amp; </textarea> sign"
    old = f"<!-- image-prompt src=3f2a9c1d sum={prompt_hash(prompt)} | {prompt} -->"
    marker = parse_marker(old, 1)
    assert isinstance(marker, PromptMarker) and marker.prompt == prompt and not marker.edited
    new = render_marker(prompt, "3f2a9c1d")
    assert new != old and "<" not in new[4:] and ">" not in new[:-3]
    assert parse_marker(new, 1) == marker


def test_hand_edit_is_detected() -> None:
    line = render_marker("a red fox", "abcdef01")
    edited = line.replace("a red fox", "a blue fox")
    marker = parse_marker(edited, 3)
    assert isinstance(marker, PromptMarker) and marker.edited


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("<!-- image-prompt: a fox -->", "does not match"),
        ("<!-- image-prompt src=zz sum=00000000 | x -->", "does not match"),
        ("<!-- image-prompt src=00000000 sum=00000000 | a -- b -->", "'--'"),
        ("<!-- image-prompt src=00000000 sum=00000000 | bad \\q escape -->", "lone backslash"),
        ("<!-- image-prompt src=00000000 sum=00000000 | x --> trailing", "does not match"),
    ],
)
def test_unparsable_markers(line: str, reason: str) -> None:
    marker = parse_marker(line, 9)
    assert isinstance(marker, BadMarker) and marker.line == 9 and reason in marker.reason


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("<!-- image-prompt src=1 -->", True),
        ("<!--image-prompt", True),
        ("   <!-- image-prompt: x -->", True),
        ("<!-- image-prompts are fun -->", False),
        ("<!-- image-prompt-old x -->", False),
        ("<!-- note -->", False),
        ("text <!-- image-prompt -->", False),
    ],
)
def test_candidates(line: str, expected: bool) -> None:
    assert is_marker_candidate(line) is expected


def test_content_hash_ignores_only_insignificant_whitespace() -> None:
    base = content_hash("# Title\n\nBody text")
    assert content_hash("\n\n# Title  \r\n\r\nBody text\n\n") == base
    assert content_hash("# Title\n\nBody text!") != base
    assert content_hash("# Title\nBody text") != base


@pytest.mark.parametrize("form", ["comment", "reference"])
def test_a_new_prompt_keeps_the_authors_flags(form: str) -> None:
    from mdslides_prompts.marker import parse_value, render_value

    line = render_marker("A harbour | at dawn", "3f2a9c1d", form=form, flags=("left", "lock"))
    assert line.startswith(("<!-- image-prompt left lock src=", "[image-prompt left lock src="))
    marker = parse_marker(line, 1)
    assert isinstance(marker, PromptMarker)
    assert (marker.prompt, marker.flags, marker.placement) == (
        "A harbour | at dawn", ("left", "lock"), "left",
    )  # fmt: skip
    value = parse_value(render_value("A harbour", "3f2a9c1d", ("no-picture",)), 1)
    assert isinstance(value, PromptMarker)
    assert (value.flags, value.placement, value.edited) == (("no-picture",), "none", False)
    assert render_value("A harbour", "3f2a9c1d") == render_value("A harbour", "3f2a9c1d", ())
