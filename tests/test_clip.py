"""CLIP token counts: prompts are counted as the image model's own tokenizer counts them,
cut to the ``prompt-tokens`` budget keeping their beginning, and the merge list is read
only when a prompt is counted.

The expected counts and pieces come from OpenAI's reference tokenizer
(``clip/simple_tokenizer.py`` of openai/CLIP with ftfy 6.3.1 and its
``bpe_simple_vocab_16e6.txt.gz``), run outside this project: it needs no torch.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
import pytest

from mdslides_prompts import Deck, DeckError, Pipeline, Settings, get_plugin_manager
from mdslides_prompts.cache import cache_key
from mdslides_prompts.clip import MERGES_FILE, MERGES_USED, count_tokens, tokenize
from mdslides_prompts.configfile import KEYS
from mdslides_prompts.providers.answers import (
    MAX_CLIP_TOKENS,
    MAX_WORDS,
    clean_answer,
    clip_prompt,
    clip_tokens,
)
from mdslides_prompts.providers.offline import OfflineProvider

from .cli_tools import cli, openai_server, python_output
from .deck_strategies import decks
from .http_server import Recorded, asks_art
from .hypothesis_budget import examples
from .test_startup import imported

GERMAN = (
    "Fotorealistische Darstellung einer Windkraftanlage über Weizenfeldern bei "
    "Sonnenaufgang, Umweltverträglichkeitsprüfung, Energiewende, Netzausbau, "
    "Speichertechnologien, Übertragungsnetzbetreiber, Versorgungssicherheit, warmes "
    "Gegenlicht, weite Totale, Farbpalette aus Dunkelblau, Türkis und Weiß, klare "
    "unbeschriftete Flächen"
)
"""A prompt the old estimate counted 70 and CLIP counts 121."""
JAPANESE = "夜明けの海岸に立つ灯台、柔らかな金色の光、写実的"

REFERENCE = [
    ("A lighthouse on a rocky coast at dawn, soft golden light, photorealistic", 15),
    ("Aquarell einer Straßenbahnhaltestelle im Morgengrauen, "
     "Donaudampfschifffahrtsgesellschaft", 33),
    ("Une aquarelle d'un phare côtier à l'aube, lumière dorée, ambiance sérénité", 29),
    (JAPANESE, 48),
    ("a cat 🐱 wearing sunglasses 😎🎉, thumbs up 👍🏽", 11),
    ("wait... what?! -- (really) [yes] {no} 16:9, 4K; \"quoted\" 'single'", 28),
    ("\u201cCurly\u201d \ufb01ne \uff21\uff22\uff23 &amp;amp; it's we're I'll", 12),
    (GERMAN, 121),
    ("Illustration aquarellée d'une éolienne au-dessus des champs de blé au lever du "
     "soleil, sécurité d'approvisionnement, réseau électrique, lumière dorée à "
     "contre-jour, plan large, palette de bleu foncé, turquoise et blanc, surfaces "
     "nettes sans écriture", 73),
]  # fmt: skip


@pytest.mark.parametrize(("text", "count"), REFERENCE, ids=lambda v: str(v)[:24])
def test_counts_are_those_of_clips_own_tokenizer(text: str, count: int) -> None:
    assert clip_tokens(text) == count_tokens(text) == count  # what answers and offline use


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("A lake, photorealistic", ["a</w>", "lake</w>", ",</w>", "photo", "realistic</w>"]),
        ("Straßenbahn im Morgengrauen",
         ["stra", "\xc3", "\u0141", "en", "bahn</w>", "im</w>", "mor", "gen", "gra", "u",
          "en</w>"]),
        ("côtier à l'aube",
         ["c", "\xc3\xb4", "tier</w>", "\xc3\u0142</w>", "l</w>", "'</w>", "au", "be</w>"]),
        ("thumbs up 👍🏽 😎🎉",
         ["thumbs</w>", "up</w>", "\xf0\u0141\u0133\u012f\xf0\u0141\u0131\xbd</w>",
          "\xf0\u0141\u013a\u0130", "\xf0\u0141\u0130\u012b</w>"]),
        ("wait...?! 16:9 it's",
         ["wait</w>", "...", "?!</w>", "1</w>", "6</w>", ":</w>", "9</w>", "it</w>", "'s</w>"]),
        ("\u201cCurly\u201d \ufb01ne \uff21\uff22\uff23 &amp;amp;",
         ['"</w>', "curly</w>", '"</w>', "fine</w>", "abc</w>", "&</w>"]),
    ],
    ids=["english", "german", "french", "emoji", "punctuation", "ftfy and entities"],
)  # fmt: skip
def test_pieces_are_those_of_clips_own_tokenizer(text: str, pieces: list[str]) -> None:
    assert tokenize(text) == pieces


def test_the_merge_list_is_clips_and_ships_with_its_licence() -> None:
    from mdslides_prompts import clip

    ranks = clip._ranks()
    assert len(ranks) == MERGES_USED == 48_894
    assert ranks["i n"] == 0 and ranks["t h"] == 1
    here = Path(clip.__file__).parent
    assert (here / MERGES_FILE).is_file()
    assert "Copyright (c) 2021 OpenAI" in (here / "clip_merges.LICENSE").read_text()


# --- clipping --------------------------------------------------------------------------

_WORDS = st.sampled_from(
    ["lighthouse", "Straßenbahnhaltestelle", "côtier", "à", "l'aube", "灯台の光", "😎🎉",
     "and", "with", "of", ",", "16:9", "photorealistic", "Umweltverträglichkeitsprüfung"]
)  # fmt: skip


@settings(max_examples=examples(200), deadline=None)
@given(
    text=st.lists(_WORDS | st.text(min_size=1, max_size=30), max_size=90).map(" ".join)
    | st.text(max_size=400),
    budget=st.integers(10, 500),
    max_words=st.integers(1, 90),
)
def test_clipping_keeps_the_beginning_and_never_exceeds_the_budget(
    text: str, budget: int, max_words: int
) -> None:
    cut = clip_prompt(text, max_words=max_words, max_tokens=budget)
    assert count_tokens(cut) <= budget and len(cut.split()) <= max_words
    assert " ".join(text.split()).startswith(" ".join(cut.split()))
    if count_tokens(text) <= budget and len(text.split()) <= max_words:
        assert cut == text
    elif text.strip() and text.split()[0][0].isalnum():
        assert cut  # something is always left of a prompt that starts with a word


def test_a_german_answer_is_cut_to_75_real_tokens_keeping_its_subject() -> None:
    cut = clean_answer(GERMAN)
    assert 60 <= count_tokens(cut) <= MAX_CLIP_TOKENS
    assert GERMAN.startswith(cut) and cut.startswith("Fotorealistische Darstellung einer")
    assert not cut.endswith((",", " und", " aus"))


def test_a_japanese_answer_without_spaces_is_cut_between_characters() -> None:
    answer = JAPANESE * 3
    cut = clean_answer(answer, max_tokens=40)
    assert 30 <= count_tokens(cut) <= 40 and answer.startswith(cut)
    assert clip_prompt(answer) == clip_prompt(answer, max_tokens=MAX_CLIP_TOKENS)
    assert count_tokens(clip_prompt(answer)) <= MAX_CLIP_TOKENS


# --- the offline provider ---------------------------------------------------------------

LANGUAGES = KEYS["language"].choices


def offline_prompts(source: str, language: str, budget: int | None = None) -> list[str]:
    params = {} if budget is None else {"prompt_tokens": budget}
    pipeline = Pipeline(
        Settings(format="marp", language=language, params=params),
        get_plugin_manager(load_entrypoints=False),
    )
    deck = pipeline.parse(Deck.from_text(source))
    provider = OfflineProvider()
    return [
        asyncio.run(provider.generate(pipeline.request(deck, slide)))
        for slide in deck.slides
        if slide.skip_reason is None
    ]


LONG_WORDS = {
    "de": "Umweltverträglichkeitsprüfung der Übertragungsnetzbetreiber",
    "fr": "Électrification des réseaux ferroviaires hétérogènes",
    "en": "Internationalization of electroencephalography instrumentation",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_offline_prompts_fit_by_the_real_count_in_every_language(language: str) -> None:
    title = LONG_WORDS.get(language, LONG_WORDS["de"])
    source = (
        f"---\nmarp: true\ntheme: gaia\ntitle: {title}\n---\n\n# {title}\n\n"
        "- Versorgungssicherheit, Speichertechnologien und Netzausbauplanung\n"
        "- Sécurité d'approvisionnement, électricité éolienne, hétérogénéité\n"
        "- Electroencephalography, microelectromechanical transducers\n"
    )
    for budget in (None, 20):
        for prompt in offline_prompts(source, language, budget):
            assert count_tokens(prompt) <= (budget or MAX_CLIP_TOKENS), prompt
            assert len(prompt.split()) <= MAX_WORDS


@settings(max_examples=examples(40), deadline=None)
@given(deck=decks(), language=st.sampled_from(LANGUAGES), budget=st.none() | st.integers(10, 90))
def test_offline_prompts_of_generated_decks_fit_their_budget(
    deck: str, language: str, budget: int | None
) -> None:
    try:
        prompts = offline_prompts(deck, language, budget)
    except DeckError:  # a deck the format refuses (bare carriage returns) has no prompts
        return
    assert all(count_tokens(p) <= (budget or MAX_CLIP_TOKENS) for p in prompts)


def test_the_budget_is_part_of_the_cache_key() -> None:
    pipeline = Pipeline(Settings(format="marp"), get_plugin_manager(load_entrypoints=False))
    deck = pipeline.parse(Deck.from_text("# A lake\n"))
    default = pipeline.request(deck, deck.slides[0])
    tight = Pipeline(
        Settings(format="marp", params={"prompt_tokens": 20}),
        get_plugin_manager(load_entrypoints=False),
    ).request(deck, deck.slides[0])
    assert cache_key("offline", "offline-4", default) != cache_key("offline", "offline-4", tight)


# --- the configuration key, end to end --------------------------------------------------


def test_prompt_tokens_cuts_chat_answers_and_is_never_sent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    deck = tmp_path / "talk.md"
    deck.write_text("---\nmarp: true\n---\n\n# Energie\n\n---\n\n# Netze\n", encoding="utf-8")
    config = tmp_path / ".mdslides-prompts.toml"
    art = "Aquarell in Blau und Weiß, weiches Licht, ruhige Stimmung, glatte Flächen"

    def answer(request: Recorded) -> str:
        return art if asks_art(request) else GERMAN

    def heads(tokens: int) -> list[str]:
        """The prompts' own parts: every prompt ends with the whole art direction."""
        prompts = _prompts(deck)
        assert prompts and all(p.endswith(f". {art}") for p in prompts)
        assert all(60 <= count_tokens(p) <= tokens for p in prompts)
        return [p.removesuffix(f". {art}") for p in prompts]

    with openai_server(monkeypatch, answer=answer) as (server, options):
        assert cli(capsys, "run", deck, *options, "-q")[0] == 0
        assert all(GERMAN.startswith(head) for head in heads(75))
        config.write_text("prompt-tokens = 100\n", encoding="utf-8")
        assert cli(capsys, "strip", deck)[0] == 0
        assert cli(capsys, "run", deck, *options, "-q")[0] == 0
        # A new budget is a new cache key: both slides and the art direction asked again.
        assert len(server.requests) == 6
        longer = heads(100)
        assert all(GERMAN.startswith(head) for head in longer)
        assert all("prompt_tokens" not in r.json for r in server.requests)
        config.write_text("prompt-tokens = 30\n", encoding="utf-8")
        assert cli(capsys, "strip", deck)[0] == 0
        assert cli(capsys, "run", deck, *options, "-q")[0] == 0
        # Under 30 tokens the art direction gets two fifths (12), cut; the slide the rest.
        prompts = _prompts(deck)
        assert prompts and all(count_tokens(p) <= 30 for p in prompts)
        assert all(GERMAN.startswith(p.rsplit(". ", 1)[0]) for p in prompts)
        assert all(art.startswith(p.rsplit(". ", 1)[1]) for p in prompts)
        config.unlink()
        assert cli(capsys, "strip", deck)[0] == 0
        assert cli(capsys, "run", deck, *options, "-q")[0] == 0
        assert len(server.requests) == 9  # the default budget's answers are cached
    config.write_text("prompt-tokens = 5\n", encoding="utf-8")
    code, _, err = cli(capsys, "run", deck, "--provider", "offline", "-q")
    assert code == 2 and "prompt-tokens" in err and "Traceback" not in err


def _prompts(deck: Path) -> list[str]:
    pipeline = Pipeline(Settings(), get_plugin_manager(load_entrypoints=False))
    return [s.prompt for s in pipeline.load(deck).slides if s.prompt is not None]


# --- loading ----------------------------------------------------------------------------


def test_help_and_a_warm_rerun_never_load_the_tokenizer(tmp_path: Path) -> None:
    assert "mdslides_prompts.clip" not in imported("--help")
    deck = tmp_path / "talk.md"
    deck.write_text("---\nmarp: true\n---\n\n# A lake\n\n---\n\n# A glacier\n", encoding="utf-8")
    assert "mdslides_prompts.clip" in imported("run", deck, "-q", "--provider", "offline")
    assert "mdslides_prompts.clip" not in imported("run", deck, "-q", "--provider", "offline")


def test_the_merge_list_is_read_on_the_first_count_not_at_import() -> None:
    script = (
        "from mdslides_prompts import clip\n"
        "before = clip._ranks.cache_info().currsize\n"
        "clip.count_tokens('a lake at dawn')\n"
        "print(before, clip._ranks.cache_info().currsize)\n"
    )
    assert python_output(script).split() == ["0", "1"]
