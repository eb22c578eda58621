"""The CLI end to end, on temp copies of real decks."""

from __future__ import annotations

import json
import os
from pathlib import Path
import re
import shutil
import subprocess
import sys

import pytest

from mdslides_prompts.cli import main

from .conftest import CORPUS, pristine_example, require, require_corpus


@pytest.fixture
def deck(tmp_path: Path) -> Path:
    return pristine_example(tmp_path / "deck")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_run_check_strip_cycle(deck: Path, capsys: pytest.CaptureFixture[str]) -> None:
    original = deck.read_bytes()
    code, _, err = run(capsys, "check", str(deck))
    assert code == 1 and "0 deck" not in err
    code, _, err = run(capsys, "run", str(deck))
    assert code == 0
    assert "offline provider" in err and "20 slides (20 generated); written to" in err
    code, out, err = run(capsys, "check", str(deck))
    assert (code, out) == (0, "") and "all prompts present and fresh" in err
    written = deck.read_bytes()
    code, _, err = run(capsys, "run", str(deck))
    assert code == 0 and "20 kept" in err and "unchanged" in err
    assert deck.read_bytes() == written
    code, _, err = run(capsys, "strip", str(deck))
    assert code == 0 and "20 prompt markers removed" in err
    assert deck.read_bytes() == original


def test_check_names_stale_missing_and_unparsable(
    deck: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "run", str(deck))
    text = deck.read_text(encoding="utf-8")
    text = re.sub(
        r"^(#+ )Measuring mass balance$", r"\1Measuring the mass balance", text, flags=re.M
    )
    text = re.sub(r"(image-prompt [^|\n]*\| )", r"\1-- broken ", text, count=1)  # slide 1's
    deck.write_text(text + "\n---\n\n# A brand new slide\n", encoding="utf-8")
    code, out, _ = run(capsys, "check", str(deck))
    assert code == 1
    lines = out.splitlines()
    assert any(": slide 1: unparsable (prompt marker text contains '--'" in line for line in lines)
    assert any(": slide 8: stale" in line for line in lines)
    assert any(": slide 21: missing" in line for line in lines)
    assert len(lines) == 3 and all(line.startswith(str(deck)) for line in lines)


def test_hand_edited_prompt_passes_check_and_is_kept(
    deck: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "run", str(deck))
    text = deck.read_text(encoding="utf-8")
    start = text.index("| ", text.index("<!-- image-prompt")) + 2
    end = text.index(" -->", start)
    deck.write_text(text[:start] + "my own hand-written prompt" + text[end:], encoding="utf-8")
    assert run(capsys, "check", str(deck))[0] == 0
    _, out, _ = run(capsys, "inspect", str(deck), "--json")
    assert json.loads(out)["slides"][0]["status"] == "edited"
    run(capsys, "run", str(deck))
    assert "my own hand-written prompt" in deck.read_text(encoding="utf-8")
    run(capsys, "run", str(deck), "--force")
    assert "my own hand-written prompt" not in deck.read_text(encoding="utf-8")


def test_inspect_json(deck: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "inspect", str(deck), "--json")
    data = json.loads(out)
    assert code == 0 and data["path"] == str(deck) and data["format"] == "marp"
    assert len(data["slides"]) == 20
    first = data["slides"][0]
    assert set(first) >= {"index", "start_line", "end_line", "title", "prompt", "status"}
    assert (first["index"], first["start_line"], first["status"], first["prompt"]) == (
        1,
        9,
        "missing",
        None,
    )
    code, out, _ = run(capsys, "inspect", str(deck))
    assert code == 0 and "Alpine Glaciers" in out


def test_output_and_stdout_leave_the_source_alone(
    deck: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = deck.read_bytes()
    out_file = tmp_path / "build" / "talk.md"
    assert run(capsys, "run", str(deck), "-o", str(out_file))[0] == 0
    assert deck.read_bytes() == original and out_file.read_text().count("<!-- image-prompt") == 20
    code, out, _ = run(capsys, "run", str(deck), "--stdout")
    assert code == 0 and out.count("<!-- image-prompt") == 20 and deck.read_bytes() == original


def test_folders_skip_files_that_are_not_decks(
    deck: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "run", str(deck.parent), "--json")
    assert code == 0
    assert "README.md: skipped, not a slide deck" in err
    summary = json.loads(out)
    names = ["reveal-deck.md", "slidev-deck.md", "talk.md"]
    assert [d["path"] for d in summary["decks"]] == [str(deck.parent / n) for n in names]
    assert summary["totals"]["generated"] == 20 + 16 + 17  # one Slidev slide is hidden
    out_dir = tmp_path / "out"
    run(capsys, "strip", str(deck.parent))
    assert run(capsys, "run", str(deck.parent), "-o", str(out_dir))[0] == 0
    assert sorted(p.name for p in out_dir.iterdir()) == names


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "missing.md"], "missing.md: no such file or folder"),
        (["run", "bad.md"], "bad.md: not valid UTF-8"),
        (["run", "plain.md"], "cannot tell which slide tool this deck is for; pass --format"),
        (["run", "plain.md", "--format", "keynote"], "unknown format 'keynote'"),
        (["run", "plain.md", "--format", "marp", "--provider", "nope"], "unknown provider 'nope'"),
        (["run", "plain.md", "--stdout", "-o", "x"], "--stdout and -o cannot be used together"),
        (["inspect", "."], "inspect takes one file, not a folder"),
        (
            ["run", "plain.md", "--format", "remark", "--mode", "frontmatter"],
            "remark decks cannot take prompts in 'frontmatter' mode; try --mode comment",
        ),
        (["run", "empty-folder"], "no slide decks found"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    args: list[str], message: str,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.md").write_bytes(b"# caf\xe9\n")
    (tmp_path / "plain.md").write_text("# Just notes\n\nNothing Marp about it.\n")
    (tmp_path / "marp.md").write_text("---\nmarp: true\n---\n\n# A\n")
    (tmp_path / "empty-folder").mkdir()
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "run")
    assert code == 2 and "Missing argument" in err
    code, _, err = run(capsys, "frobnicate")
    assert code == 2 and "No such command" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--concurrency", "1000000"], "Invalid value for '--concurrency': 1000000 is not in"),
        (["--timeout", "-3"], "--timeout: must be at least 0.001, not -3"),
        (["--temperature", "9"], "--temperature: must be between 0 and 2, not 9"),
        (["--mode", "nope"], "Invalid value for '--mode': 'nope' is not one of"),
        (["--nope"], "No such option '--nope'"),
    ],
)
def test_every_bad_option_is_one_line(
    deck: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run(capsys, "run", str(deck), "--provider", "offline", *args)
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and err.startswith(f"mdslides-prompts: {message}")


def _cli(
    *args: str, stdin: bytes | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "mdslides_prompts", *args], input=stdin, capture_output=True,
        cwd=cwd, env={**os.environ, "NO_COLOR": "1"}, timeout=60,
    )  # fmt: skip


def test_filter_mode_is_byte_exact_for_crlf_and_bom() -> None:
    data = "\ufeff---\r\nmarp: true\r\n---\r\n\r\n# Été\r\n\r\n---\r\n\r\n# Winter".encode()
    result = _cli("run", "-", "--format", "marp", stdin=data)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith(b"\xef\xbb\xbf") and not out.endswith(b"\n")
    assert out.count(b"\r\n") == out.count(b"\n") and out.count(b"<!-- image-prompt") == 2
    stripped = _cli("strip", "-", "--format", "marp", stdin=out)
    assert stripped.returncode == 0 and stripped.stdout == data


def test_a_deck_from_stdin_goes_to_the_output_file_named(tmp_path: Path) -> None:
    data = b"---\nmarp: true\n---\n\n# One\n\n---\n\n# Two\n"
    out = tmp_path / "out.md"
    result = _cli("run", "-", "--format", "marp", "-o", str(out), stdin=data)
    assert result.returncode == 0 and result.stdout == b"", result.stderr
    assert out.read_bytes().count(b"<!-- image-prompt") == 2
    back = tmp_path / "back.md"
    stripped = _cli("strip", "-", "--format", "marp", "-o", str(back), stdin=out.read_bytes())
    assert stripped.returncode == 0 and stripped.stdout == b"", stripped.stderr
    assert back.read_bytes() == data


def test_console_script_and_module_agree(tmp_path: Path) -> None:
    script = shutil.which("mdslides-prompts", path=str(Path(sys.executable).parent))
    require(script is not None, "console script not installed")
    assert script is not None
    version = subprocess.run([script, "--version"], capture_output=True, text=True, check=True)
    assert "mdslides-prompts, version" in version.stdout
    assert _cli("--version").stdout.decode() == version.stdout


def test_corpus_marp_deck_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = CORPUS / "marp--SOUSUKEKUROSAWA--marp--sample.md"
    require_corpus(source)
    deck = tmp_path / "sample.md"
    shutil.copyfile(source, deck)  # writable: the corpus is read-only
    assert run(capsys, "run", str(deck))[0] == 0
    assert run(capsys, "check", str(deck))[0] == 0
    run(capsys, "strip", str(deck))
    assert deck.read_bytes() == source.read_bytes()


def test_switching_mode_rewrites_markers_without_new_prompts(
    deck: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "run", str(deck))
    prompts = json.loads(run(capsys, "inspect", str(deck), "--json")[1])
    code, _, err = run(capsys, "run", str(deck), "--mode", "reference", "--no-cache")
    assert code == 0 and "20 kept" in err and "written to" in err
    text = deck.read_text(encoding="utf-8")
    assert text.count("[image-prompt src=") == 20 and "<!-- image-prompt" not in text
    assert json.loads(run(capsys, "inspect", str(deck), "--json")[1]) == prompts
    assert run(capsys, "check", str(deck))[0] == 0
    code, _, err = run(capsys, "run", str(deck), "--mode", "reference")
    assert "unchanged" in err


def test_strip_refuses_one_deck_and_strips_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A marker moved by hand between a paragraph and a rule: without it the rule would
    underline the paragraph (one slide fewer), so that deck is left as it is, and
    reported; the author's flagged marker stays; the other deck is stripped."""
    moved = (
        "---\nmarp: true\n---\n\nA\n<!-- image-prompt src=00000000 sum=00000000 | x -->\n---\nB\n"
    )
    flagged = "---\nmarp: true\n---\n\nA\n<!-- image-prompt skip -->\n---\nB\n"
    ours = "---\nmarp: true\n---\n<!-- image-prompt src=00000000 sum=00000000 | x -->\n\nA\n"
    for name, text in (("a.md", moved), ("b.md", flagged), ("c.md", ours)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    code, _, err = run(capsys, "strip", str(tmp_path))
    assert code == 1
    assert "a.md: marp plugin output refused: it would change the deck's slides" in err
    assert "b.md: no prompt markers to remove; unchanged" in err
    assert "c.md: 1 prompt marker removed; written to" in err
    assert (tmp_path / "a.md").read_text(encoding="utf-8") == moved
    assert (tmp_path / "b.md").read_text(encoding="utf-8") == flagged
    assert (tmp_path / "c.md").read_text(encoding="utf-8") == "---\nmarp: true\n---\n\nA\n"
