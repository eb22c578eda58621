"""A format plugin as one :class:`~mdslides_prompts.formats.base.Format` object: a third
party's subclass splits, writes and strips decks through the pipeline, takes only its
own modes, and leaves every other deck to the other plugins; the built-in formats are
such objects and list the same hooks as before."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
import json
from pathlib import Path

import pytest

from mdslides_prompts import (
    Deck,
    Key,
    Pipeline,
    PluginError,
    Settings,
    Slide,
    SlidePrompt,
    UsageError,
    get_plugin_manager,
)
from mdslides_prompts.deck import split_lines
from mdslides_prompts.detection import Evidence, Strength
from mdslides_prompts.formats.base import Format
from mdslides_prompts.formats.lines import strip_markers, write_markers
from mdslides_prompts.marker import is_marker_candidate, parse_marker, render_marker
from mdslides_prompts.plugins import plugin_infos
from mdslides_prompts.workspace import config_keys

from .cli_tools import process

DECK = "%% plus\n# Harbour at dawn\n\nBoats.\n+++\n# The market\n\nFish and ice.\n+++\n\n"


class Plus(Format):
    """'plus' decks, as a third party would write them: a ``%% plus`` line, then slides
    separated by ``+++`` lines; prompts as comments."""

    names = ("plus",)

    def evidence(self, deck: Deck, settings: Settings) -> list[Evidence]:
        if not deck.text.startswith("%% plus"):
            return []
        return [Evidence(("plus",), Strength.DECLARED, "a %% plus line")]

    def split(self, deck: Deck, settings: Settings) -> Deck:
        lines = split_lines(deck.text)
        cuts = [1] + [n for n, line in enumerate(lines, 1) if line.rstrip() == "+++"]
        slides = []
        for index, cut in enumerate(cuts, 1):
            body = range(cut + 1, cuts[index] if index < len(cuts) else len(lines) + 1)
            candidates = [n for n in body if is_marker_candidate(lines[n - 1])]
            found = [parse_marker(lines[n - 1], n) for n in candidates]
            text = "".join(lines[n - 1] for n in body if n not in {m.line for m in found})
            title = next((t[2:].strip() for t in text.splitlines() if t.startswith("# ")), None)
            slides.append(
                Slide(index, cut + 1, body.stop - 1, text, title, markers=tuple(found),
                      anchor_line=cut, skip_reason=None if text.strip() else "empty")
            )  # fmt: skip
        return replace(deck, slides=tuple(slides))

    def inject(
        self, deck: Deck, prompts: Mapping[int, SlidePrompt], mode: str, settings: Settings
    ) -> str:
        return write_markers(deck, prompts)

    def strip(self, deck: Deck, settings: Settings) -> str:
        return strip_markers(deck)


class PlusWithReferences(Plus):
    """Plus, taking the ``reference`` mode too (its markers stay comments)."""

    modes = ("comment", "reference")


class PlusWithColumns(Plus):
    """Plus, with a configuration key of its own."""

    keys = (Key("columns", "int", "columns per slide", low=1, high=4),)


class PlusReadOnly(Format):
    """A format that only reads decks: it splits them (as Plus does) and writes nothing."""

    names = ("plus",)

    def split(self, deck: Deck, settings: Settings) -> Deck:
        return Plus().split(deck, settings)


def pipeline(*plugins: object, **settings: object) -> Pipeline:
    pm = get_plugin_manager(load_entrypoints=False, extra=plugins)
    return Pipeline(Settings(**settings), pm)  # type: ignore[arg-type]


def test_a_format_object_splits_writes_and_strips_a_deck_through_the_pipeline(
    tmp_path: Path,
) -> None:
    path = tmp_path / "harbour.md"
    path.write_text(DECK, encoding="utf-8")
    run = pipeline(Plus())
    deck = run.load(path)
    assert deck.format == "plus"  # detected from its evidence
    assert [(s.title, s.status.value) for s in deck.slides] == [
        ("Harbour at dawn", "missing"), ("The market", "missing"), (None, "skipped")
    ]  # fmt: skip
    [report] = run.run([deck], lambda d: d.path)
    assert report.written and len(report.outcomes) == 3
    written = run.load(path)
    assert [bool(s.prompt) for s in written.slides] == [True, True, False]
    lines = split_lines(path.read_text(encoding="utf-8"))
    assert lines[1].startswith("<!-- ") and lines[2] == "# Harbour at dawn\n"
    assert run.strip(written) == DECK


def test_a_mode_not_in_modes_is_refused_in_one_line() -> None:
    deck = Deck.from_text(DECK)
    refusing = pipeline(Plus(), mode="reference")
    with pytest.raises(UsageError) as refused:
        refusing.check_mode(refusing.parse(deck))
    assert str(refused.value) == (
        "<stdin>: plus decks cannot take prompts in 'reference' mode; try --mode comment"
    )
    taking = pipeline(PlusWithReferences(), mode="reference")
    taking.check_mode(taking.parse(deck))


def test_a_format_object_answers_only_for_its_own_formats() -> None:
    plus = Plus()
    run = pipeline(plus)
    marp = run.parse(Deck.from_text("---\nmarp: true\n---\n\n# A\n\n---\n\n# B\n"))
    assert marp.format == "marp" and len(marp.slides) == 2  # the built-in split it
    given = {"prompts": {}, "mode": "comment", "settings": Settings()}
    assert plus.mdslides_split_deck(deck=marp, settings=Settings()) is None
    assert plus.mdslides_inject_prompts(deck=marp, **given) is None
    assert plus.mdslides_strip_prompts(deck=marp, settings=Settings()) is None
    own = run.parse(Deck.from_text(DECK))
    assert plus.mdslides_inject_prompts(deck=own, **given) == DECK


def test_a_format_that_only_reads_refuses_to_write_and_to_strip() -> None:
    run = pipeline(PlusReadOnly(), format="plus")  # it gives no evidence
    marker = render_marker("a boat", "abc123ab")
    deck = run.parse(Deck.from_text(DECK.replace("Boats.", f"{marker}\nBoats.")))
    assert [s.prompt for s in deck.slides] == ["a boat", None, None]
    with pytest.raises(UsageError, match="cannot take prompts in 'comment' mode"):
        run.check_mode(deck)
    with pytest.raises(PluginError, match="no plugin can strip 'plus' decks"):
        run.strip(deck)


def test_keys_are_declared_only_by_a_format_that_has_some() -> None:
    plain, columns = Plus(), PlusWithColumns()
    pm = get_plugin_manager(load_entrypoints=False, extra=[plain, columns])
    assert config_keys(pm)["columns"].help == "columns per slide"
    hooks = {info.name: info.hooks for info in plugin_infos(pm)}
    assert "mdslides_config_keys" not in hooks[pm.get_name(plain)]
    assert "mdslides_config_keys" in hooks[pm.get_name(columns)]


def test_the_built_in_formats_list_the_hooks_they_use() -> None:
    rows = {row["name"]: row for row in json.loads(process("plugins", "--json").stdout)}
    format_hooks = [
        "mdslides_format_evidence", "mdslides_format_names", "mdslides_inject_prompts",
        "mdslides_placement", "mdslides_split_deck", "mdslides_strip_prompts",
    ]  # fmt: skip
    assert rows["mdslides_prompts.formats.lookatme"]["hooks"] == format_hooks  # no pictures
    placing = sorted([*format_hooks, "mdslides_inject_pictures"])  # they place pictures
    for name in ("marp", "slidev", "deckset", "remark"):
        assert rows[f"mdslides_prompts.formats.{name}"]["hooks"] == placing, name
    for name in ("pandoc", "reveal"):
        hooks = rows[f"mdslides_prompts.formats.{name}"]["hooks"]
        assert hooks == sorted([*placing, "mdslides_config_keys"]), name
    assert rows["mdslides_prompts.formats.pandoc"]["formats"] == ["pandoc", "quarto"]
