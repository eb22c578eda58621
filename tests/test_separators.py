"""Separator regexes the user supplies (reveal.js family: command line, config file, a
deck's front matter) cannot stall a run: they run on the ``regex`` engine, with the same
meaning as on ``re``, within one second of matching per deck; a deck that needs more fails
alone, in one line."""

from __future__ import annotations

from pathlib import Path
import re
import time

from hypothesis import given, settings
from hypothesis import strategies as st
import pytest

from mdslides_prompts import DeckError, Pipeline, Settings, get_plugin_manager
from mdslides_prompts.deck import Deck
from mdslides_prompts.errors import UsageError
from mdslides_prompts.formats.js import Budget, JsPattern, js_regex

from .cli_tools import markers, process
from .fixture_tools import separators

SLOW = "^(a|aa)+$"
"""Backtracks exponentially on :data:`LINE`, on ``re`` and ``regex`` alike."""
LINE = "a" * 36 + "!"
"""The issue's line: 36 ``a`` and a ``!``."""
DECK = f"# One\n\n{LINE}\n\n---\n\n# Two\n\nText.\n"
FRONT_MATTER = (
    "---\ntitle: Talk\nseparator: {separator!r}\nrevealOptions:\n  transition: fade\n---\n"
)
ERROR = "took too long (over 1 s); simplify it"
LIMIT = 15.0
"""Seconds a run may take: start-up and the 1 s budget, on a loaded machine."""


def _run(*args: str | Path, cwd: Path) -> tuple[int, list[str], float]:
    """A real run (killed after 60 s, so that a hang fails): exit code, stderr lines, seconds."""
    started = time.monotonic()
    done = process("run", "--provider", "offline", *args, cwd=cwd, timeout=60)
    return done.returncode, done.stderr.decode().splitlines(), time.monotonic() - started


@pytest.mark.parametrize("where", ["front matter", "--separator", "config file"])
def test_a_separator_that_backtracks_for_ever_fails_the_deck_in_one_line(
    tmp_path: Path, where: str
) -> None:
    talk = tmp_path / "talk.md"
    options: list[str] = []
    if where == "front matter":
        talk.write_text(FRONT_MATTER.format(separator=SLOW) + DECK, encoding="utf-8")
    else:
        talk.write_text(DECK, encoding="utf-8")
    if where == "--separator":
        options = ["--separator", SLOW]
    if where == "config file":
        (tmp_path / ".mdslides-prompts.toml").write_text(f"separator = '{SLOW}'\n")
    before = talk.read_bytes()
    code, err, seconds = _run("talk.md", *options, cwd=tmp_path)
    assert err == [f"mdslides-prompts: talk.md: separator {SLOW!r} {ERROR}"]
    assert code == 2 and seconds < LIMIT
    assert talk.read_bytes() == before


# With a folder, a deck that fails to split is reported and the others are written.
def test_a_slow_separator_fails_only_its_own_deck(tmp_path: Path) -> None:
    talk = tmp_path / "talk.md"
    talk.write_text(FRONT_MATTER.format(separator=SLOW) + DECK, encoding="utf-8")
    other = tmp_path / "other.md"
    other.write_text(FRONT_MATTER.format(separator="^---$") + DECK, encoding="utf-8")
    code, err, seconds = _run(".", cwd=tmp_path)
    assert f"talk.md: separator {SLOW!r} {ERROR}" in err
    assert seconds < LIMIT
    assert code == 1 and len(markers(other)) == 2


def test_the_issues_own_pattern_no_longer_hangs_and_splits_as_javascript_does(
    tmp_path: Path,
) -> None:
    # ^(a+)+$ hangs re (and the browser) on LINE; the regex engine sees it never matches.
    talk = tmp_path / "talk.md"
    talk.write_text(FRONT_MATTER.format(separator="^(a+)+$") + DECK, encoding="utf-8")
    code, err, seconds = _run("talk.md", cwd=tmp_path)
    assert code == 0, err
    assert seconds < LIMIT
    assert len(markers(talk)) == 1  # no line is only a's: one slide


def _parse(text: str, **given: str) -> Deck:
    pipeline = Pipeline(
        Settings(format="revealjs", extra=separators(**given)),
        get_plugin_manager(load_entrypoints=False),
    )
    return pipeline.parse(Deck.from_text(text))


@pytest.mark.parametrize(
    ("separators", "named"),
    [
        ({"notes_separator": SLOW}, f"notes separator {SLOW!r}"),
        (
            {"separator": "^---$", "vertical_separator": SLOW},
            f"separator '^---$' or vertical separator {SLOW!r}",
        ),
        ({"vertical_separator": SLOW}, f"vertical separator {SLOW!r}"),
    ],
)
def test_the_message_names_the_separators_the_user_gave(
    separators: dict[str, str], named: str
) -> None:
    started = time.monotonic()
    with pytest.raises(DeckError, match=f"^{re.escape(f'{named} {ERROR}')}$"):
        _parse(DECK.replace("Text.", LINE), **separators)
    assert time.monotonic() - started < 5


def test_the_budget_is_shared_by_every_match_of_a_deck() -> None:
    budget = Budget(0.2, per_million=0)
    slow = JsPattern.compile(js_regex(SLOW), f"separator {SLOW!r}", budget)
    with pytest.raises(
        TimeoutError, match=re.escape(f"separator {SLOW!r} took too long (over 0.2 s)")
    ):
        for _ in range(100):  # each match alone is quick; together they use up the budget
            slow.spans("a" * 22 + "!")
    assert budget.left <= 0


@pytest.mark.parametrize("per_million", [1.0, 0.0])
def test_a_long_deck_earns_more_matching_time(per_million: float) -> None:
    # A deck is matched again for every marker position tried: a fixed time would fail
    # long decks with sane separators.
    budget = Budget(0.001, per_million=per_million)
    pattern = JsPattern.compile(js_regex(r"^\s*---\s*$"), "separator '^---$'", budget)
    text = "# Slide\n\nWords about glaciers.\n\n---\n\n" * 50_000
    if per_million:
        assert len(pattern.spans(text)) == 50_000
    else:
        with pytest.raises(TimeoutError, match=r"over 0\.001 s"):
            pattern.spans(text)


def test_empty_matches_and_invalid_patterns_do_not_hang() -> None:
    deck = _parse("# A\n\nWords\n\n---\n\n# B\n", separator="x*", notes_separator="y*")
    assert len(deck.slides) == 1  # empty matches cut nothing (the plugin would loop on them)
    with pytest.raises(UsageError, match=r"invalid vertical separator regex '\(a'"):
        _parse("# A\n", vertical_separator="(a")


@pytest.mark.parametrize(
    ("source", "text", "span"),
    [
        ("(?:ab){e<=1}", "xb ab{e<=1}", (3, 11)),  # no fuzzy matching: '{' is literal
        ("a{,2}", "aa a{,2}", (3, 8)),  # not a quantifier in JavaScript
        ("a{2}", "a aa", (2, 4)),
        ("[[:alpha:]]", "b :a]", (3, 5)),  # no POSIX class: '[' in a class is literal
    ],
)
def test_braces_and_brackets_mean_what_javascript_means(
    source: str, text: str, span: tuple[int, int]
) -> None:
    translated = js_regex(source)
    for budget in (None, Budget()):
        assert JsPattern.compile(translated, "separator", budget).spans(text)[:1] == [span]


_PIECES = [
    "a", "b", "-", ":", r"\n", r"\r?", r"\s", r"\S", r"\w", r"\b", ".", "^", "$", "*", "+",
    "?", "*?", "|", "(", ")", "(?:", "(?=", "(?!", "(?<=a)", "(?<n>", r"\1", "[ab]", "[^a]",
    "[\\s-]", "{2}", "{1,}", "{,2}", "{e<=1}", "[[:a:]]",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(_PIECES), min_size=1, max_size=7).map("".join),
    st.text(alphabet="ab-: \n\r\u2028", max_size=14),
    st.booleans(),
)
def test_the_regex_engine_runs_a_separator_as_re_does(
    source: str, text: str, ignore_case: bool
) -> None:
    try:
        translated = js_regex(source)
    except UsageError:
        return
    plain = JsPattern.compile(translated, "separator", None, ignore_case=ignore_case)
    bounded = JsPattern.compile(translated, "separator", Budget(), ignore_case=ignore_case)
    assert bounded.bounded is not None and plain.bounded is None
    assert bounded.spans(text) == plain.spans(text)
    assert bounded.split(text) == plain.split(text)
    assert bounded.match(text) == plain.match(text)
