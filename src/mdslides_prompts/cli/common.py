"""What every command shares: the short help of each, the group's state, the exit with a
code, and the console on stderr.

``mdslides-prompts --help`` imports this module (for :data:`SUMMARIES`): it stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn, cast

if TYPE_CHECKING:
    import pluggy
    from rich.console import Console

__all__ = [
    "SUMMARIES",
    "CommandExit",
    "GroupState",
    "StderrConsole",
    "fail",
    "stderr_console",
    "warn",
]

SUMMARIES = {
    "run": "Write an image prompt into every slide of the decks at PATH.",
    "images": "Give every slide with a current prompt its picture.",
    "watch": "Keep the prompts of the decks at PATH current while you edit.",
    "check": "Fail if any slide's prompt is missing, stale or unparsable.",
    "strip": "Remove the markers run wrote, giving back the deck as it was before.",
    "inspect": "Show the slides of a deck as its generator splits them.",
    "config": "Show the configuration for a deck and where each value comes from.",
    "models": "List the chat models a provider offers.",
    "plugins": "List the plugins loaded, with their versions and what they add.",
    "cache": "Where the prompt cache is, what it holds, why a slide misses.",
    "quarto": "A Quarto pre-render step: prompts for the decks Quarto renders.",
}
"""Every command, in the order ``--help`` lists them, with the line it shows for each.

The commands take their short help from here, so the listing needs no import of them.
"""


class CommandExit(Exception):
    """Raised inside commands to leave with a given exit code after printing a message."""

    def __init__(self, code: int, message: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class GroupState:
    """What the group's options say, for every command of one invocation."""

    __slots__ = ("plugins", "pm")

    def __init__(self, plugins: tuple[str, ...] | None = None) -> None:
        self.plugins = plugins
        """Entry-point plugins to load (``--plugins``); ``None``: as the environment says."""
        self.pm: pluggy.PluginManager | None = None
        """The plugin manager, built on first use."""


class StderrConsole:
    """The rich console on stderr, made on first use: a quiet run that prints nothing never
    imports rich."""

    def __init__(self) -> None:
        self._console: Console | None = None

    def real(self) -> Console:
        """The rich console itself."""
        if self._console is None:
            from rich.console import Console  # rich: not for --help (a quiet run never needs it)

            # No emoji: ``deck.md:100:`` is a place in a file, not the :100: shortcode.
            self._console = Console(stderr=True, soft_wrap=True, emoji=False)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real(), name)


def stderr_console() -> Console:
    """The console on stderr that commands print their messages on."""
    return cast("Console", StderrConsole())


def fail(message: str, code: int = 2) -> NoReturn:
    """Leave the command with exit code *code*, printing *message* (one line per error)."""
    raise CommandExit(code, message)


def warn(message: str | None, console: Console | None = None) -> None:
    """Print *message* as a warning on stderr, if there is one."""
    if message is not None:
        out = console if console is not None else stderr_console()
        out.print(f"mdslides-prompts: warning: {message}", markup=False, highlight=False)
