"""A third-party plugin package, installed with pip, adds a format and a provider that the
CLI lists, pins and runs.

The package is built here as a wheel (a zip with a ``.dist-info``: no build backend is
needed, so no network) and installed with ``pip install --target`` into a folder the CLI
processes get on ``PYTHONPATH``, as any installed distribution is found.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path
import subprocess
import sys
import textwrap
import zipfile

import pytest

from .cli_tools import markers, process
from .conftest import pristine_example

PLUGIN = textwrap.dedent(
    '''
    """The 'equals' deck format (slides separated by '===' lines, after a '%% equals'
    header line) and the 'echo' provider, as a third party would write them."""

    from __future__ import annotations

    from dataclasses import replace

    from mdslides_prompts import Deck, Slide, hookimpl
    from mdslides_prompts.deck import split_lines
    from mdslides_prompts.marker import is_marker_candidate, parse_marker, render_marker

    NAME = "equals"


    @hookimpl
    def mdslides_format_names():
        return [NAME]


    @hookimpl
    def mdslides_detect_format(deck):
        return NAME if deck.text.startswith("%% equals") else None


    @hookimpl
    def mdslides_split_deck(deck):
        if deck.format != NAME:
            return None
        lines = split_lines(deck.text)
        cuts = [0] + [n for n, line in enumerate(lines, 1) if line.rstrip() == "==="]
        slides = []
        for index, cut in enumerate(cuts, 1):
            end = cuts[index] - 1 if index < len(cuts) else len(lines)
            body = range(cut + 2 if index == 1 else cut + 1, end + 1)
            found = [
                parse_marker(lines[n - 1], n) for n in body if is_marker_candidate(lines[n - 1])
            ]
            text = "".join(lines[n - 1] for n in body if n not in {m.line for m in found})
            title = next((l.strip("# \\n") for l in text.splitlines() if l.startswith("#")), None)
            slides.append(Slide(index, body.start, end, text.replace("\\r", ""), title,
                                markers=tuple(found), anchor_line=body.start - 1,
                                skip_reason=None if text.strip() else "empty"))
        return replace(deck, slides=tuple(slides))


    @hookimpl
    def mdslides_inject_prompts(deck, prompts, mode):
        if deck.format != NAME or mode != "comment":
            return None
        lines = split_lines(deck.text)
        change, insert = {}, {}
        for slide in deck.slides:
            prompt = prompts.get(slide.index)
            if prompt is not None:
                line = render_marker(prompt.text, prompt.source_hash) + deck.newline
                if slide.markers:
                    change[slide.markers[0].line] = line
                else:
                    insert[slide.anchor_line] = line
        out = [insert.get(0, "")]
        for n, line in enumerate(lines, 1):
            if not line.endswith(("\\n", "\\r")) and n in insert:
                line += deck.newline
            out.append(change.get(n, line) + insert.get(n, ""))
        return "".join(out)


    @hookimpl
    def mdslides_strip_prompts(deck):
        if deck.format != NAME:
            return None
        drop = {m.line for s in deck.slides for m in s.markers}
        return "".join(l for n, l in enumerate(split_lines(deck.text), 1) if n not in drop)


    class Echo:
        name = "echo"
        model = "echo-1"

        async def generate(self, request):
            if request.context.purpose == "art-direction":
                return "pencil drawing, grey tones"
            return f"An echo of {request.context.slide_title or 'a slide'}"

        async def aclose(self):
            pass


    @hookimpl
    def mdslides_provider_names():
        return ["echo"]


    @hookimpl
    def mdslides_get_provider(name):
        return Echo() if name == "echo" else None
    '''
)

DECK = "%% equals\n# Harbour at dawn\n\nBoats.\n===\n# The market\n\nFish and ice.\n===\n\n"


def build_wheel(folder: Path) -> Path:
    """The wheel of ``mdslides-equals 1.2.3``, its entry point in the plugin group."""
    files = {
        "mdslides_equals/__init__.py": PLUGIN,
        "mdslides_equals-1.2.3.dist-info/METADATA": (
            "Metadata-Version: 2.1\nName: mdslides-equals\nVersion: 1.2.3\n"
            "Summary: An 'equals' deck format and an 'echo' provider\n"
            "Requires-Dist: mdslides-prompts\n"
        ),
        "mdslides_equals-1.2.3.dist-info/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
        "mdslides_equals-1.2.3.dist-info/entry_points.txt": (
            "[mdslides_prompts]\nequals = mdslides_equals\n"
        ),
    }
    record = []
    for name, text in files.items():
        data = text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append("mdslides_equals-1.2.3.dist-info/RECORD,,")
    files["mdslides_equals-1.2.3.dist-info/RECORD"] = "\n".join(record) + "\n"
    wheel = folder / "mdslides_equals-1.2.3-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return wheel


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Build and pip-install the plugin; the environment that makes it visible."""
    folder = tmp_path_factory.mktemp("plugin")
    target = folder / "site"
    pip = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet"]
    subprocess.run(
        [*pip, "--disable-pip-version-check", "--target", str(target), str(build_wheel(folder))],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    assert (target / "mdslides_equals-1.2.3.dist-info" / "entry_points.txt").is_file()
    paths = [str(target), os.environ.get("PYTHONPATH", "")]
    return {"PYTHONPATH": os.pathsep.join(p for p in paths if p)}


def test_plugins_lists_the_installed_plugin_with_its_version(installed: dict[str, str]) -> None:
    result = process("plugins", env=installed)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    assert "equals  (mdslides-equals 1.2.3; formats: equals; providers: echo)" in lines
    assert "formats.marp  (built-in; formats: marp)" in lines
    rows = json.loads(process("plugins", "--json", env=installed).stdout)
    [row] = [r for r in rows if r["name"] == "equals"]
    assert row["version"] == "1.2.3" and row["loaded"] and not row["builtin"]
    assert "mdslides_split_deck" in row["hooks"]


def test_the_plugin_format_and_provider_run_through_the_cli(
    tmp_path: Path, installed: dict[str, str]
) -> None:
    deck = tmp_path / "harbour.md"
    deck.write_text(DECK, encoding="utf-8")
    env = {**installed, "MDSLIDES_PROMPTS_CACHE_DIR": str(tmp_path / "cache")}
    result = process("run", deck, "--provider", "echo", env=env)
    assert result.returncode == 0, result.stderr
    assert b"2 generated, 1 skipped" in result.stderr
    assert markers(deck)[1].endswith("| An echo of The market. Pencil drawing, grey tones -->")
    inspected = json.loads(process("inspect", deck, "--json", env=env).stdout)
    assert inspected["format"] == "equals"
    assert [s["status"] for s in inspected["slides"]] == ["fresh", "fresh", "skipped"]
    assert process("check", deck, env=env).returncode == 0
    assert process("strip", deck, env=env).returncode == 0
    assert deck.read_text(encoding="utf-8") == DECK
    # With a real deck next to it, built-in formats still take theirs.
    example = pristine_example(tmp_path / "example")
    assert process("run", example.parent, "--provider", "echo", env=env).returncode == 0
    assert "An echo of Anatomy of a glacier" in example.read_text(encoding="utf-8")


def test_plugins_can_be_pinned_by_flag_or_environment(
    tmp_path: Path, installed: dict[str, str]
) -> None:
    deck = tmp_path / "harbour.md"
    deck.write_text(DECK, encoding="utf-8")
    env = {**installed, "MDSLIDES_PROMPTS_CACHE_DIR": str(tmp_path / "cache")}
    none = process("--plugins", "", "run", deck, "--provider", "echo", env=env)
    assert none.returncode == 2 and b"cannot tell which slide tool" in none.stderr
    listed = process("--plugins", "", "plugins", env=env).stdout.decode()
    assert "equals  (mdslides-equals 1.2.3; not loaded (pinned out))" in listed
    pinned = process(
        "run", deck, "--provider", "echo", env={**env, "MDSLIDES_PROMPTS_PLUGINS": "equals"}
    )
    assert pinned.returncode == 0, pinned.stderr
    blocked = process("check", deck, env={**env, "MDSLIDES_PROMPTS_PLUGINS": ""})
    assert blocked.returncode == 2
    flag_wins = process(
        "--plugins", "equals", "check", deck, env={**env, "MDSLIDES_PROMPTS_PLUGINS": ""}
    )
    assert flag_wins.returncode == 0, flag_wins.stderr
    typo = process("--plugins", "equal", "check", deck, env=env)
    assert typo.returncode == 2
    assert b"no installed plugin is called equal (installed: equals)" in typo.stderr
