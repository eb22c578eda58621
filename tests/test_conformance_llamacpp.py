"""The ``openai`` provider against a real server: llama.cpp's own, with a real model.

``conformance/llamacpp`` runs llama.cpp's HTTP server from the xllamacpp wheel on
127.0.0.1 with SmolLM2-135M-Instruct (one thread, two slots), in a process of its own, so
that killing it mid-run is a real kill. The CLI runs as a real process against it. The
model's words are not checked, only mechanics: exit codes, markers written, token counts,
and the requests the server saw, counted in its own log. Greedy decoding, a frequency
penalty and templates a 135M model follows (``system.txt``, ``user.txt``) keep its answers
usable. ``install.sh`` sets the harness up on first use; where it cannot be installed the
tests are skipped locally and fail in CI.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
import os
from pathlib import Path
import re
import subprocess
import sys
import time
from typing import Any

import pytest

from .cli_tools import markers, process
from .conftest import ROOT, require

HARNESS = ROOT / "conformance" / "llamacpp"
TITLES = ("Glaciers", "Rivers", "Forests", "Deserts", "Oceans")
KEY_ENV = "LLAMACPP_TEST_KEY"
KEY = "llama-test-key-7c1e"


class LlamaServer:
    """``serve.py`` in a process of its own, its output in *log*."""

    def __init__(self, log: Path, key: str | None = None) -> None:
        self.log = log
        self.key = key
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self) -> str:
        """Start the server; return its base URL (``.../v1``) once it listens."""
        env = {**os.environ, "LLAMACPP_API_KEY": self.key or ""}
        command = [str(HARNESS / ".venv" / "bin" / "python"), str(HARNESS / "serve.py")]
        command += [str(HARNESS / ".venv" / "model.gguf"), "--threads", "1"]
        command += ["--ctx", "2048", "--parallel", "2"]
        with self.log.open("ab") as out:
            seen = out.tell()  # a restart appends to the log of the run before
            self.proc = subprocess.Popen(command, stdout=out, stderr=out, env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.proc.poll() is None:
            # Not anchored at a line's start: a log line written in parts may lead it.
            ready = re.search(r"ready: (http://127\.0\.0\.1:\d+)\n", self.text()[seen:])
            if ready:
                self.url = f"{ready[1]}/v1"
                return self.url
            time.sleep(0.05)
        self.kill()
        raise AssertionError(f"llama.cpp server did not start:\n{self.text()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL: no goodbye to the clients."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def count(self, needle: str) -> int:
        """Lines of the log holding *needle* (``launch_slot_``, ``release``, ``unauthorized``)."""
        return sum(needle in line for line in self.text().splitlines())

    def most_at_once(self) -> int:
        """The most requests the server processed at the same time."""
        busy = peak = 0
        for line in self.text().splitlines():
            if "launch_slot_" in line:
                busy += 1
                peak = max(peak, busy)
            elif " release: " in line:
                busy -= 1
        return peak


@pytest.fixture(scope="module")
def harness() -> Path:
    done = subprocess.run(
        ["bash", str(HARNESS / "install.sh")], capture_output=True, text=True, timeout=600
    )
    require(done.returncode == 0, f"llama.cpp harness not installed: {done.stderr[-600:]}")
    return HARNESS


@pytest.fixture
def llama(harness: Path, tmp_path: Path) -> Iterator[LlamaServer]:
    """A keyless server, killed after the test."""
    server = LlamaServer(tmp_path / "server.log")
    server.start()
    yield server
    server.kill()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")


def make_deck(folder: Path) -> Path:
    slides = [f"\n# {title}\n\nA few words about {title.lower()}.\n" for title in TITLES]
    path = folder / "deck.md"
    text = "---\nmarp: true\ntitle: Landscapes\n---\n" + "\n---\n".join(slides)
    path.write_text(text, encoding="utf-8")
    return path


def run_args(url: str, deck: Path, *more: str) -> list[str]:
    """``run`` on *deck* against *url*: 60 tokens at most, greedy, the harness's templates."""
    return [
        "run", str(deck), "--provider", "openai", "--base-url", url, "--model", "smollm2",
        "--max-tokens", "60", "--temperature", "0", "--frequency-penalty", "1", "--rpm", "0",
        "--system-template", str(HARNESS / "system.txt"),
        "--user-template", str(HARNESS / "user.txt"), "--json", *more,
    ]  # fmt: skip


def run(url: str, deck: Path, *more: str) -> tuple[int, dict[str, Any], str]:
    """Run the CLI as a real process; exit code, its ``--json`` report, stderr."""
    done = process(*run_args(url, deck, *more))
    err = done.stderr.decode()
    assert "Traceback" not in err, err
    return done.returncode, json.loads(done.stdout), err


def actions(report: dict[str, Any]) -> list[str]:
    return [slide["action"] for slide in report["decks"][0]["slides"]]


def test_models_lists_what_the_server_serves(llama: LlamaServer) -> None:
    done = process("models", "--provider", "openai", "--base-url", llama.url)
    assert (done.returncode, done.stdout.decode()) == (0, "smollm2\n"), done.stderr


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_a_deck_gets_a_prompt_per_slide_and_the_tokens_it_cost(
    llama: LlamaServer, tmp_path: Path, stream: bool
) -> None:
    deck = make_deck(tmp_path)
    flag = "--stream" if stream else "--no-stream"
    code, report, err = run(llama.url, deck, flag, "--concurrency", "1")
    assert code == 0, err
    assert actions(report) == ["generated"] * 5
    assert len(markers(deck)) == 5
    tokens = [s["tokens"] for s in report["decks"][0]["slides"]]
    assert all(t and t["prompt"] > 0 and t["completion"] > 0 for t in tokens), tokens
    # Five slides and the deck's art direction, asked first (slide 1 counts it).
    assert report["totals"]["prompt_tokens"] > 0 and report["totals"]["requests"] == 6
    assert report["totals"]["art_requests"] == 1
    assert llama.count("launch_slot_") == 6 and llama.most_at_once() == 1


def test_concurrency_2_uses_both_slots_at_once(llama: LlamaServer, tmp_path: Path) -> None:
    deck = make_deck(tmp_path)
    code, report, err = run(llama.url, deck, "--concurrency", "2")
    assert code == 0, err
    assert actions(report) == ["generated"] * 5 and len(markers(deck)) == 5
    assert llama.count("launch_slot_") == 6 and llama.most_at_once() == 2


def test_a_wrong_key_fails_at_once_without_retries(harness: Path, tmp_path: Path) -> None:
    server = LlamaServer(tmp_path / "server.log", key=KEY)
    url = server.start()
    try:
        deck = make_deck(tmp_path)
        before = deck.read_bytes()
        started = time.monotonic()
        args = run_args(url, deck, "--concurrency", "1", "--api-key-env", KEY_ENV)
        done = process(*args, env={KEY_ENV: "not-the-key"})
        seconds = time.monotonic() - started
        untouched = deck.read_bytes() == before
        ok = process(*args, env={KEY_ENV: KEY})
    finally:
        server.kill()
    err = done.stderr.decode()
    assert done.returncode == 1 and "Traceback" not in err and "not-the-key" not in err
    assert KEY_ENV in err  # the hint names the variable to fix
    report = json.loads(done.stdout)
    assert actions(report) == ["failed"] * 5 and report["totals"]["retries"] == 0
    assert untouched
    # One refused request (the art direction's), the slides not sent, no backoff: well
    # under a second's wait (the default first retry would wait 1 s).
    assert server.count("unauthorized") == 1 and seconds < 5
    assert ok.returncode == 0 and len(markers(deck)) == 5 and server.count("launch_slot_") == 6


def test_a_server_killed_mid_run_fails_the_rest_and_a_rerun_completes(
    harness: Path, tmp_path: Path
) -> None:
    server = LlamaServer(tmp_path / "server.log")
    url = server.start()
    deck = make_deck(tmp_path)
    args = [*run_args(url, deck, "--concurrency", "1"), "--max-retries", "2"]
    args += ["--retry-backoff", "0.2", "--timeout", "10"]
    cli = subprocess.Popen(
        [sys.executable, "-m", "mdslides_prompts", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip
    try:
        # Kill it while the second slide is being generated (after the art direction and
        # the first slide): the first is done, the second is cut mid-answer, the others
        # find nobody listening.
        deadline = time.monotonic() + 60
        while server.count("launch_slot_") < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        server.kill()
        out, err_bytes = cli.communicate(timeout=120)
    finally:
        cli.kill()
        server.kill()
    err = err_bytes.decode()
    assert cli.returncode == 1 and "Traceback" not in err
    report = json.loads(out)
    # A short answer may beat the kill to it: slide 2 is done or failed, never half-written.
    done = actions(report).count("generated")
    assert done in (1, 2) and actions(report) == ["generated"] * done + ["failed"] * (5 - done)
    slides = report["decks"][0]["slides"]
    assert all(s["error"] and "\n" not in s["error"] for s in slides[done:])
    text = deck.read_text(encoding="utf-8")
    assert len(markers(deck)) == done and text.index("image-prompt") < text.index("# Rivers")

    url = server.start()
    try:
        code, report, err = run(url, deck, "--concurrency", "1")
    finally:
        server.kill()
    assert code == 0, err
    assert actions(report) == ["kept"] * done + ["generated"] * (5 - done)
    assert len(markers(deck)) == 5
