"""The pipeline through real plugins: cache, statuses, failures, concurrent edits, plugins."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from mdslides_prompts import (
    Action,
    Deck,
    Pipeline,
    PluginError,
    PromptRequest,
    ProviderError,
    Settings,
    Slide,
    SlidePrompt,
    Status,
    UsageError,
    get_plugin_manager,
    hookimpl,
)
from mdslides_prompts.cache import PromptCache, cache_key
from mdslides_prompts.formats import marp
from mdslides_prompts.marker import render_marker
from mdslides_prompts.providers.base import PromptContext

from .conftest import pristine_example

DECK = "---\nmarp: true\ntitle: Rivers\n---\n\n# Source\n\nSprings\n\n---\n\n# Delta\n\nSilt\n"


class RecordingProvider:
    """A provider plugin with memory: answers from a function and records every request."""

    name = "recording"
    model = "rec-1"

    def __init__(self, answer=lambda req: f"image of {req.context.slide_title}") -> None:  # type: ignore[no-untyped-def]
        self.answer = answer
        self.requests: list[PromptRequest] = []
        """The slides' requests."""
        self.art: list[PromptRequest] = []
        """The art-direction requests (answered "ink sketch")."""

    async def generate(self, request: PromptRequest) -> str:
        if request.context.purpose == "art-direction":
            self.art.append(request)
            return "ink sketch"
        self.requests.append(request)
        return str(self.answer(request))

    async def aclose(self) -> None:
        pass

    @hookimpl
    def mdslides_provider_names(self) -> list[str]:
        return ["recording"]

    @hookimpl
    def mdslides_get_provider(self, name: str) -> RecordingProvider | None:
        return self if name == "recording" else None


def make(provider: object, **settings: object) -> Pipeline:
    pm = get_plugin_manager(load_entrypoints=False, extra=[provider])
    return Pipeline(Settings(provider="recording", **settings), pm)  # type: ignore[arg-type]


def write_deck(tmp_path: Path, text: str = DECK) -> Path:
    path = tmp_path / "deck.md"
    path.write_text(text, encoding="utf-8", newline="")
    return path


def test_run_writes_prompts_and_second_run_uses_nothing(tmp_path: Path) -> None:
    provider = RecordingProvider()
    pipeline = make(provider)
    path = write_deck(tmp_path)
    [report] = pipeline.run([pipeline.load(path)], lambda d: d.path)
    assert report.written and report.count(Action.GENERATED) == 2
    assert "image of Source. Ink sketch" in path.read_text()
    assert "image of Delta. Ink sketch" in path.read_text()
    mtime = path.stat().st_mtime_ns
    [again] = pipeline.run([pipeline.load(path)], lambda d: d.path)
    assert again.count(Action.KEPT) == 2 and not again.written
    assert path.stat().st_mtime_ns == mtime  # not rewritten
    assert len(provider.requests) == 2 and len(provider.art) == 1


def test_only_chooses_the_slides_that_get_prompts(tmp_path: Path) -> None:
    provider = RecordingProvider()
    pipeline = make(provider)
    deck = pipeline.load(write_deck(tmp_path))
    [plans] = pipeline.plan([deck], only=lambda d, s: s.title == "Delta")
    assert [p.action for p in plans] == [Action.KEPT, None]  # None: it would be asked for
    [report] = pipeline.run([deck], only=lambda d, s: s.title == "Delta")
    assert [(o.action, o.reason) for o in report.outcomes] == [
        (Action.KEPT, "not selected"), (Action.GENERATED, "missing")
    ]  # fmt: skip
    assert [r.context.slide_title for r in provider.requests] == ["Delta"]


def test_cache_answers_the_same_request(tmp_path: Path) -> None:
    provider = RecordingProvider()
    path = write_deck(tmp_path)
    make(provider).run([make(provider).load(path)])  # not written: nowhere to go
    [report] = make(provider).run([make(provider).load(path)])
    assert report.count(Action.CACHED) == 2 and len(provider.requests) == 2
    [report] = make(provider, use_cache=False).run([make(provider).load(path)])
    assert report.count(Action.GENERATED) == 2 and len(provider.requests) == 4


def test_cache_key_covers_what_decides_the_answer() -> None:
    context = PromptContext(slide_text="x", slide_title="T")
    request = PromptRequest(({"role": "user", "content": "x"},), context, {"temperature": 0.2})
    base = cache_key("p", "m", request)
    assert cache_key("p", "m", request) == base
    assert cache_key("q", "m", request) != base
    assert cache_key("p", "n", request) != base
    assert cache_key("p", "m", replace(request, params={"temperature": 0.3})) != base
    assert (
        cache_key("p", "m", replace(request, messages=({"role": "user", "content": "y"},))) != base
    )
    assert cache_key("p", "m", replace(request, context=replace(context, theme="gaia"))) != base


def test_cache_lives_where_the_environment_says(tmp_path: Path, _isolated_cache: Path) -> None:
    provider = RecordingProvider()
    make(provider).run([make(provider).load(write_deck(tmp_path))])
    assert len(PromptCache(_isolated_cache)) == 3  # two slides and the art direction
    other = tmp_path / "elsewhere"
    make(provider, cache_dir=other).run([make(provider).load(write_deck(tmp_path))])
    assert len(PromptCache(other)) == 3


def test_stale_edited_fresh_and_force(tmp_path: Path) -> None:
    provider = RecordingProvider()
    pipeline = make(provider, use_cache=False)
    path = write_deck(tmp_path)
    pipeline.run([pipeline.load(path)], lambda d: d.path)
    text = path.read_text()
    # The author edits slide 2 and rewrites slide 1's prompt by hand.
    text = text.replace("Silt", "Silt and sand").replace("image of Source", "my own prompt")
    path.write_text(text)
    deck = pipeline.load(path)
    assert [s.status for s in deck.slides] == [Status.EDITED, Status.STALE]
    [report] = pipeline.run([deck], lambda d: d.path)
    assert [o.action for o in report.outcomes] == [Action.KEPT, Action.GENERATED]
    assert "my own prompt" in path.read_text()
    forced = make(provider, use_cache=False, force=True)
    [report] = forced.run([forced.load(path)], lambda d: d.path)
    assert [o.action for o in report.outcomes] == [Action.GENERATED, Action.GENERATED]
    assert "my own prompt" not in path.read_text()


def test_unparsable_marker_is_reported_not_overwritten(tmp_path: Path) -> None:
    broken = DECK.replace("# Source\n", "# Source\n<!-- image-prompt src=00 | broken -->\n")
    path = write_deck(tmp_path, broken)
    pipeline = make(RecordingProvider())
    [report] = pipeline.run([pipeline.load(path)], lambda d: d.path)
    assert report.outcomes[0].action is Action.FAILED and "--force" in (
        report.outcomes[0].error or ""
    )
    assert "<!-- image-prompt src=00 | broken -->" in path.read_text()
    assert report.outcomes[1].action is Action.GENERATED  # the other slide is written
    forced = make(RecordingProvider(), force=True)
    forced.run([forced.load(path)], lambda d: d.path)
    assert "broken" not in path.read_text()


def test_failing_slides_keep_their_state_others_are_written(tmp_path: Path) -> None:
    def answer(request: PromptRequest) -> str:
        if request.context.slide_title == "Delta":
            raise ProviderError("the model is on strike")
        return "a spring in the mountains"

    path = write_deck(tmp_path)
    pipeline = make(RecordingProvider(answer))
    [report] = pipeline.run([pipeline.load(path)], lambda d: d.path)
    assert [o.action for o in report.failed] == [Action.FAILED]
    assert report.failed[0].error == "the model is on strike"
    statuses = [s.status for s in pipeline.load(path).slides]
    assert statuses == [Status.FRESH, Status.MISSING]


def test_a_provider_bug_fails_one_slide_not_the_run(tmp_path: Path) -> None:
    pipeline = make(RecordingProvider(lambda req: 1 / 0))
    [report] = pipeline.run([pipeline.load(write_deck(tmp_path))])
    assert all(
        o.action is Action.FAILED and "ZeroDivisionError" in (o.error or "")
        for o in report.outcomes
    )


def test_never_overwrites_an_edit_made_during_the_run(tmp_path: Path) -> None:
    path = write_deck(tmp_path)

    def answer(request: PromptRequest) -> str:
        path.write_text(DECK + "\nAuthor typed this meanwhile.\n")
        return "a prompt"

    pipeline = make(RecordingProvider(answer), use_cache=False)
    [report] = pipeline.run([pipeline.load(path)], lambda d: d.path)
    assert report.error and "changed on disk" in report.error and not report.written
    assert path.read_text().endswith("Author typed this meanwhile.\n")


def test_example_deck_offline_end_to_end(tmp_path: Path, pipeline: Pipeline) -> None:
    path = pristine_example(tmp_path / "deck")
    original = path.read_bytes()
    [report] = pipeline.run([pipeline.load(path)], lambda d: d.path)
    assert report.count(Action.GENERATED) == 20 and report.written
    deck = pipeline.load(path)
    assert {s.status for s in deck.slides} == {Status.FRESH}
    assert path.read_bytes() != original
    [stripped] = pipeline.strip_decks([deck], lambda d: d.path)
    assert stripped.written and path.read_bytes() == original


def test_unknown_names_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="unknown format 'keynote'"):
        Pipeline(Settings(format="keynote"))
    pipeline = Pipeline(Settings(provider="nope"))
    with pytest.raises(
        UsageError, match="unknown provider 'nope'; choose from infomaniak, offline, openai"
    ):
        pipeline.run([pipeline.parse(Deck.from_text(DECK))])


class HijackingFormat:
    """A third-party format plugin that claims every deck and injects badly."""

    @hookimpl
    def mdslides_format_names(self) -> list[str]:
        return ["careless"]

    @hookimpl
    def mdslides_detect_format(self, deck: Deck) -> str | None:
        return "careless" if "careless" in deck.text else None

    @hookimpl
    def mdslides_split_deck(self, deck: Deck) -> Deck | None:
        if deck.format != "careless":
            return None
        slide = Slide(index=1, start_line=1, end_line=1, text=deck.text.strip())
        return replace(deck, slides=(slide,))

    @hookimpl
    def mdslides_inject_prompts(self, deck: Deck) -> str | None:
        return (
            deck.text + "\nextra content that changes the slide\n"
            if deck.format == "careless"
            else None
        )


def test_plugins_take_over_and_are_held_to_the_contract() -> None:
    pipeline = Pipeline(
        Settings(), get_plugin_manager(load_entrypoints=False, extra=[HijackingFormat()])
    )
    assert {"careless", "marp"} <= set(pipeline.format_names())
    deck = pipeline.parse(Deck.from_text("careless deck"))
    assert deck.format == "careless"
    refused = "careless plugin output refused: it would change the deck's slides"
    with pytest.raises(PluginError, match=refused):
        pipeline.inject(deck, {1: SlidePrompt(1, "p", deck.slides[0].content_hash)})
    # In a run, the refusal costs the slide, not the run.
    [report] = pipeline.run([deck])
    assert report.text == deck.text and not report.changed
    assert [(o.action, o.error) for o in report.outcomes] == [(Action.FAILED, refused)]
    # Built-ins still answer for decks the plugin does not claim.
    assert pipeline.parse(Deck.from_text(DECK)).format == "marp"


class BreakingFormat:
    """Marp, but a prompt holding 'BREAK' is written with a slide break after its marker:
    a format plugin whose output the pipeline must refuse for that slide alone."""

    @hookimpl
    def mdslides_format_names(self) -> list[str]:
        return ["breaking"]

    @hookimpl
    def mdslides_split_deck(self, deck: Deck, settings: Settings) -> Deck | None:
        if deck.format != "breaking":
            return None
        return replace(marp.PLUGIN.split(replace(deck, format="marp"), settings), format="breaking")

    @hookimpl
    def mdslides_inject_prompts(
        self, deck: Deck, prompts: dict[int, SlidePrompt], mode: str
    ) -> str | None:
        if deck.format != "breaking":
            return None
        lines = deck.text.split("\n")
        for slide in reversed(deck.slides):
            if (prompt := prompts.get(slide.index)) is not None:
                marker = render_marker(prompt.text, prompt.source_hash)
                lines.insert(slide.anchor_line, marker + ("\n\n---" * ("BREAK" in prompt.text)))
        return "\n".join(lines)


def test_a_refused_marker_costs_its_slide_not_the_deck_or_the_run(tmp_path: Path) -> None:
    """The plugin's output for a few slides is refused: those slides fail, the other
    slides and decks are written."""
    broken = {"S2", "S5", "S9"}
    provider = RecordingProvider(
        lambda req: (
            f"image of {req.context.slide_title}"
            + (" BREAK" if req.context.slide_title in broken else "")
        )
    )
    pm = get_plugin_manager(load_entrypoints=False, extra=[provider, BreakingFormat()])
    pipeline = Pipeline(Settings(provider="recording", format="breaking"), pm)
    paths = [tmp_path / "one.md", tmp_path / "two.md"]
    for path, titles in zip(paths, ("S", "T"), strict=True):
        slides = [f"# {titles}{n}" for n in range(1, 11)]
        path.write_text("\n\n---\n\n".join(slides) + "\n", encoding="utf-8")
    reports = pipeline.run([pipeline.load(p) for p in paths], lambda d: d.path)
    assert [r.written for r in reports] == [True, True]
    refused = "breaking plugin output refused: it would change the deck's slides"
    assert {o.index: o.error for o in reports[0].failed} == dict.fromkeys([2, 5, 9], refused)
    assert not reports[1].failed
    again = pipeline.load(paths[0])
    assert [s.index for s in again.slides if s.status is Status.FRESH] == [1, 3, 4, 6, 7, 8, 10]
    assert [s.status for s in pipeline.load(paths[1]).slides] == [Status.FRESH] * 10


class EventLog:
    """A plugin that records the pipeline's events, as the CLI's reporter receives them."""

    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    @hookimpl
    def mdslides_on_slide_done(self, slide: Slide, outcome: object) -> None:
        self.events.append(("slide", (slide.index, getattr(outcome, "action", None))))

    @hookimpl
    def mdslides_on_deck_done(self, report: object) -> None:
        self.events.append(("deck", getattr(report, "written", None)))


def test_events_report_every_slide_then_the_deck(tmp_path: Path) -> None:
    log = EventLog()
    pm = get_plugin_manager(load_entrypoints=False, extra=[log])
    pipeline = Pipeline(Settings(), pm)
    pipeline.run([pipeline.load(write_deck(tmp_path))], lambda d: d.path)
    assert sorted(log.events[:2]) == [
        ("slide", (1, Action.GENERATED)), ("slide", (2, Action.GENERATED))
    ]  # fmt: skip
    assert log.events[2:] == [("deck", True)]
    pipeline.strip_decks([pipeline.load(tmp_path / "deck.md")], lambda d: d.path)
    assert log.events[3:] == [("deck", True)]


EXAMPLE_IN_CODE = "<!-- image-prompt src=00000000 sum=00000000 | an example, not a marker -->"


@pytest.mark.parametrize(
    ("fmt", "deck"),
    [
        ("marp", f"---\nmarp: true\n---\n\n# Docs\n\n```md\n{EXAMPLE_IN_CODE}\n```\n"),
        ("slidev", f"# Docs\n\n```md\n{EXAMPLE_IN_CODE}\n```\n"),
        ("revealjs", f"# Docs\n\n```md\n{EXAMPLE_IN_CODE}\n```\n\nNote: x\n"),
        ("remark", f"# Docs\n\n```md\n{EXAMPLE_IN_CODE}\n```\n\n???\nnotes\n"),
    ],
)
def test_a_marker_shown_in_code_is_code(tmp_path: Path, fmt: str, deck: str) -> None:
    path = write_deck(tmp_path, deck)
    pipeline = make(RecordingProvider(), format=fmt)
    [slide] = pipeline.load(path).slides
    assert slide.status is Status.MISSING and not slide.markers
    pipeline.run([pipeline.load(path)], lambda d: d.path)
    assert EXAMPLE_IN_CODE in path.read_text() and "image of Docs" in path.read_text()
    pipeline.strip_decks([pipeline.load(path)], lambda d: d.path)
    assert path.read_text() == deck


@pytest.mark.parametrize("art", ["Gouache, warm light", None])
def test_a_request_made_from_a_context_prepared_before_the_art_direction_is_the_same(
    tmp_path: Path, art: str | None
) -> None:
    """A run makes the first slides' contexts while the art request is away: the requests
    (and so the cache keys) must be those made from scratch once it is known."""
    from mdslides_prompts.art import ART_PENDING

    pipeline = Pipeline(Settings(provider="offline", style="ink drawing"))
    deck = pipeline.load(pristine_example(tmp_path / "deck"))
    for slide in deck.slides:
        base = pipeline.context(deck, slide, ART_PENDING)
        assert pipeline.request(deck, slide, art, base=base) == pipeline.request(deck, slide, art)
