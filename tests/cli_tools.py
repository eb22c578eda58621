"""Helpers for the end-to-end CLI tests: run the CLI in-process or as a real process."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
import json
import os
from pathlib import Path
import pty
import subprocess
import sys
from typing import Any

import click
import pytest

from mdslides_prompts.cli import cli as group
from mdslides_prompts.cli import main

from .http_server import Recorded, ScriptedServer, chat, serve, slide_of


def cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """Run the CLI in this process; exit code, stdout, stderr."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def commands() -> dict[str, click.Command]:
    """Every command of the program by name, as the group loads them (each from its module)."""
    context = click.Context(group)
    found = {name: group.get_command(context, name) for name in group.list_commands(context)}
    return {name: command for name, command in found.items() if command is not None}


def cli_json(capsys: pytest.CaptureFixture[str], *args: str | Path) -> Any:
    """Run the CLI with ``--json`` and return what it printed, parsed."""
    code, out, err = cli(capsys, *args, "--json")
    assert code in (0, 1), err
    return json.loads(out)


def process(
    *args: str | Path,
    stdin: bytes | None = None,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``python -m mdslides_prompts`` as a real process (killed after *timeout* s)."""
    return subprocess.run(
        [sys.executable, "-m", "mdslides_prompts", *map(str, args)],
        input=stdin, capture_output=True, cwd=cwd, timeout=timeout,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
    )  # fmt: skip


def markers(path: Path) -> list[str]:
    """The prompt marker lines of the deck at *path*, in order."""
    return [
        line for line in path.read_text(encoding="utf-8").splitlines() if "image-prompt" in line
    ]


@contextmanager
def openai_server(
    monkeypatch: pytest.MonkeyPatch, answer: Any = None
) -> Iterator[tuple[ScriptedServer, list[str]]]:
    """A local OpenAI-compatible server; yields it and the options that point ``run`` at it.

    Each answer names the slide and counts the requests, so a regenerated prompt differs.
    """
    count = [0]

    def script(request: Recorded) -> Any:
        count[0] += 1
        return chat(answer(request) if answer else f"Picture {count[0]} of {slide_of(request)}")

    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")
    with serve(script) as server:
        options = ["--provider", "openai", "--base-url", f"{server.url}/v1", "--model", "m1"]
        yield server, [*options, "--rpm", "0"]


def terminal(
    *args: str | Path, env: Mapping[str, str], answer: bytes = b"", columns: int = 160
) -> tuple[int, bytes]:
    """Run the CLI with stdin and stderr on a pseudo-terminal *columns* wide (no colour
    unless *env* says otherwise), typing *answer*; its exit code and what it drew there."""
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mdslides_prompts", *map(str, args)],
        stdin=child, stdout=subprocess.DEVNULL, stderr=child,
        env={**os.environ, "TERM": "xterm-256color", "COLUMNS": str(columns), "NO_COLOR": "1",
             **env},
    )  # fmt: skip
    os.close(child)
    if answer:
        os.write(main, answer)
    drawn = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        drawn += chunk
    os.close(main)
    return proc.wait(timeout=120), drawn


def python_output(script: str) -> str:
    """What a fresh interpreter running *script* prints (the test fails if it fails)."""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout
