"""Build steps and CI end to end: filter mode, -o, --cache-only, check, the pre-commit hooks."""

from __future__ import annotations

from pathlib import Path
import re
import shlex
import shutil
import subprocess
import sys
from typing import Any

import pytest
import yaml

from mdslides_prompts.fileio import DECK_SUFFIXES, find_decks

from .cli_tools import cli, cli_json, markers, openai_server, process
from .conftest import CORPUS, ROOT, pristine_example, require, require_corpus

# The keys pre-commit accepts in a hook manifest (pre_commit/clientlib.py, MANIFEST_HOOK_DICT).
PRE_COMMIT_KEYS = {
    "id", "name", "entry", "language", "alias", "files", "exclude", "types", "types_or",
    "exclude_types", "additional_dependencies", "args", "always_run", "fail_fast",
    "pass_filenames", "description", "language_version", "log_file",
    "minimum_pre_commit_version", "require_serial", "stages", "verbose",
}  # fmt: skip


@pytest.fixture
def deck(tmp_path: Path) -> Path:
    return pristine_example(tmp_path / "deck")


@pytest.mark.parametrize(
    "name",
    [
        "marp--SOUSUKEKUROSAWA--marp--sample.md",
        "slidev--slidevjs--slidev--composable-vue-slides.md",
        "remark--daler--docker-rw2019--slides.md",
    ],
)
def test_filter_mode_detects_the_format_and_matches_dash_o(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    source = CORPUS / name
    require_corpus(source)
    deck = tmp_path / "deck.md"
    shutil.copyfile(source, deck)  # writable: the corpus is read-only
    out = tmp_path / "build" / "deck.md"
    assert cli(capsys, "run", deck, "-o", out)[0] == 0
    assert deck.read_bytes() == source.read_bytes()  # the source is never touched
    assert cli(capsys, "check", out)[0] == 0 and markers(out)
    piped = process("run", "-", stdin=source.read_bytes(), cwd=tmp_path)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == out.read_bytes()
    assert b"image-prompt" not in piped.stderr  # progress goes to stderr, the deck to stdout


def test_cache_only_uses_the_cache_only_lists_misses_and_exits_1(
    deck: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build = tmp_path / "build" / "talk.md"
    code, _, err = cli(capsys, "run", deck, "-o", build, "--cache-only")
    assert code == 1 and markers(build) == []  # written as far as it goes: no prompt
    # Not even the deck's art direction is cached: every slide's request waits for it.
    assert err.count(" missed: no cached answer for the deck's art direction (--cache-only)") == 20
    assert "slides 1, 2, 3" in err and "not in the cache (--cache-only)" in err
    assert cli(capsys, "run", deck, "-o", build)[0] == 0  # fills the cache
    expected = build.read_bytes()
    build.unlink()
    text = deck.read_text(encoding="utf-8")
    deck.write_text(text.replace("## Take-aways", "## Take-aways for planners"))
    report = cli_json(capsys, "run", deck, "-o", build, "--cache-only")
    missed = [s["index"] for s in report["decks"][0]["slides"] if s["action"] == "missed"]
    assert missed == [18, 19, 20]  # the edited slide and its neighbours (titles in context)
    assert report["totals"]["cache_hits"] == 17 and report["totals"]["requests"] == 0
    deck.write_text(text)
    assert cli(capsys, "run", deck, "-o", build, "--cache-only")[0] == 0
    assert build.read_bytes() == expected
    code, _, err = cli(capsys, "run", deck, "--cache-only", "--no-cache")
    assert code == 2 and "cannot turn it off" in err


def test_cache_only_needs_no_credentials_for_a_provider_that_has_them(
    deck: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    with openai_server(monkeypatch) as (server, _):
        monkeypatch.setenv("INFOMANIAK_API_TOKEN", "tok-test")
        monkeypatch.setenv("INFOMANIAK_PRODUCT_ID", "42")
        monkeypatch.setenv("INFOMANIAK_BASE_URL", server.url)
        first = tmp_path / "first.md"
        assert cli(capsys, "run", deck, "-o", first, "--rpm", "0")[0] == 0  # auto: infomaniak
        assert len(server.posts) == 21  # 20 slides and the deck's art direction
    for name in ("INFOMANIAK_API_TOKEN", "INFOMANIAK_PRODUCT_ID", "INFOMANIAK_BASE_URL"):
        monkeypatch.delenv(name)
    again = tmp_path / "again.md"
    code, _, err = cli(capsys, "run", deck, "-o", again, "--cache-only", "--provider", "infomaniak")
    assert code == 0, err
    assert again.read_bytes() == first.read_bytes()
    code, _, err = cli(capsys, "run", deck, "-o", again, "--cache-only")  # auto: offline
    assert code == 1 and "missed" in err


def test_check_is_the_ci_gate(deck: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "check", deck.parent)
    assert code == 1 and "need a prompt" in err
    data = cli_json(capsys, "check", deck)
    assert data["slides"] == 20 and len(data["problems"]) == 20
    assert data["problems"][0] == {
        "path": str(deck), "line": 9, "index": 1, "title": "Alpine Glaciers",
        "status": "missing", "problem": None,
    }  # fmt: skip
    assert cli(capsys, "run", deck.parent, "-q") == (0, "", "")
    assert cli(capsys, "check", deck.parent)[0] == 0


def test_ignore_unknown_skips_named_files_that_are_not_decks(
    deck: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = deck.parent / "README.md"
    code, _, err = cli(capsys, "check", readme, deck)
    assert code == 2 and "cannot tell which slide tool" in err
    code, _, err = cli(capsys, "run", readme, deck, "--ignore-unknown")
    assert code == 0 and "README.md: skipped" in err and len(markers(deck)) == 20
    assert cli(capsys, "check", readme, "--ignore-unknown")[0] == 0


def _hook_command(hook: dict[str, object], files: list[Path]) -> list[str]:
    script = shutil.which("mdslides-prompts", path=str(Path(sys.executable).parent))
    require(script is not None, "console script not installed")
    entry = shlex.split(str(hook["entry"]))
    assert entry[0] == "mdslides-prompts"
    args = [str(a) for a in hook.get("args", [])]  # type: ignore[attr-defined]
    return [str(script), *entry[1:], *args, *map(str, files)]


def test_pre_commit_hooks_run_check_and_run_on_staged_files(
    deck: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == ["mdslides-prompts-check", "mdslides-prompts-run"]
    for hook in hooks:
        assert set(hook) <= PRE_COMMIT_KEYS and {"id", "name", "entry", "language"} <= set(hook)
        assert hook["language"] == "python"
    check, run = hooks
    staged = [deck.parent / "README.md", deck, deck.parent / "slidev-deck.md"]
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("PRE_COMMIT", "1")  # as pre-commit runs its hooks
    found = subprocess.run(_hook_command(check, staged), capture_output=True, text=True)
    assert found.returncode == 1 and "talk.md:9: slide 1: missing" in found.stdout
    # No credentials: no placeholder prompts unless the hook's args ask for them.
    refused = subprocess.run(_hook_command(run, staged), capture_output=True, text=True)
    assert refused.returncode == 2 and markers(deck) == []
    assert len(refused.stderr.splitlines()) == 1 and "--provider offline" in refused.stderr
    run = {**run, "args": ["--provider", "offline"]}
    wrote = subprocess.run(_hook_command(run, staged), capture_output=True, text=True)
    assert wrote.returncode == 0 and wrote.stderr == "" and len(markers(deck)) == 20
    clean = subprocess.run(_hook_command(check, staged), capture_output=True, text=True)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "image-prompt" not in (deck.parent / "README.md").read_text()


def test_the_check_hook_opens_no_connection_with_credentials_set(
    deck: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pre-commit.ci runs hooks without a network: ``check`` must not need one, even where
    a provider is configured. Every address it could use points at a listening socket here."""
    import socket

    (check, _run) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    for name in ("INFOMANIAK_BASE_URL", "MDSLIDES_PROMPTS_BASE_URL", "HTTP_PROXY", "HTTPS_PROXY",
                 "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):  # fmt: skip
        monkeypatch.setenv(name, url)
    monkeypatch.setenv("INFOMANIAK_API_TOKEN", "secret-token-1234")
    monkeypatch.setenv("INFOMANIAK_PRODUCT_ID", "1234")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    with listener:
        found = subprocess.run(_hook_command(check, [deck]), capture_output=True, text=True)
        assert found.returncode == 1 and "talk.md:9: slide 1: missing" in found.stdout
        with pytest.raises(TimeoutError):
            listener.accept()  # nobody knocked
    assert "secret" not in found.stdout + found.stderr


def _pre_commit_selects(hook: dict[str, Any], path: Path) -> bool:
    """Whether pre-commit passes *path* to *hook*: its ``files``/``exclude`` regexes, then
    identify's tags against ``types`` (all), ``types_or`` (any) and ``exclude_types``, with
    pre-commit's defaults (pre_commit/commands/run.py, ``Classifier``)."""
    from identify.identify import tags_from_path

    name = path.name
    if not re.search(hook.get("files", ""), name) or re.search(hook.get("exclude", "^$"), name):
        return False
    tags = tags_from_path(str(path))
    types, types_or = set(hook.get("types", ["file"])), set(hook.get("types_or", []))
    return (
        types <= tags
        and (not types_or or bool(tags & types_or))
        and not (tags & set(hook.get("exclude_types", [])))
    )


def test_pre_commit_hooks_see_every_deck_the_tool_reads(tmp_path: Path) -> None:
    from identify.identify import tags_from_filename

    assert "quarto" in tags_from_filename("talk.qmd") and not tags_from_filename("talk.Rmd")
    decks = [f"talk{s}" for s in DECK_SUFFIXES] + ["talk.Rmd", "TALK.MD", "talk.QMD"]
    others = ["notes.txt", "talk.md.orig", "talk.html", "script.R", "slides.rst", "md"]
    for name in decks + others:
        (tmp_path / name).write_text("# A slide\n", encoding="utf-8")
    assert {p.name for p in find_decks(tmp_path)} == set(decks)  # what the tool reads
    (tmp_path / "logo.Rmd").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")  # not text
    for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text()):
        selected = {p.name for p in tmp_path.iterdir() if _pre_commit_selects(hook, p)}
        assert selected == set(decks), hook["id"]
