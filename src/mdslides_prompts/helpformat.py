"""Help pages whose options come in sections, the most used first.

Click lists options in the order they are declared, under one heading. The commands
share their option lists (``run``, ``watch``, ``config`` and ``cache explain`` all take the
provider's fifteen settings), so the order of declaration cannot also be the order that
reads best. :class:`SectionedCommand` sorts its options into :data:`SECTIONS` when it
writes its help, with click's own formatter: no import beyond click, so ``--help`` costs
no more than before.
"""

from __future__ import annotations

import click

__all__ = ["OTHER", "SECTIONS", "SectionedCommand", "section_of"]

SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("What to write", ("--mode", "--force", "--style", "--prompt-language")),
    ("Which slides", ("--slides", "--include-illustrated", "--ignore-unknown")),
    (
        "Output",
        ("--output", "--diff", "--dry-run", "--stdout", "--lint", "--json", "--output-format",
         "--quiet", "--verbose", "--yes"),
    ),
    ("Provider", ("--provider", "--model", "--base-url", "--api-key-env")),
    (
        "Pictures",
        ("--images", "--sheet", "--placement", "--refresh", "--max-images", "--image-provider",
         "--image-model", "--image-style", "--images-folder"),
    ),
    ("Cache", ("--cache-only", "--no-cache", "--cache-dir")),
    (
        "Deck format and configuration",
        ("--format", "--slide-level", "--separator", "--vertical-separator",
         "--notes-separator", "--config"),
    ),
    (
        "Templates and request settings",
        ("--system-template", "--user-template", "--max-tokens", "--temperature", "--top-p",
         "--frequency-penalty", "--presence-penalty", "--profile-type", "--api-version",
         "--stream"),
    ),
    (
        "Pacing and retries",
        ("--concurrency", "--rpm", "--timeout", "--deadline", "--max-retries",
         "--retry-backoff"),
    ),
)  # fmt: skip
"""Help sections in the order they are shown, each with its options (by long flag),
most used first. A command shows only the sections it has options in."""
OTHER = "Other options"
"""The last section: ``--help`` and any option :data:`SECTIONS` does not name (a new
option is shown there until it is given its place)."""

_PLACE = {flag: (n, m) for n, (_, flags) in enumerate(SECTIONS) for m, flag in enumerate(flags)}


def section_of(param: click.Parameter) -> tuple[int, int]:
    """Where *param* goes: (section number, rank within it); :data:`OTHER` is last."""
    for flag in (*param.opts, *param.secondary_opts):
        if flag in _PLACE:
            return _PLACE[flag]
    return (len(SECTIONS), 0)


class SectionedCommand(click.Command):
    """A command whose help lists its options in :data:`SECTIONS`."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Write the options, one section at a time, aligned alike in every section."""
        placed: list[tuple[tuple[int, int], tuple[str, str]]] = []
        for order, param in enumerate(self.get_params(ctx)):
            record = param.get_help_record(ctx)
            if record is not None and isinstance(param, click.Option):
                number, rank = section_of(param)
                placed.append(((number, rank if number < len(SECTIONS) else order), record))
        placed.sort(key=lambda item: item[0])
        width = max((len(term) for _, (term, _) in placed if len(term) <= _COL_MAX), default=0)
        titles = [title for title, _ in SECTIONS] + [OTHER]
        for number, title in enumerate(titles):
            rows = [(term.ljust(width), text) for (n, _), (term, text) in placed if n == number]
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows, col_max=width)


_COL_MAX = 30
"""Widest option column (click's own default); longer terms take a line of their own."""
