"""``mdslides-prompts cache``: where the prompt cache is, what it holds, and why a slide of
a deck is or is not in it."""

from __future__ import annotations

from collections import Counter
import json
from pathlib import Path
import sys
from typing import Any

import click

from ..cache import IGNORED, CacheEntry, PromptCache
from ..config import Settings
from ..controls import parse_selectors, selected
from ..deck import Deck
from ..explain import describe
from ..fileio import read_bytes
from ..helpformat import SectionedCommand
from ..wording import human_size, plural
from .common import SUMMARIES, fail, stderr_console, warn
from .decks import Decks, config_values, no_slide
from .options import CACHE_DIR_OPTION, deck_options, provider_options
from .report import Reporter, titled

__all__ = ["cache"]


@click.group(short_help=SUMMARIES["cache"])
def cache() -> None:
    """Look into the prompt cache: where it is, what it holds, why a slide misses."""


def _cache_dir(cache_dir: str | None) -> Path:
    options = {"cache-dir": cache_dir} if cache_dir else {}
    return Decks(options, plugins=False).settings(Path.cwd()).resolved_cache_dir()


@cache.command("path")
@CACHE_DIR_OPTION
def cache_path(cache_dir: str | None) -> None:
    """Print the cache folder."""
    click.echo(str(_cache_dir(cache_dir)))


@cache.command("stats", short_help="Count cached answers by provider and model; the cache's size.")
@CACHE_DIR_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def cache_stats(cache_dir: str | None, as_json: bool) -> None:
    """How many answers the cache holds, by provider and model, and its size."""
    folder = _cache_dir(cache_dir)
    entries: list[CacheEntry] = []
    size = ignored = 0
    if PromptCache.exists(folder):  # looking creates nothing
        store = PromptCache(folder)
        try:
            entries = list(store.entries())
            size, ignored = store.volume(), store.ignored
        finally:
            store.close()
        warn(store.warning())
    by_model = Counter(
        f"{e.meta.get('provider', '?')}/{e.meta.get('model', '?')}" if e.meta else "unknown"
        for e in entries
    )
    dates = sorted(str(e.meta["created"]) for e in entries if e.meta.get("created"))
    decks = {str(e.meta["deck"]) for e in entries if e.meta.get("deck")}
    tokens = [e.meta.get("usage") or {} for e in entries]
    data = {
        "path": str(folder),
        "entries": len(entries),
        "bytes": size,
        "decks": len(decks),
        "by_model": dict(by_model.most_common()),
        "oldest": dates[0] if dates else None,
        "newest": dates[-1] if dates else None,
        "prompt_tokens": sum(int(t.get("prompt_tokens", 0)) for t in tokens),
        "completion_tokens": sum(int(t.get("completion_tokens", 0)) for t in tokens),
        "ignored": ignored,
    }
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"path     {data['path']}")
    click.echo(f"entries  {plural(len(entries), 'answer')} for {plural(len(decks), 'deck')}")
    click.echo(f"size     {human_size(size)}")
    if ignored:
        click.echo(f"ignored  {plural(ignored, 'row')} that {'is' if ignored == 1 else 'are'} "
                   f"{IGNORED}")  # fmt: skip
    for model, count in by_model.most_common():
        click.echo(f"model    {model}: {count}")
    if dates:
        click.echo(f"dates    {data['oldest']} .. {data['newest']}")
    if data["prompt_tokens"] or data["completion_tokens"]:
        click.echo(
            f"tokens   {data['prompt_tokens']:,} prompt + {data['completion_tokens']:,} "
            "completion spent on them"
        )


@cache.command("clear")
@CACHE_DIR_OPTION
@click.option("-y", "--yes", is_flag=True, help="Remove without asking first.")
def cache_clear(cache_dir: str | None, yes: bool) -> None:
    """Remove every cached answer (after asking, unless --yes)."""
    folder = _cache_dir(cache_dir)
    removed = ignored = 0
    if PromptCache.exists(folder):
        store = PromptCache(folder)
        try:
            held = sum(1 for _ in store.entries())  # also counts the rows that are not answers
            ignored = store.ignored
            if held + ignored and not yes:
                _confirm_clear(plural(held + ignored, "cached answer"), folder)
            removed = store.clear()
        finally:
            store.close()
    which = f" ({ignored} of them {IGNORED})" if ignored else ""
    stderr_console().print(
        f"mdslides-prompts: removed {plural(removed, 'cached answer')}{which} from {folder}",
        markup=False,
        highlight=False,
    )


def _confirm_clear(what: str, folder: Path) -> None:
    """Ask whether to remove *what* from the cache in *folder*; leave unless the answer is
    yes. With no one to ask (stdin is not a terminal), refuse: ``--yes`` says it."""
    if not sys.stdin.isatty():
        fail(f"cache clear would remove {what} from {folder}; pass --yes to remove them")
    if not click.confirm(f"Remove {what} from {folder}?", default=False, err=True):
        fail("nothing removed", code=1)


@cache.command(
    "explain",
    cls=SectionedCommand,
    short_help="Say why a slide of a deck is or is not in the cache.",
)
@click.argument("deck_path", metavar="DECK")
@click.argument("slide_ref", metavar="SLIDE")
@provider_options
@deck_options
@CACHE_DIR_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def cache_explain(
    deck_path: str, slide_ref: str, config_file: str | None, as_json: bool, **options: Any
) -> None:
    """Say whether SLIDE of DECK (its number or title) is in the cache, and if not, what
    changed since its answer was cached: the slide, a neighbour, the model, a setting."""
    base = Settings(provider="auto", cache_only=True)  # nothing is sent: no credentials needed
    decks = Decks(config_values(options), base=base, config=config_file, auto=True)
    decks.pm.register(Reporter(stderr_console()), name="cli-reporter")
    target = Path(deck_path)
    deck, pipeline = decks.open(Deck.from_bytes(read_bytes(target), target), target.parent)
    [selector] = parse_selectors([slide_ref], "SLIDE") or [None]
    slide = next((s for s in deck.slides if selector and selected([selector], s)), None)
    if slide is None:
        fail(no_slide(slide_ref, [deck]))
    plan, found = pipeline.explain(deck, slide)
    if as_json:
        data = {
            "path": deck.name, "slide": slide.index, "title": slide.title,
            "status": slide.status.value,
            "run_would": plan.action.value if plan.action else "ask",
            "reason": plan.reason, "key": found.key, "hit": found.hit,
            "provider": found.parts["provider"], "model": found.parts["model"],
            "cached": found.entry.meta.get("created") if found.entry else None,
            "changes": [{"part": c.part, "before": c.before, "after": c.after}
                        for c in found.changes],
        }  # fmt: skip
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"{deck.name}: slide {slide.index}{titled(slide)} is {slide.status.value}")
    if plan.action is not None:
        click.echo(f"a run would leave it: {plan.action.value} ({plan.reason})")
    click.echo(
        f"cache key {found.key[:16]}… ({found.parts['provider']}, model {found.parts['model']})"
    )
    if found.hit:
        when = found.entry.meta.get("created", "an earlier version") if found.entry else "?"
        click.echo(f"hit: answer cached {when}")
        return
    if found.entry is None:
        click.echo("miss: no answer was ever cached for this slide (or the cache was cleared)")
        return
    meta = found.entry.meta
    click.echo(
        f"miss: the closest cached answer (slide {meta.get('slide')}, {meta.get('created')}) "
        f"differs in {plural(len(found.changes), 'part')}:"
    )
    for change in found.changes:
        for line in describe(change):
            click.echo(f"  {line}")
