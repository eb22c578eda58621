"""Line splitting and whole-line edits keep every other byte."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
import pytest

from mdslides_prompts.deck import Deck, TextLines, split_lines
from mdslides_prompts.errors import DeckError
from mdslides_prompts.formats.lines import edit_lines, remove_lines


def test_split_lines_only_on_markdown_line_endings() -> None:
    assert split_lines("a\r\nb\rc\nd") == ["a\r\n", "b\r", "c\n", "d"]
    assert split_lines("a\x0cb\u2028c\x85d\n") == ["a\x0cb\u2028c\x85d\n"]
    assert split_lines("") == []


@pytest.mark.parametrize(
    ("text", "after", "expected"),
    [
        ("a\nb\n", 1, "a\nM\nb\n"),
        ("a\r\nb\r\n", 1, "a\r\nM\r\nb\r\n"),
        ("a\nb", 2, "a\nb\nM"),
        ("a\r\nb", 2, "a\r\nb\r\nM"),
        ("a\nb\n", 0, "M\na\nb\n"),
        ("a\rb\r", 2, "a\rb\rM\r"),
        # Found by hypothesis: a mostly-CR deck whose first line is a blank LF line.
        ("\nb\rc\rd\r", 0, "M\n\nb\rc\rd\r"),
    ],
)
def test_insert_then_remove_is_identity(text: str, after: int, expected: str) -> None:
    newline = Deck.from_text(text).newline
    edited = edit_lines(text, newline=newline, insert_after={after: "M"})
    assert edited == expected
    inserted = after + 1
    assert remove_lines(edited, {inserted}) == text


@pytest.mark.parametrize(
    ("text", "after", "expected"),
    [
        ("a\r\nb\r\n", 1, "a\r\nX\r\nY\r\nb\r\n"),
        ("a\nb", 2, "a\nb\nX\nY"),
        ("a\n", 0, "X\nY\na\n"),
    ],
)
def test_insert_several_lines(text: str, after: int, expected: str) -> None:
    edited = edit_lines(text, newline="\n", insert_after={after: "X\nY"})
    assert edited == expected
    assert remove_lines(edited, {after + 1, after + 2}) == text


def test_replace_keeps_line_ending() -> None:
    assert edit_lines("a\r\nb\nc", newline="\n", replace={1: "X", 3: "Y"}) == "X\r\nb\nY"


def test_deck_bytes_round_trip() -> None:
    data = "\ufeff# Titre\r\n\r\nÉté\r\n".encode()
    deck = Deck.from_bytes(data)
    assert deck.bom and deck.newline == "\r\n" and deck.text.startswith("# Titre")
    assert deck.to_bytes() == data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"caf\xe9", r"not valid UTF-8 \(byte 3\)"),
        (b"\xff\xfe# x", r"UTF-16 \(LE\) text with a byte-order mark; save it as UTF-8"),
        (b"a\x00b", "NUL"),
    ],
)
def test_undecodable_decks_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(DeckError, match=message):
        Deck.from_bytes(data)


@pytest.mark.parametrize(
    ("source", "text", "matches"),
    [
        (r"^---$", "a\r\n---\r\nb", True),  # JS ^ and $ see \r as a line end
        (r"^---$", "a\n----\nb", False),
        (r"\r?\n---\r?\n", "a\r\n---\r\nb", True),
        (r"^s*notes?:", "Note: x", True),
        (r"^\s*notes?:", "\ufeffnotes: x", True),  # JS \s includes the BOM
        (r"(?<name>a.b)", "a\rb", False),  # JS . does not match \r
    ],
)
def test_js_regex_has_javascript_meaning(source: str, text: str, matches: bool) -> None:
    import re

    from mdslides_prompts.formats.js import js_regex

    assert (re.search(js_regex(source), text, re.I) is not None) is matches


def test_bad_separator_regex_is_a_usage_error() -> None:
    from mdslides_prompts import UsageError
    from mdslides_prompts.formats.js import js_regex

    with pytest.raises(UsageError, match="invalid separator regex"):
        js_regex("(unclosed")


@given(st.text(alphabet=st.sampled_from(["a", "\n", "\r", "\v", "\f", "\x85", "\u2028", " "])))
def test_split_lines_cuts_only_at_the_three_markdown_endings(text: str) -> None:
    lines = split_lines(text)
    assert "".join(lines) == text
    for number, line in enumerate(lines, 1):
        body = line.rstrip("\r\n")
        assert "\r" not in body and "\n" not in body and body == line[: len(body)]
        assert line[len(body) :] in (
            ("\n", "\r\n", "\r") if number < len(lines) else ("\n", "\r\n", "\r", "")
        )
        if number < len(lines) and line.endswith("\r"):
            assert not lines[number].startswith("\n")  # "\r\n" is one ending


def test_last_read_reads_once_per_key_and_afresh_when_asked() -> None:
    from mdslides_prompts.formats.lines import LastRead

    reads: list[str] = []
    last = LastRead[str]()

    def read(value: str) -> str:
        reads.append(value)
        return value.upper()

    slides = ("a", "b")
    assert last.get(slides, lambda: read("one")) == "ONE"
    assert last.get(slides, lambda: read("two")) == "ONE"  # the same key: not read again
    assert last.get(("a", "b"), lambda: read("three")) == "ONE"  # an equal one neither
    assert last.get(("c",), lambda: read("four")) == "FOUR"
    assert last.get(("c",), lambda: read("five"), fresh=True) == "FIVE"
    assert reads == ["one", "four", "five"]


@given(st.text(alphabet="ab \r\n\x0c\u2028é日", max_size=40))
def test_text_lines_are_split_lines_read_from_the_text(text: str) -> None:
    lines, listed = TextLines(text), split_lines(text)
    assert len(lines) == len(listed)
    assert list(lines) == listed
    assert [lines[i] for i in range(-len(listed), 0)] == listed
    assert lines[1:-1] == listed[1:-1] and lines[::2] == listed[::2]
    assert bool(lines) is bool(listed)
    with pytest.raises(IndexError):
        lines[len(listed)]


@given(
    st.text(alphabet="ab\r\n日", max_size=30),
    st.integers(-1, 12),
    st.integers(-1, 12),
    st.sets(st.integers(0, 12), max_size=4),
)
def test_text_lines_joined_is_the_lines_joined_without_endings(
    text: str, first: int, last: int, leave: set[int]
) -> None:
    listed = split_lines(text)
    expected = "\n".join(
        listed[n - 1].rstrip("\r\n")
        for n in range(max(first, 1), min(last, len(listed)) + 1)
        if n not in leave
    )
    assert TextLines(text).joined(first, last, leave) == expected
