"""What the requests carry and what the prompts come to, per format, over the example decks
and the project's fixture decks (issue 17's measures):

- requests free of generator syntax (directives, layout front matter, slot markers,
  attributes, comments) in the slide part, and free of speaker notes: goal 100 %;
- the deck's art direction in every slide's request, and whole at the end of every
  prompt: goal 100 %;
- offline prompts, art direction appended, within 77 CLIP tokens (75 plus the start and
  end tokens): goal 100 %;
- slides given a kind (title, agenda, section, code, table, quote, questions, closing);
- tokens sent per slide (the chat estimate), before (the slide's Markdown, as the
  templates sent it until now) and after (what the audience reads), plus the art
  direction's line and the picture placement's (what they add: the goal is that
  nothing else grows).

    python3 benchmarks/prompts.py

Needs no network and no server: requests are built by the real pipeline, prompts made
by the offline provider.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from pathlib import Path
import re
import sys

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from markdown_it.utils import read_fixture_file  # noqa: E402

from mdslides_prompts import Deck, Pipeline, Settings, get_plugin_manager  # noqa: E402
from mdslides_prompts.providers.answers import clip_tokens, with_art  # noqa: E402
from mdslides_prompts.providers.offline import OfflineProvider  # noqa: E402
from mdslides_prompts.templates import estimate_tokens, render_template  # noqa: E402

SYNTAX = re.compile(
    r"<!--|-->|^::[\w-]+::$|^layout:|^class:|\{\.|^:::|^\?\?\?$|^notes?:|^\[\.[\w-]+|"
    r"_class:|<style|<div|</div|^---$|^\^ ",
    re.M | re.I,
)
"""What only a generator reads (the same list as ``tests/test_audience.py``)."""
BEFORE = "{context}Slide content (Markdown):\n{slide_markdown}"
BEFORE_SYSTEM = (
    "You are an expert at writing prompts for image-generation models. Given one slide of "
    "a presentation and the deck around it, reply with a single prompt, in English, of "
    "at most 60 words, describing one illustration for that slide: subject, setting, "
    "composition, lighting, colour palette and visual style. The slide may be written in "
    "another language: convey its ideas in English, never copy its wording. Keep the "
    "style consistent with the rest of the deck. Never ask for text, letters, numbers, "
    "logos or captions in the image. Reply with the prompt only: no preamble, no quotes, "
    "no label, no line breaks."
)
"""The system template until issue 17 (what the whole request is compared with)."""
BEFORE_CONTEXT = (
    ("Deck title", "deck_title"), ("Deck theme", "theme"), ("Previous slide", "previous_title"),
    ("Next slide", "next_title"), ("Slide title", "slide_title"),
)  # fmt: skip
"""The user template until the audience's text replaced the slide's Markdown."""
FIXTURES = {
    "marp": "marp_split.md", "slidev": "slidev_split.md", "deckset": "deckset_split.md",
    "lookatme": "lookatme_split.md", "pandoc": "pandoc_split.md", "quarto": "quarto_split.md",
    "remark": "remark_split.md",
}  # fmt: skip
EXAMPLES = {"marp": "talk.md", "slidev": "slidev-deck.md", "reveal-md": "reveal-deck.md"}


def decks() -> dict[str, list[str]]:
    """Deck texts by format: the example decks and every fixture deck."""
    found: dict[str, list[str]] = defaultdict(list)
    for fmt, name in EXAMPLES.items():
        found[fmt].append((ROOT / "example-deck" / name).read_text(encoding="utf-8"))
    for fmt, name in FIXTURES.items():
        for _, _, text, _ in read_fixture_file(ROOT / "tests" / "fixtures" / name):
            found[fmt].append(text)
    return found


def measure(
    fmt: str, texts: list[str], *, notes: bool = False, art_direction: bool = True
) -> dict[str, float]:
    """The shares and token counts of one format's decks (*notes*: send the notes, and
    *art_direction* ``False``: leave the art direction out, to see the measures catch
    them)."""
    settings = Settings(format=fmt, notes=notes)
    pipeline = Pipeline(settings, get_plugin_manager(load_entrypoints=False))
    provider = OfflineProvider()
    counts: dict[str, float] = defaultdict(float)
    for text in texts:
        deck = pipeline.parse(Deck.from_text(text))
        art = asyncio.run(provider.generate(pipeline.art_request(deck)))
        line = f"Art direction for every slide: {art}\n"
        for slide in deck.slides:
            if slide.skip_reason is not None:
                continue
            request = pipeline.request(deck, slide, art if art_direction else None)
            user = request.messages[-1]["content"]
            shown = user.split("<slide>\n", 1)[-1].split("\n</slide>", 1)[0]
            # A note leaks when a stretch of its own wording reaches the request.
            notes = [line.strip()[:40] for n in slide.notes for line in n.splitlines()]
            prompt = with_art(
                asyncio.run(provider.generate(request)), request.context.art_direction
            )
            values = {"context": "", "slide_markdown": request.context.slide_text.strip()}
            old = [(label, getattr(request.context, name)) for label, name in BEFORE_CONTEXT]
            old_context = "".join(f"{label}: {value}\n" for label, value in old if value)
            counts["request before"] += estimate_tokens([
                {"role": "system", "content": BEFORE_SYSTEM},
                {"role": "user", "content": render_template(
                    BEFORE, {**values, "context": old_context}
                )},
            ])  # fmt: skip
            counts["request after"] += estimate_tokens(list(request.messages))
            counts["slides"] += 1
            counts["syntax-free"] += not SYNTAX.search(shown)
            counts["notes-free"] += not any(len(part) > 12 and part in user for part in notes)
            counts["fit 77"] += clip_tokens(prompt) + 2 <= 77
            counts["art"] += line in user and prompt.endswith(art[:1].upper() + art[1:])
            counts["kind"] += request.context.kind is not None
            counts["before"] += estimate_tokens(
                [{"role": "user", "content": render_template(BEFORE, values)}]
            )
            counts["after"] += estimate_tokens([{"role": "user", "content": shown}])
            counts["art tokens"] += estimate_tokens([{"role": "user", "content": line}]) - 4
            place = request.context.placement
            if place:  # the picture's slot and shape (point 4), a line of its own
                placed = f"Picture placement: {place}\n"
                counts["placement tokens"] += (
                    estimate_tokens([{"role": "user", "content": placed}]) - 4
                )
    return counts


def main() -> int:
    """Print one row per format; exit 1 when a 100 % goal is missed."""
    print(
        "| format | slides | syntax-free | notes-free | art direction | offline ≤ 77 CLIP "
        "| with a kind | slide tokens before → after + art direction + placement "
        "| request tokens before → after |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    missed = False
    for fmt, texts in decks().items():
        c = measure(fmt, texts)
        n = c["slides"] or 1
        shares = [c["syntax-free"] / n, c["notes-free"] / n, c["art"] / n, c["fit 77"] / n]
        missed = missed or any(share < 1 for share in shares)
        cells = " | ".join(f"{share:.0%}" for share in shares)
        tokens = (
            f"{c['before'] / n:.0f} → {c['after'] / n:.0f} + {c['art tokens'] / n:.0f} "
            f"+ {c['placement tokens'] / n:.0f}"
        )
        whole = f"{c['request before'] / n:.0f} → {c['request after'] / n:.0f}"
        print(
            f"| {fmt} | {int(c['slides'])} | {cells} | {c['kind'] / n:.0%} | {tokens} | {whole} |"
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
