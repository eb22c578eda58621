"""``mdslides-prompts quarto``: a Quarto project's pre-render step.

Quarto runs a project's ``pre-render`` commands in the project's folder with the files it
is about to render in ``QUARTO_PROJECT_INPUT_FILES`` (one per line; in a file named by
``QUARTO_USE_FILE_FOR_PROJECT_INPUT_FILES`` when the list is too long for the
environment) and ``QUARTO_PROJECT_RENDER_ALL`` set to ``1`` for a whole-project render.
This command runs ``run`` on those of them that are slide decks, and nothing else, so a
preview of one page touches one deck. A non-zero exit stops Quarto's render.
"""

from __future__ import annotations

from collections.abc import Mapping
import os
from pathlib import Path
from typing import Any

import click

from ..helpformat import SectionedCommand
from .common import SUMMARIES, fail, stderr_console

__all__ = ["input_files", "quarto"]

INPUT_FILES = "QUARTO_PROJECT_INPUT_FILES"
INPUT_FILES_FILE = "QUARTO_USE_FILE_FOR_PROJECT_INPUT_FILES"
RENDER_ALL = "QUARTO_PROJECT_RENDER_ALL"


def input_files(environ: Mapping[str, str]) -> list[str] | None:
    """The files Quarto is about to render, as its environment says (``None``: not run by
    Quarto)."""
    listed = environ.get(INPUT_FILES_FILE)
    if listed:
        try:
            text = Path(listed).read_text(encoding="utf-8")
        except OSError as exc:
            fail(f"{INPUT_FILES_FILE}: cannot read {listed}: {exc.strerror or exc}")
    elif INPUT_FILES in environ:
        text = environ[INPUT_FILES]
    else:
        return None
    return [line.strip() for line in text.splitlines() if line.strip()]


@click.command(cls=SectionedCommand, short_help=SUMMARIES["quarto"])
@click.option(
    "--cache-only/--ask",
    "cache_only",
    default=None,
    help="Use cached answers only, failing on a slide the cache lacks (the default when "
    "CI is set), or ask the provider (the default elsewhere).",
)
@click.option("--images", "with_images", is_flag=True, help="Then give the slides pictures.")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.pass_context
def quarto(ctx: click.Context, cache_only: bool | None, with_images: bool, quiet: bool) -> None:
    """Give the slide decks Quarto is about to render their prompts: a pre-render step
    (``project: pre-render: mdslides-prompts quarto`` in ``_quarto.yml``)."""
    files = input_files(os.environ)
    if files is None:
        fail(f"{INPUT_FILES} is not set: run this as a pre-render step of a Quarto project")
    decks = [f for f in files if Path(f).suffix.lower() in (".qmd", ".md", ".rmd")]
    if not decks:
        if not quiet:
            stderr_console().print("mdslides-prompts: no Markdown to render", markup=False)
        return
    from .run import run  # imports the formats: only when there is work

    if cache_only is None:
        cache_only = bool(os.environ.get("CI"))
    options: dict[str, Any] = {"paths": tuple(decks), "ignore_unknown": True, "quiet": quiet}
    if cache_only:
        options["cache_only"] = True
    if with_images:
        options["with_images"] = True
    ctx.invoke(run, **options)
