"""The marker line: rendering, parsing, escaping and hashing."""

from __future__ import annotations

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
        ("end -->", "end -\\->"),
        ("---", "-\\-\\-"),
        ("<!-- nested -->", "<!-\\- nested -\\->"),
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
    line = render_marker(text, "0" * 8)
    assert line.count("-->") == 1 and line.endswith(" -->")
    marker = parse_marker(line, 1)
    assert isinstance(marker, PromptMarker) and marker.prompt == text and not marker.edited


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
