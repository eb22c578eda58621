"""What a run shows end to end: progress bar on a terminal, plain lines elsewhere, -q, -v,
NO_COLOR, --dry-run, --diff, --json and the end-of-run totals."""

from __future__ import annotations

import difflib
from pathlib import Path
import re

import pytest

from .cli_tools import cli, cli_json, markers, openai_server, terminal
from .conftest import pristine_example
from .http_server import Recorded, Reply, asks_art, chat, serve, slide_of

COLOUR = re.compile(rb"\x1b\[[0-9;]*(3[0-9]|38;5;\d+|38;2;[\d;]+)m")
"""An SGR sequence that sets a foreground colour."""
ART = "flat vector illustration, navy and white palette, soft light, calm mood"
"""The deck's art direction, as the local servers answer it."""


def picture_or_art(request: Recorded) -> str:
    """A local server's answer: the deck's art direction, else a picture of the slide."""
    return ART if asks_art(request) else f"Picture of {slide_of(request)}"


@pytest.fixture
def deck(tmp_path: Path) -> Path:
    return pristine_example(tmp_path / "deck")


def on_terminal(*args: str | Path, env: dict[str, str]) -> bytes:
    """Run the CLI with stderr on a 120-column pseudo-terminal; what it drew there."""
    code, drawn = terminal(*args, env=env, columns=120)
    assert code == 0
    return drawn


def test_progress_bar_on_a_terminal_in_colour_unless_no_color(deck: Path, tmp_path: Path) -> None:
    env = {"NO_COLOR": "", "MDSLIDES_PROMPTS_CACHE_DIR": str(tmp_path / "c1")}
    drawn = on_terminal("run", deck, "-o", tmp_path / "a.md", env=env)
    assert "━".encode() in drawn and b"20/20" in drawn and b"20 generated" in drawn
    assert COLOUR.search(drawn)
    env = {"NO_COLOR": "1", "MDSLIDES_PROMPTS_CACHE_DIR": str(tmp_path / "c2")}
    drawn = on_terminal("run", deck, "-o", tmp_path / "b.md", env=env)
    assert b"20/20" in drawn and b"20 generated" in drawn and not COLOUR.search(drawn)
    quiet = on_terminal("run", deck, "-o", tmp_path / "c.md", "-q", env=env)
    assert quiet == b""


def test_progress_bar_shows_waits_and_retries(deck: Path, tmp_path: Path) -> None:
    attempts: dict[str, int] = {}

    def script(request: Recorded) -> Reply:
        slide = "the art direction" if asks_art(request) else slide_of(request)
        attempts[slide] = attempts.get(slide, 0) + 1
        if slide == "Anatomy of a glacier" and attempts[slide] == 1:
            return Reply(429, {"error": {"message": "slow down"}}, {"retry-after-ms": "300"})
        return chat(picture_or_art(request))

    with serve(script) as server:
        env = {
            "NO_COLOR": "1", "MDSLIDES_PROMPTS_CACHE_DIR": str(tmp_path / "cache"),
            "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1",
        }  # fmt: skip
        options = ["--provider", "openai", "--base-url", f"{server.url}/v1", "--model", "m"]
        drawn = on_terminal("run", deck, *options, "--rpm", "0", env=env)
    assert b"retrying in 0.3 s (HTTP 429)" in drawn and b"1 retried" in drawn
    assert b"20/20" in drawn and b"20 generated" in drawn
    assert attempts["the art direction"] == 1
    assert (
        b"22 requests (1 for art direction, 1 retried), 210 prompt + 105 completion tokens" in drawn
    )


def test_plain_lines_when_not_a_terminal(deck: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "run", deck)
    assert code == 0 and out == ""
    assert "\x1b" not in err and "━" not in err
    lines = err.splitlines()
    assert lines[1] == f"{deck}: 20 slides (20 generated); written to {deck}"
    assert re.fullmatch(
        r"mdslides-prompts: 20 slides in 1 deck: 20 generated; 0 cache hits, 21 requests "
        r"\(1 for art direction\), no tokens reported; \d+\.\d s",
        lines[-1],
    )


def test_quiet_prints_errors_only(deck: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "run", deck, "-q") == (0, "", "")
    text = deck.read_text(encoding="utf-8")
    broken = re.sub(r"(image-prompt [^|\n]*\| )", r"\1-- broken ", text, count=1)  # slide 1
    deck.write_text(broken, encoding="utf-8")
    code, out, err = cli(capsys, "run", deck, "-q")
    assert code == 1 and out == ""
    assert all("slide 1" in line for line in err.splitlines()) and "unparsable" not in err
    assert "fix or delete it, or rerun with --force" in err


def test_verbose_shows_each_request_with_timing_and_tokens_never_the_key(
    deck: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_KEY_VAR", "sk-very-secret-123")
    with openai_server(monkeypatch) as (_, provider):
        code, out, err = cli(
            capsys, "run", deck, *provider, "--api-key-env", "SECRET_KEY_VAR", "-v"
        )
    assert code == 0 and "sk-very-secret" not in out + err
    line = next(x for x in err.splitlines() if "slide 4 " in x)
    assert re.fullmatch(
        rf"{re.escape(str(deck))}: slide 4 'Anatomy of a glacier' generated in \d+\.\d\d s "
        r"\(1 request; 10 prompt \+ 5 completion tokens\)",
        line,
    )
    assert (
        "21 requests (1 for art direction), 210 prompt + 105 completion tokens"
        in err.splitlines()[-1]
    )
    code, _, err = cli(capsys, "run", deck, "-v", "--force", "--no-cache")
    assert "slide 3 generated in" in err  # the untitled slide


def test_dry_run_shows_messages_and_tokens_and_sends_and_writes_nothing(
    deck: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    _isolated_cache: Path,
) -> None:  # fmt: skip
    original = deck.read_bytes()
    with openai_server(monkeypatch) as (server, provider):
        code, out, err = cli(capsys, "run", deck, *provider, "--dry-run")
        assert code == 0 and server.posts == [] and deck.read_bytes() == original
        assert out.count(": request to openai, about ") == 21  # and the art direction
        assert out.startswith(f"{deck}: the deck's art direction: request to openai, about ")
        assert "  --- system\n  You write prompts for image-generation models" in out
        assert "  --- user\n  Deck title: Alpine Glaciers" in out
        assert "21 requests; about " in err and "nothing was sent or written" in err
        plan = cli_json(capsys, "run", deck, *provider, "--dry-run")
        first = plan["decks"][0]["slides"][0]
        assert first["action"] == "request" and first["estimated_tokens"] > 100
        assert [m["role"] for m in first["messages"]] == ["system", "user"]
        art = plan["decks"][0]["art_direction"]
        assert art["action"] == "request" and art["estimated_tokens"] > 50
        assert plan["totals"]["estimated_tokens"] == art["estimated_tokens"] + sum(
            s["estimated_tokens"] for s in plan["decks"][0]["slides"]
        )
        assert server.posts == [] and not list(_isolated_cache.glob("**/*.db"))
        cli(capsys, "run", deck, *provider, "--slides", "1-2")
        plan = cli_json(capsys, "run", deck, *provider, "--dry-run")
    actions = [s["action"] for s in plan["decks"][0]["slides"]]
    assert actions[:3] == ["kept", "kept", "request"] and actions.count("request") == 18


def test_diff_prints_what_would_change_and_writes_nothing(
    deck: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = deck.read_text(encoding="utf-8")
    code, out, _ = cli(capsys, "run", deck, "--diff")
    assert code == 0 and deck.read_text(encoding="utf-8") == original
    assert out.startswith(f"--- a/{deck}\n+++ b/{deck}\n@@ ")
    assert out.count("\n+<!-- image-prompt src=") == 20
    written = tmp_path / "written.md"
    cli(capsys, "run", deck, "-o", written)
    expected = "".join(
        difflib.unified_diff(
            original.splitlines(keepends=True),
            written.read_text(encoding="utf-8").splitlines(keepends=True),
            f"a/{deck}", f"b/{deck}",
        )
    )  # fmt: skip
    assert out == expected
    cli(capsys, "run", deck)
    assert cli(capsys, "run", deck, "--diff")[1] == ""
    code, _, err = cli(capsys, "run", deck, "--diff", "-o", tmp_path / "x.md")
    assert code == 2 and "--diff writes nothing" in err


def test_json_report_per_slide_and_totals(
    deck: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with openai_server(monkeypatch, picture_or_art) as (server, provider):
        report = cli_json(capsys, "run", deck, *provider, "--slides", "1-5")
        again = cli_json(capsys, "run", deck, *provider, "--slides", "19")
        cli(capsys, "strip", deck)
        cached = cli_json(capsys, "run", deck, *provider)
    assert sum(map(asks_art, server.posts)) == 1  # once per deck, then from the cache
    slide = report["decks"][0]["slides"][3]
    assert slide == {
        "index": 4, "title": "Anatomy of a glacier", "status": "missing", "action": "generated",
        "source": "provider", "prompt": slide["prompt"], "reason": "missing", "error": None,
        "requests": 1, "art_requests": 0, "retries": 0, "tokens": {"prompt": 10, "completion": 5},
        "seconds": slide["seconds"], "queued": slide["queued"], "not_sent": False,
        "cache_key": slide["cache_key"],
    }  # fmt: skip
    assert slide["prompt"] == "Picture of Anatomy of a glacier. " + ART[:1].upper() + ART[1:]
    assert len(slide["cache_key"]) == 64
    first = report["decks"][0]["slides"][0]  # it asked for the deck's art direction too
    assert (first["requests"], first["art_requests"], first["retries"]) == (2, 1, 0)
    assert first["tokens"] == {"prompt": 20, "completion": 10}
    assert report["decks"][0]["slides"][5]["action"] == "kept"
    assert report["totals"] == {
        "decks": 1, "slides": 20, "kept": 15, "cached": 0, "generated": 5, "skipped": 0,
        "failed": 0, "missed": 0, "cache_hits": 0, "requests": 6, "art_requests": 1,
        "retries": 0, "prompt_tokens": 60, "completion_tokens": 30,
        "seconds": report["totals"]["seconds"],
    }  # fmt: skip
    assert again["totals"]["generated"] == 1  # --slides: nothing else, missing or not
    assert (again["totals"]["requests"], again["totals"]["art_requests"]) == (1, 0)
    hits = [s for s in cached["decks"][0]["slides"] if s["action"] == "cached"]
    assert [s["index"] for s in hits] == [1, 2, 3, 4, 5, 19]
    assert hits[0]["source"] == "cache" and hits[0]["tokens"] is None
    assert cached["totals"]["generated"] == 14 and cached["totals"]["cache_hits"] == 6
    assert (cached["totals"]["requests"], cached["totals"]["art_requests"]) == (14, 0)
    assert len(markers(deck)) == 20
