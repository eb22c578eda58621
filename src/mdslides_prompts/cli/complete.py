"""Shell completion of option values: names the loaded plugins offer, a deck's slides.

click completes commands, options and fixed choices itself (``_MDSLIDES_PROMPTS_COMPLETE``,
see docs/commands.md); these callbacks add what only the plugins or the deck know. Each
imports what it needs when it runs, so ``--help`` and the commands load none of it, and
each answers nothing rather than fail: a shell must never see a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

import click
from click.shell_completion import CompletionItem

if TYPE_CHECKING:
    from ..pipeline import Pipeline

__all__ = ["formats", "image_providers", "providers", "slides"]

_Complete = Callable[[click.Context, click.Parameter, str], list[CompletionItem]]


def _names(which: Callable[[Pipeline], list[str]], extra: tuple[str, ...] = ()) -> _Complete:
    """A completion of the names *which* lists (after *extra*)."""

    def complete(
        ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[CompletionItem]:
        del ctx, param
        found: list[str] = list(extra)
        with contextlib.suppress(Exception):  # a broken plugin: complete what is known
            from ..pipeline import Pipeline
            from .decks import plugin_manager

            found += which(Pipeline(pm=plugin_manager()))
        return [CompletionItem(n) for n in dict.fromkeys(found) if n.startswith(incomplete)]

    return complete


formats = _names(lambda p: p.format_names())
"""``--format``: every format the loaded plugins split."""
providers = _names(lambda p: p.provider_names(), ("auto",))
"""``--provider``: ``auto`` and every provider the loaded plugins offer."""
image_providers = _names(lambda p: p.image_provider_names())
"""``--image-provider``: every image provider the loaded plugins offer."""


def slides(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """``--slides``: the numbers of the slides of the one deck named, each with its title
    as the help (zsh and fish show it), when that deck can be read and split."""
    del param
    # While an option waits for its value, click leaves the arguments unparsed.
    paths: list[str] = list(ctx.params.get("paths") or ctx.args)
    if len(paths) != 1 or not Path(paths[0]).is_file():
        return []
    head, _, last = incomplete.rpartition(",")  # complete the list's last entry
    prefix = f"{head}," if head else ""
    with contextlib.suppress(Exception):  # an unreadable deck: no completion
        from ..pipeline import Pipeline
        from .decks import plugin_manager

        deck = Pipeline(pm=plugin_manager()).load(Path(paths[0]))
        return [
            CompletionItem(f"{prefix}{s.index}", help=s.title)
            for s in deck.slides
            if str(s.index).startswith(last)
        ]
    return []
