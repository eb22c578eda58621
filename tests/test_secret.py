"""The scrubber: every run of 8 characters of the secret, and its encodings, are masked."""

from __future__ import annotations

import base64
from urllib.parse import quote

from hypothesis import given, settings
from hypothesis import strategies as st
import pytest

from mdslides_prompts.providers.secret import WINDOW, Scrubber

from .hypothesis_budget import examples

TOKEN = "tok-S3CRET-4f9a2c7e1b5d8a0c"
ALPHABET = st.characters(codec="utf-8", exclude_categories=["Cs"])
TOKENS = st.text(
    alphabet=st.sampled_from(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~+/"
    ),
    min_size=WINDOW,
    max_size=80,
)


def _leaks(secret: str, text: str) -> list[str]:
    return [
        text[i : i + WINDOW]
        for i in range(len(text) - WINDOW + 1)
        if text[i : i + WINDOW] in secret
    ]


@settings(max_examples=examples(300))
@given(
    token=TOKENS,
    data=st.data(),
    before=st.text(ALPHABET, max_size=30),
    after=st.text(ALPHABET, max_size=30),
)
def test_any_run_of_eight_characters_is_masked(
    token: str, data: st.DataObject, before: str, after: str
) -> None:
    start = data.draw(st.integers(0, len(token) - WINDOW))
    end = data.draw(st.integers(start + WINDOW, len(token)))
    text = before + token[start:end] + after
    scrubbed = Scrubber(token)(text)
    assert not _leaks(token, scrubbed)
    assert "***" in scrubbed


@settings(max_examples=examples(300))
@given(token=TOKENS, data=st.data(), bearer=st.booleans(), urlsafe=st.booleans())
def test_base64_of_any_part_is_masked(
    token: str, data: st.DataObject, bearer: bool, urlsafe: bool
) -> None:
    whole = f"Bearer {token}" if bearer else token
    start = data.draw(st.integers(0, len(whole) - WINDOW))
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    encoded = encode(whole[start:].encode()).decode()
    scrubbed = Scrubber(token)(f"x {encoded} y")
    # What may stay: the last group of four, which depends on where the part ends.
    assert len(scrubbed) <= len("x *** y") + 4 + 2


def test_the_forms_a_server_echoes_are_masked() -> None:
    scrub = Scrubber(TOKEN)
    cases = {
        f"key {TOKEN[:16]}...": "key ***...",
        f"serial {TOKEN[:12]} on the hull": "serial *** on the hull",
        f"middle {TOKEN[5:14]}!": "middle ***!",
        f"auth={quote(TOKEN, safe='')}&x": "auth=***&x",
        f"auth {base64.b64encode(f'Bearer {TOKEN}'.encode()).decode()}.": "auth ***.",
        f"{TOKEN}{TOKEN}": "***",
    }
    for text, want in cases.items():
        assert scrub(text) == want
    raw = f"é {TOKEN[3:13]} ".encode() + b"\xff"
    assert scrub.scrub_bytes(raw) == "é *** ".encode() + b"\xff"


@settings(max_examples=examples(200))
@given(text=st.text(ALPHABET, max_size=200))
def test_text_without_a_run_of_the_secret_is_unchanged(text: str) -> None:
    scrub = Scrubber(TOKEN)
    if not scrub.spans(text):
        assert scrub(text) == text


@pytest.mark.parametrize("secret", ["", None])
def test_no_secret_changes_nothing(secret: str | None) -> None:
    assert Scrubber(secret)("anything tok-S3CRET") == "anything tok-S3CRET"


def test_a_short_secret_is_masked_whole_only() -> None:
    scrub = Scrubber("abc123")
    assert scrub("x abc123 abc12") == "x *** abc12"


def test_nothing_shows_the_secret() -> None:
    scrub = Scrubber(TOKEN)
    assert TOKEN[:WINDOW] not in repr(scrub) + str(scrub)
