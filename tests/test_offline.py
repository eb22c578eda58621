"""The offline provider: deterministic placeholder prompts made from what the slide shows,
in the prompt's language, within CLIP's 77 tokens, never asking for text."""

from __future__ import annotations

import asyncio
from dataclasses import replace
import json
import os
from pathlib import Path
import re
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it.utils import read_fixture_file
import pytest

from mdslides_prompts import Action, Deck, DeckError, Pipeline, Settings, get_plugin_manager
from mdslides_prompts.cache import PromptCache, cache_key, entry_meta
from mdslides_prompts.providers.answers import MAX_CLIP_TOKENS, MAX_WORDS, clip_tokens
from mdslides_prompts.providers.base import PromptContext, PromptRequest
from mdslides_prompts.providers.offline import OfflineProvider, offline_prompt

from .conftest import CORPUS, EXAMPLE_DECK, EXAMPLE_DECKS, corpus_rows
from .deck_strategies import decks, slidev_decks
from .fixture_tools import separators
from .hypothesis_budget import examples

FIXTURES = Path(__file__).parent / "fixtures"


def make(fmt: str | None = None, language: str = "en") -> Pipeline:
    return Pipeline(
        Settings(format=fmt, language=language), get_plugin_manager(load_entrypoints=False)
    )


def prompts_for(pipeline: Pipeline, deck: Deck) -> dict[int, str]:
    """The offline prompt of every slide of *deck* that gets one, by slide index."""
    provider = OfflineProvider()
    return {
        slide.index: asyncio.run(provider.generate(pipeline.request(deck, slide)))
        for slide in deck.slides
        if slide.skip_reason is None
    }


def render_prompts(title: str, source: str) -> str:
    """``index: prompt`` lines for the deck *source*; *title* starts ``FORMAT LANGUAGE:``."""
    fmt, language = title.split(":")[0].split()
    pipeline = make(fmt, language)
    prompts = prompts_for(pipeline, pipeline.parse(Deck.from_text(source)))
    return "".join(f"{index}: {prompt}\n" for index, prompt in prompts.items())


def one_prompt(source: str, fmt: str = "marp", language: str = "en") -> str:
    """The prompt of the first slide of the deck *source*."""
    pipeline = make(fmt, language)
    return prompts_for(pipeline, pipeline.parse(Deck.from_text(source)))[1]


@pytest.mark.parametrize(
    ("line", "title", "source", "expected"), read_fixture_file(FIXTURES / "offline_prompts.md")
)
def test_prompt_fixtures(line: int, title: str, source: str, expected: str) -> None:
    assert render_prompts(title, source) == expected


def fits(prompt: str) -> bool:
    return clip_tokens(prompt) <= MAX_CLIP_TOKENS and len(prompt.split()) <= MAX_WORDS


def test_example_decks_prompts_are_short_plain_and_about_the_slide(pipeline: Pipeline) -> None:
    for path in EXAMPLE_DECKS:
        deck = pipeline.load(path)
        prompts = prompts_for(pipeline, deck)
        assert len(set(prompts.values())) >= len(prompts) * 2 // 3, path
        for index, prompt in prompts.items():
            assert fits(prompt) and "\n" not in prompt and "--" not in prompt
            # It asks for clean surfaces, never for words, captions or labels in the image.
            asked = prompt.removesuffix(", clean unlettered surfaces")
            assert not re.search(r"\b(text|caption|label|lettering|words)\b", asked, re.I)
            # About the slide's title, or else (another language, no title, a closing
            # slide) the deck's.
            title = deck.slides[index - 1].title or ""
            last = re.sub(r"\W+$", "", title.split()[-1]) if title.strip() else ""
            deck_subject = re.split(r"[,:]", deck.title or "")[0]
            assert (last and last in prompt) or deck_subject in prompt, (path, index, prompt)


def test_one_style_per_deck_and_the_theme_palette(pipeline: Pipeline) -> None:
    prompts = prompts_for(pipeline, pipeline.load(EXAMPLE_DECK))
    assert len({p.split(" of ")[0] for p in prompts.values()}) == 1
    assert all("cream, slate grey and sky blue colors" in p for p in prompts.values())


def test_same_prompts_in_every_process_whatever_the_hash_seed(pipeline: Pipeline) -> None:
    here = {str(path): prompts_for(pipeline, pipeline.load(path)) for path in sorted(EXAMPLE_DECKS)}
    script = (
        "import asyncio, json, sys\n"
        "from pathlib import Path\n"
        "from mdslides_prompts import Pipeline, Settings, get_plugin_manager\n"
        "from mdslides_prompts.providers.offline import OfflineProvider\n"
        "p = Pipeline(Settings(), get_plugin_manager(load_entrypoints=False))\n"
        "out = {}\n"
        "for name in sys.argv[1:]:\n"
        "    deck = p.load(Path(name))\n"
        "    out[name] = {str(s.index): asyncio.run(OfflineProvider().generate(p.request(deck, s)))"
        " for s in deck.slides if s.skip_reason is None}\n"
        "print(json.dumps(out))\n"
    )
    expected = {name: {str(k): v for k, v in prompts.items()} for name, prompts in here.items()}
    for seed in ("0", "1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", script, *here], capture_output=True, text=True, env=env,
            check=True,
        )  # fmt: skip
        assert json.loads(done.stdout) == expected


# --- each complaint of issue 15, point 6 -------------------------------------------------


def test_front_matter_and_layout_keys_never_reach_the_prompt() -> None:
    source = (
        "---\ntheme: seriph\ntitle: Compost\nhighlighter: shiki\nclass: text-center\n"
        "transition: slide-left\n---\n\n# Compost\n\nKitchen scraps become soil.\n\n"
        "---\nlayout: two-cols\nclass: text-center\n---\n\n## Greens\n\n- Vegetable peels\n\n"
        "::right::\n\n## Browns\n\n<v-clicks>\n\n- Shredded cardboard\n\n</v-clicks>\n"
    )
    prompts = " ".join(
        prompts_for(make("slidev"), make("slidev").parse(Deck.from_text(source))).values()
    )
    for word in ("two-cols", "highlighter", "shiki", "text-center", "layout", "transition",
                 "right", "clicks", "seriph"):  # fmt: skip
        assert word not in prompts.casefold()
    assert "vegetable" in prompts and "cardboard" in prompts


@pytest.mark.parametrize(
    ("fmt", "source"),
    [
        ("marp", "---\nmarp: true\n---\n\n# Rivers\n\nDeltas and floods.\n\n<!-- Zeppelin -->\n"),
        ("slidev", "# Rivers\n\nDeltas and floods.\n\n<!--\nZeppelin\n-->\n"),
        ("reveal-md", "# Rivers\n\nDeltas and floods.\n\nNote: Zeppelin\n"),
        ("remark", "# Rivers\n\nDeltas and floods.\n\n???\nZeppelin\n"),
        ("deckset", "# Rivers\n\nDeltas and floods.\n\n^ Zeppelin\n"),
        ("pandoc", "# Rivers\n\nDeltas and floods.\n\n::: notes\nZeppelin\n:::\n"),
    ],
)
def test_speaker_notes_never_reach_the_prompt(fmt: str, source: str) -> None:
    prompt = one_prompt(source, fmt)
    assert "Rivers" in prompt and "deltas" in prompt and "eppelin" not in prompt.casefold()


def test_handles_addresses_and_links_never_reach_the_prompt() -> None:
    prompt = one_prompt(
        "---\nmarp: true\n---\n\n# Contact\n\nWrite to lena.moser@example.org or @lenamoser,\n"
        "slides at github.com/example/alpine-talk and https://glaciers.example.org/data.\n"
        "[Our survey](https://example.net/survey) of moraines.\n"
    )
    for word in ("lena", "moser", "example", "github", "alpine", "glaciers", "data", "https"):
        assert word not in prompt.casefold()
    assert "survey" in prompt and "moraines" in prompt


def test_words_split_by_emphasis_are_whole() -> None:
    prompt = one_prompt(
        "---\nmarp: true\n---\n\n# Seasons\n\nThe **D**uration of *m*elt and **s**now __s__now.\n"
    )
    words = prompt.casefold().replace(",", "").split()
    assert {"duration", "melt", "snow"} <= set(words)
    assert not {"uration", "elt", "now", "d", "m", "s"} & set(words)


def test_other_languages_and_scripts_stay_out_of_an_english_prompt() -> None:
    source = (
        "---\nmarp: true\ntitle: Alpine Glaciers\n---\n\n# Der Rhonegletscher\n\n"
        "Jeden Sommer werden Teile der Zunge mit weißem Vlies abgedeckt.\n\n---\n\n"
        "# 氷河の記憶\n\n氷河は何百年もの気候を記録しています\n\n---\n\n"
        "# Retreat\n\nThe glacier lost two kilometres.\n\n"
        "> « Le glacier recule chaque année dans la vallée. »\n"
    )
    prompts = prompts_for(make("marp"), make("marp").parse(Deck.from_text(source)))
    assert "Alpine Glaciers" in prompts[1] and "Rhonegletscher" not in prompts[1]
    assert not re.search(r"Sommer|Vlies|Zunge|weiß", prompts[1])
    assert "Alpine Glaciers" in prompts[2] and not re.search(r"[\u3040-\u9fff]", prompts[2])
    assert "kilometres" in prompts[3] and not re.search(r"recule|vallée|année", prompts[3])


def test_a_french_prompt_is_in_french() -> None:
    prompt = one_prompt(
        "---\nmarp: true\ntheme: gaia\n---\n\n# Abeilles sauvages\n\n"
        "Les abeilles sauvages pollinisent les vergers. Bumblebees visit the orchards.\n",
        language="fr",
    )
    assert "Abeilles sauvages" in prompt and "vergers" in prompt
    assert prompt.endswith("surfaces lisses et vierges")
    assert "couleurs crème, gris ardoise et bleu ciel" in prompt
    assert not re.search(r"Bumblebees|orchards|visit|\bof\b|colors", prompt)


@pytest.mark.parametrize(
    ("theme", "colours"),
    [
        ("gaia", "cream, slate grey and sky blue colors"),
        ("seriph", "ivory, black and brown colors"),
        ("@slidev/theme-seriph", "ivory, black and brown colors"),
        ("Dracula", "charcoal, purple and pink colors"),
        ("solarized", "cream, slate grey and blue colors"),
        ("corporate-blue", None),
    ],
)
def test_known_themes_give_their_colours_unknown_themes_none(
    theme: str, colours: str | None
) -> None:
    prompt = one_prompt(f"---\nmarp: true\ntheme: {theme}\n---\n\n# Deltas\n\nSilt and reeds.\n")
    assert "palette" not in prompt and theme.rsplit("-", 1)[-1].casefold() not in prompt.casefold()
    if colours is None:
        assert "colors" not in prompt
    else:
        assert colours in prompt


@pytest.mark.parametrize(
    ("title", "language", "scene"),
    [
        ("Questions ?", "en", "a microphone on a stand"),
        ("Any questions?", "en", "a microphone on a stand"),
        ("Q&A", "en", "a microphone on a stand"),
        ("Fragen?", "en", "a microphone on a stand"),
        ("Agenda", "en", "a winding path"),
        ("Table of contents", "en", "a winding path"),
        ("Merci !", "en", "Rivers of Europe at golden hour"),
        ("Thank you", "en", "Rivers of Europe at golden hour"),
        ("Merci · Danke · Grazie · ありがとう", "en", "Rivers of Europe at golden hour"),
        ("Questions ?", "fr", "un micro sur pied"),
        ("Vielen Dank", "de", "Rivers of Europe zur goldenen Stunde"),
    ],
)
def test_closing_question_and_agenda_slides_get_a_scene(
    title: str, language: str, scene: str
) -> None:
    source = f"---\nmarp: true\ntitle: Rivers of Europe\n---\n\n# {title}\n\nslides: example.org\n"
    prompt = one_prompt(source, language=language)
    assert scene in prompt
    assert not re.search(r"question|merci|thank|agenda|contents|fragen|dank", prompt, re.I)


def test_a_section_slide_is_one_symbolic_object() -> None:
    source = "---\nlayout: section\n---\n\n# Deltas\n"
    assert "Deltas as one simple symbolic object" in one_prompt(source, "slidev")


# --- the 77-token bound ------------------------------------------------------------------


def test_long_titles_and_long_words_still_fit_in_77_clip_tokens() -> None:
    long = "Internationalization of electroencephalography instrumentation"
    source = (
        f"---\nmarp: true\ntitle: {long} and neuroinformatics interoperability\n---\n\n"
        f"# {long}, neurophysiological characterization, photolithographic microfabrication\n\n"
        "Electrophysiological measurements, microelectromechanical transducers, "
        "spectrophotometric calibration and immunohistochemical counterstaining.\n"
    )
    prompt = one_prompt(source)
    assert fits(prompt) and prompt.startswith(prompt.split(" of ")[0] + " of Internation")


@settings(max_examples=examples(150), deadline=None)
@given(
    text=st.text(max_size=600),
    title=st.none() | st.text(max_size=200),
    deck_title=st.none() | st.text(max_size=200),
    theme=st.none() | st.sampled_from(["gaia", "seriph", "night", "x"]) | st.text(max_size=40),
    language=st.sampled_from(["en", "fr", "de", "es", "it", "pt", "sv", "xx"]),
    style=st.none() | st.text(max_size=300),
)
def test_any_context_gives_a_prompt_within_77_clip_tokens(
    text: str, title: str | None, deck_title: str | None, theme: str | None, language: str,
    style: str | None,
) -> None:  # fmt: skip
    context = PromptContext(
        slide_text=text, slide_title=title, deck_title=deck_title, theme=theme,
        language=language, style=style,
    )  # fmt: skip
    prompt = offline_prompt(PromptRequest((), context))
    assert fits(prompt) and "\n" not in prompt
    assert offline_prompt(PromptRequest((), context)) == prompt


@settings(max_examples=examples(60), deadline=None)
@given(
    deck=st.tuples(st.just("marp"), decks()) | st.tuples(st.just("slidev"), slidev_decks()),
    language=st.sampled_from(["en", "fr", "de"]),
)
def test_generated_decks_give_prompts_within_77_clip_tokens(
    deck: tuple[str, str], language: str
) -> None:
    fmt, source = deck
    pipeline = make(fmt, language)
    try:
        split = pipeline.parse(Deck.from_text(source))
    except DeckError:  # a deck the format refuses (bare carriage returns) has no prompts
        return
    assert all(fits(p) for p in prompts_for(pipeline, split).values())


def test_corpus_decks_give_prompts_within_77_clip_tokens() -> None:
    count = 0
    for row in corpus_rows():
        config = json.loads(row["config"])
        pipeline = Pipeline(
            Settings(
                format=config.get("generator", row["format"]),
                extra=separators(
                    config.get("separator"),
                    config.get("vertical_separator"),
                    config.get("notes_separator"),
                ),
            ),
            get_plugin_manager(load_entrypoints=False),
        )
        deck = pipeline.load(CORPUS / row["file"])
        for prompt in prompts_for(pipeline, deck).values():
            assert fits(prompt), (row["file"], prompt)
            count += 1
    assert count > 300


# --- the cache ---------------------------------------------------------------------------


def test_placeholders_cached_by_an_older_offline_provider_are_not_reused(
    tmp_path: Path, _isolated_cache: Path
) -> None:
    path = tmp_path / "deck.md"
    path.write_text("---\nmarp: true\n---\n\n# Deltas\n\nSilt and reeds.\n", encoding="utf-8")
    pipeline = make()
    deck = pipeline.load(path)
    [slide] = deck.slides
    request = pipeline.request(deck, slide)
    cache = PromptCache(_isolated_cache)
    key = cache_key("offline", "offline-1", request)
    cache.put(key, "stale filler", entry_meta(deck, slide, "offline", "offline-1", request))
    cache.close()
    [report] = pipeline.run([deck])
    assert report.count(Action.GENERATED) == 1
    assert "stale filler" not in path.read_text(encoding="utf-8")
    assert "Deltas" in path.read_text(encoding="utf-8")


def test_the_visible_text_leaves_cache_keys_as_they_were() -> None:
    # It is derived from the slide text, which the key holds: answers cached before it
    # existed (paid for, from a chat model) stay valid.
    context = PromptContext(slide_text="# Deltas\n\n<!-- note -->", slide_title="Deltas")
    request = PromptRequest(({"role": "user", "content": "x"},), context)
    shown = PromptRequest(request.messages, replace(context, visible_text="# Deltas"))
    assert cache_key("openai", "m", shown) == cache_key("openai", "m", request)
