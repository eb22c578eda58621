"""The options and arguments several commands share, declared once.

Each decorator adds a group of options; :class:`~mdslides_prompts.helpformat.SectionedCommand`
sorts them into the sections of ``--help``.
"""

from __future__ import annotations

from collections.abc import Callable

import click

from ..config import CACHE_DIR_ENV, MODES
from ..providers.options import (
    DEFAULT_MODEL,
    DEFAULT_PARAMS,
    PRODUCT_ENV,
    TOKEN_ENV,
    ClientOptions,
)
from ..templates import LANGUAGE_NAMES
from . import complete

__all__ = [
    "CACHE_DIR_OPTION",
    "CONCURRENCY_OPTION",
    "INCLUDE_ILLUSTRATED_OPTION",
    "MODE_OPTION",
    "NO_CACHE_OPTION",
    "connection_options",
    "deck_options",
    "ignore_unknown_option",
    "paths_argument",
    "provider_options",
]

_DECK_OPTION_LIST = (
    click.option(
        "--format",
        "format_",
        metavar="NAME",
        help="Deck format, instead of detecting it (e.g. marp).",
        shell_complete=complete.formats,
    ),
    click.option(
        "--separator", metavar="REGEX", help="reveal.js horizontal separator (as data-separator)."
    ),
    click.option(
        "--vertical-separator",
        metavar="REGEX",
        help="reveal.js vertical separator (as data-separator-vertical).",
    ),
    click.option(
        "--notes-separator",
        metavar="REGEX",
        help="reveal.js notes separator (as data-separator-notes).",
    ),
    click.option(
        "--slide-level",
        type=int,
        metavar="N",
        help="pandoc/Quarto: the --slide-level (1-6) the deck is built with.",
    ),
)


_CONFIG_OPTION = click.option(
    "--config",
    "config_file",
    metavar="FILE",
    help="Read the configuration from FILE instead of the nearest .mdslides-prompts.toml "
    "or pyproject.toml.",
)


def deck_options(command: Callable[..., None]) -> Callable[..., None]:
    """Add the options that decide how decks are read: format, separators, config file."""
    for option in reversed((*_DECK_OPTION_LIST, _CONFIG_OPTION)):
        command = option(command)
    return command


_DEFAULTS = ClientOptions()
_CONNECTION_OPTION_LIST = (
    click.option(
        "--base-url", metavar="URL", help="openai: API base (e.g. http://localhost:11434/v1)."
    ),
    click.option(
        "--api-key-env",
        metavar="NAME",
        help="openai: environment variable holding the key (default OPENAI_API_KEY).",
    ),
    click.option(
        "--timeout",
        type=float,
        help=f"Seconds one request may take (default {_DEFAULTS.timeout:g}).",
    ),
)
_PROVIDER_CHOICE = click.option(
    "--provider",
    default=None,
    shell_complete=complete.providers,
    help=f"Provider that writes prompts: auto (the default: infomaniak if {TOKEN_ENV} and "
    f"{PRODUCT_ENV} are set, else offline), offline, infomaniak, openai, or a plugin's.",
)
_PROVIDER_OPTION_LIST = (
    click.option(
        "--model", default=None, help=f"Model name (infomaniak default: {DEFAULT_MODEL})."
    ),
    click.option(
        "--api-version", type=click.Choice(["1", "2"]), help="infomaniak route (default 2)."
    ),
    click.option(
        "--max-tokens",
        type=int,
        help=f"Answer budget, 1-5000 (default {DEFAULT_PARAMS['max_tokens']}).",
    ),
    click.option(
        "--temperature", type=float, help=f"0-2 (default {DEFAULT_PARAMS['temperature']})."
    ),
    click.option("--top-p", type=float, help="0-1."),
    click.option("--frequency-penalty", type=float, help="-2 to 2."),
    click.option("--presence-penalty", type=float, help="-2 to 2."),
    click.option("--profile-type", help="infomaniak v1: creative, standard or strict."),
    click.option(
        "--stream/--no-stream", default=None, help="Receive answers as server-sent events."
    ),
    click.option(
        "--rpm",
        type=float,
        help=f"Most requests per minute (default {_DEFAULTS.rpm:g}; 0: no pacing).",
    ),
    click.option(
        "--deadline",
        type=float,
        help=f"Seconds one slide may take, retries included (default {_DEFAULTS.deadline:g}).",
    ),
    click.option(
        "--max-retries", type=int, help=f"Retries per slide (default {_DEFAULTS.max_retries})."
    ),
    click.option(
        "--retry-backoff",
        type=float,
        help="First wait after a failed request, doubling each time "
        f"(default {_DEFAULTS.retry_backoff:g} s; 5x for 429).",
    ),
    click.option(
        "--prompt-language",
        "language",
        default=None,
        help=f"Language of the prompts: {', '.join(LANGUAGE_NAMES)} (default en).",
    ),
    click.option("--style", help="A visual style for every prompt of a deck."),
    click.option(
        "--system-template",
        metavar="FILE",
        help="Template of the system message (variables: see docs/configuration.md).",
    ),
    click.option("--user-template", metavar="FILE", help="Template of the user message."),
)


def connection_options(command: Callable[..., None]) -> Callable[..., None]:
    """Add the options that choose and reach the provider."""
    for option in reversed(_CONNECTION_OPTION_LIST):
        command = option(command)
    return command


def provider_options(command: Callable[..., None]) -> Callable[..., None]:
    """Add the options that choose, reach and tune the provider."""
    for option in reversed((_PROVIDER_CHOICE, *_CONNECTION_OPTION_LIST, *_PROVIDER_OPTION_LIST)):
        command = option(command)
    return command


paths_argument = click.argument("paths", nargs=-1, required=True, metavar="PATH...")
ignore_unknown_option = click.option(
    "--ignore-unknown",
    is_flag=True,
    help="Skip named files that are not decks of a known format (for pre-commit).",
)

CACHE_DIR_OPTION = click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    default=None,
    help=f"Prompt cache folder (default: config, ${CACHE_DIR_ENV} or the user cache folder).",
)
NO_CACHE_OPTION = click.option(
    "--no-cache", is_flag=True, help="Neither read nor write the prompt cache."
)
MODE_OPTION = click.option(
    "--mode",
    type=click.Choice(MODES),
    default=None,
    metavar="MODE",
    help="How prompts are written: comment (the default), reference or frontmatter.",
)
CONCURRENCY_OPTION = click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=None,
    help="Slides waiting on the provider at once (default 4).",
)
INCLUDE_ILLUSTRATED_OPTION = click.option(
    "--include-illustrated",
    is_flag=True,
    default=None,
    help="Treat slides whose picture the author already set (Marp ![bg], Slidev image:, "
    "data-background-image, ...) like the others; by default they get no prompt.",
)
