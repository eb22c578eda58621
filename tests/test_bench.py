"""The benchmark's own parts work: its deck maker, its stand-in API and its script.

Times are not asserted here (that is what ``benchmarks/bench.py`` prints); these tests only
keep the benchmark runnable and its stand-in honest about the limits it claims to enforce.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
import json
from pathlib import Path
import subprocess
import sys
import time

import httpx
import pytest

from benchmarks.bench import make_deck
from benchmarks.stand_in import stand_in
from mdslides_prompts import Pipeline, Settings

from .conftest import ROOT


def _ask(url: str, content: str) -> httpx.Response:
    return httpx.post(
        f"{url}/2/ai/1/openai/v1/chat/completions",
        json={"model": "m", "messages": [{"role": "user", "content": content}]},
        timeout=10,
    )


def test_benchmark_decks_have_the_slides_they_promise(tmp_path: Path) -> None:
    path = make_deck(tmp_path / "deck.md", 37)
    deck = Pipeline(Settings(provider="offline")).load(path)
    assert deck.format == "marp"
    assert len(deck.slides) == 37


@pytest.mark.parametrize("fmt", ["marp", "slidev", "reveal-md", "pandoc"])
def test_realistic_decks_are_read_as_their_format_with_every_slide(
    fmt: str, tmp_path: Path
) -> None:
    from benchmarks.decks import write_deck

    path = write_deck(tmp_path / "deck.md", 120, fmt)
    deck = Pipeline(Settings(provider="offline")).load(path)  # detected, not told
    assert (deck.format, len(deck.slides)) == (fmt, 120)
    assert all(slide.skip_reason is None for slide in deck.slides)
    assert deck.slides[36].title is not None and deck.slides[5].title != deck.slides[12].title
    assert sum(bool(slide.notes) for slide in deck.slides) == 30  # every fourth slide


def test_stand_in_answers_after_its_latency_and_names_the_slide() -> None:
    with stand_in(0.2) as api:
        began = time.monotonic()
        answer = _ask(api.url, "# Glaciers at dawn\n\nText")
        took = time.monotonic() - began
    assert answer.status_code == 200
    content = answer.json()["choices"][0]["message"]["content"]
    assert "Glaciers at dawn" in content
    assert took >= 0.2
    assert (api.answered, api.rejected) == (1, 0)
    assert len(api.arrivals) == 1 and api.first_request == api.arrivals[0]
    assert api.last_answer is not None and api.last_answer - api.first_request >= 0.2


def test_stand_in_limits_requests_per_window_with_429_and_retry_after() -> None:
    with stand_in(0.0, limit=3, window=1.0) as api:
        with ThreadPoolExecutor(5) as pool:
            answers = list(pool.map(lambda n: _ask(api.url, f"# S{n}"), range(5)))
        rejected = [a for a in answers if a.status_code == 429]
        assert len(rejected) == 2 and api.answered == 3
        for answer in rejected:
            assert 1 <= int(answer.headers["Retry-After"]) <= 1
            assert 0 < int(answer.headers["retry-after-ms"]) <= 1001
            assert json.loads(answer.text)["error"]["message"]
        time.sleep(1.05)
        assert _ask(api.url, "# Later").status_code == 200


def test_bench_script_prints_its_table() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--only", "6"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "| measure | mdslides-prompts | compared with | ratio | target | met |"
    rows = [line.split(" | ") for line in lines[2:]]
    assert [row[0] for row in rows] == [
        "| 6. --help start-up vs python -c pass",
        "| 6'. reference: a one-command click program's --help vs python -c pass",
    ]
    met = rows[0][-1].rstrip(" |")
    assert met in ("yes", "NO") and (done.returncode == 0) == (met == "yes")


def test_prompt_measures_reach_their_goals_and_would_see_a_leak() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "prompts.py")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "| marp | " in done.stdout and "| pandoc | " in done.stdout
    from benchmarks.prompts import decks, measure

    leaked = measure("marp", decks()["marp"], notes=True)
    assert leaked["notes-free"] < leaked["slides"]
    artless = measure("marp", decks()["marp"], art_direction=False)
    assert artless["art"] == 0 and artless["slides"] > 0
