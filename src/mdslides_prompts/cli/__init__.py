"""The command line: a thin adapter from options to :class:`~mdslides_prompts.pipeline.Pipeline`.

Exit codes: 0 success; 1 ``check`` found problems or some slides failed; 2 usage error,
unreadable input or any other error that stopped the run. Errors are one line on stderr.

This module and :mod:`.common` are all that ``mdslides-prompts --help`` imports besides
click: each command lives in its own module (:mod:`.run`, :mod:`.watch`, :mod:`.check`,
:mod:`.info`, :mod:`.cache`), loaded when it is named.
"""

from __future__ import annotations

import atexit
from collections.abc import Sequence
import contextlib
import os
import sys
import threading
from typing import NoReturn

import click
from click import formatting

from ..about import PLUGINS_ENV, __version__
from ..errors import MdSlidesError
from .common import SUMMARIES, CommandExit, GroupState

__all__ = ["SUMMARIES", "CommandExit", "GroupState", "cli", "main", "run_and_exit"]


def _help_width(max_width: int | None) -> int:
    """The width click's help formatter picks (the terminal's, at most *max_width* or 80,
    less 2, at least 50), found without importing :mod:`shutil` (a tenth of ``--help``)."""
    if formatting.FORCED_WIDTH is not None:  # set by click.testing
        return formatting.FORCED_WIDTH
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return max(min(columns or 80, max_width or 80) - 2, 50)


class _Context(click.Context):
    def make_formatter(self) -> click.HelpFormatter:
        width = self.terminal_width or _help_width(self.max_content_width)
        return self.formatter_class(width=width, max_width=self.max_content_width)


class _LazyGroup(click.Group):
    """A group that imports its commands only when one is invoked."""

    context_class = _Context

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(SUMMARIES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return _command(cmd_name) if cmd_name in SUMMARIES else None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl(list(SUMMARIES.items()))


def _command(name: str) -> click.Command:
    """The command *name* (one of :data:`SUMMARIES`), importing only the module it is in."""
    # Imported here, one module per command: --help and every other command skip them.
    if name == "run":
        from .run import run

        return run
    if name == "images":
        from .images import images

        return images
    if name == "watch":
        from .watch import watch

        return watch
    if name in ("check", "strip", "inspect"):
        from .check import check, inspect, strip

        return {"check": check, "strip": strip, "inspect": inspect}[name]
    if name == "quarto":
        from .quarto import quarto

        return quarto
    if name in ("config", "models", "plugins"):
        from .info import config_command, models, plugins

        return {"config": config_command, "models": models, "plugins": plugins}[name]
    from .cache import cache

    return cache


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mdslides-prompts")
@click.option(
    "--plugins",
    metavar="NAMES",
    help=f"Load only these installed plugins, comma-separated ('' for none); overrides "
    f"${PLUGINS_ENV}.",
)
@click.pass_context
def cli(ctx: click.Context, plugins: str | None) -> None:
    """Give every slide of a Markdown deck an image-generation prompt."""
    names = None if plugins is None else tuple(n.strip() for n in plugins.split(",") if n.strip())
    ctx.obj = GroupState(plugins=names)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with *argv* (default: ``sys.argv[1:]``) and return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        cli.main(args=args, prog_name="mdslides-prompts", standalone_mode=False)
    except CommandExit as exc:
        if exc.message:
            click.echo(f"mdslides-prompts: {exc.message}", err=True)
        return exc.code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:  # a bad option or value too: one line, as every error
        click.echo(f"mdslides-prompts: {exc.format_message()}", err=True)
        return 2
    except click.Abort:
        click.echo("mdslides-prompts: aborted", err=True)
        return 2
    except MdSlidesError as exc:
        click.echo(f"mdslides-prompts: {exc}", err=True)
        return 2
    except KeyboardInterrupt:
        click.echo("mdslides-prompts: interrupted", err=True)
        return 130
    except Exception as exc:  # a bug: still one line, with a way to see the traceback
        if os.environ.get("MDSLIDES_PROMPTS_DEBUG"):
            raise
        click.echo(
            f"mdslides-prompts: internal error: {type(exc).__name__}: {exc} "
            "(set MDSLIDES_PROMPTS_DEBUG=1 for a traceback)",
            err=True,
        )
        return 2
    return 0


def run_and_exit() -> NoReturn:
    """The ``mdslides-prompts`` program: run :func:`main`, then end the process.

    The process ends without Python's own teardown, which spends 60-100 ms clearing
    the objects of the hundreds of modules a run imports, after all of its work is done.
    Nothing is lost by that: the exit handlers still run and the standard streams are
    flushed first, and decks and the cache are closed by then. If a thread is still
    running, Python's normal exit waits for it instead.
    """
    # httpx imports its own command line (rich's progress and syntax, pygments: 30 ms,
    # before the first request) whenever those are installed, and this program never
    # uses it: the import fails instead (a None in sys.modules), and httpx falls back to
    # a stub of it.
    if "httpx" not in sys.modules:
        sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
    code = main()
    if threading.active_count() > 1:
        sys.exit(code)
    atexit._run_exitfuncs()  # what Python's exit would run (other than the teardown)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed, or a reader that went away
            stream.flush()
    os._exit(code)
