"""Run settings: one frozen object built by the CLI (or by a library caller)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
import math
import os
from pathlib import Path
from types import MappingProxyType
from typing import Any

__all__ = ["CACHE_DIR_ENV", "ENV_PREFIX", "MODES", "PLACEMENTS", "Key", "Settings"]

ENV_PREFIX = "MDSLIDES_PROMPTS_"
"""Prefix of the environment variable of each key (``MDSLIDES_PROMPTS_MODEL``)."""

CACHE_DIR_ENV = "MDSLIDES_PROMPTS_CACHE_DIR"
"""Environment variable that moves the prompt cache."""

MODES = ("comment", "reference", "frontmatter")
"""Ways a prompt can be written into a deck: an HTML comment, a link reference
definition (invisible in slides and notes where the format allows it), or a key in the
slide's front matter (where the format has per-slide front matter)."""

PLACEMENTS = ("auto", "background", "left", "right", "none")
"""Where a slide's picture may go (the ``placement`` key; see :attr:`Settings.placement`)."""


@dataclass(frozen=True, slots=True)
class Key:
    """One configuration key: how its value is checked and where it goes in
    :class:`Settings`.

    The built-in keys are in :data:`mdslides_prompts.configfile.KEYS`; a plugin declares
    its own with :func:`~mdslides_prompts.hookspecs.mdslides_config_keys`, and reads
    their values from :attr:`Settings.extra`.
    """

    name: str
    """The key as written in files and front matter (``max-tokens``)."""
    kind: str
    """``text``, ``int``, ``number``, ``bool``, ``choice``, ``path``, ``template``,
    ``slides``."""
    help: str
    """What it does, in a few words."""
    target: str = ""
    """Where the value goes: a :class:`Settings` field, ``params.<name>`` (a request
    parameter, part of the cache key) or ``options.<name>`` (how the provider is
    reached); empty for a plugin's key, whose value goes to :attr:`Settings.extra`."""
    choices: tuple[str, ...] = ()
    """Allowed values of a ``choice`` key."""
    low: float = -math.inf
    """Lowest value of a number."""
    high: float = math.inf
    """Highest value of a number."""
    deck: bool = False
    """Whether a deck's own ``mdslides-prompts:`` block may set it (only what a deck
    should decide: never how a provider is reached, since a deck may come from anyone)."""
    unset: str | None = None
    """What leaving the key unset means, for ``config`` (``None``: not sent, the
    server's default applies)."""

    @property
    def env(self) -> str:
        """The key's environment variable."""
        return ENV_PREFIX + self.name.upper().replace("-", "_")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything that shapes a run. Secrets never live here."""

    provider: str = "offline"
    """Name of the provider that makes prompts (see ``mdslides_provider_names``)."""
    model: str | None = None
    """Model name; ``None`` lets the provider pick its default."""
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    """Extra request parameters (temperature, max_tokens, ...), part of the cache key."""
    provider_options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    """How the provider is reached (base URL, API version, pacing, timeouts, retries, ...);
    not part of the cache key, never a secret. Each provider documents the keys it reads."""
    format: str | None = None
    """Force this deck format instead of detecting it."""
    mode: str = "comment"
    """How prompts are written into the deck (one of :data:`MODES`)."""
    language: str = "en"
    """Language the prompts are written in."""
    style: str | None = None
    """A visual style applied to every prompt of a deck."""
    cache_dir: Path | None = None
    """Where the cache lives; ``None`` means :envvar:`MDSLIDES_PROMPTS_CACHE_DIR` or the
    user cache directory."""
    use_cache: bool = True
    """Read and write the prompt cache."""
    force: bool = False
    """Regenerate every prompt, hand-edited ones included."""
    concurrency: int = 4
    """How many slides may be waiting on the provider at once."""
    skip: tuple[str, ...] = ()
    """Slides that get no prompt: numbers (``"3"``), ranges (``"5-7"``) or exact titles
    (see :mod:`mdslides_prompts.controls`)."""
    lock: tuple[str, ...] = ()
    """Slides whose prompt is never regenerated, not even with :attr:`force`; same forms."""
    slides: tuple[str, ...] | None = None
    """Regenerate only these slides (same forms), fresh prompts included; ``None``: every
    slide that needs a prompt."""
    system_template: str | None = None
    """The system message template (text, not a path); ``None``: the built-in one.
    Variables are listed in :data:`mdslides_prompts.messages.TEMPLATE_VARIABLES`."""
    user_template: str | None = None
    """The user message template (text); ``None``: the built-in one."""
    art_direction: bool = True
    """Give each deck one art direction (the ``style`` setting, else one cached request
    per deck) that every slide's request carries and every prompt ends with."""
    art_template: str | None = None
    """The system message template of the art-direction request; ``None``: the
    built-in one."""
    notes: bool = False
    """Send each slide's speaker notes to the model too (never by default: notes may name
    people or hold what is not for a third party)."""
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    """Values of the keys plugins declare (``mdslides_config_keys``), by key name
    (``{"separator": "^---$"}``); the plugin that declares a key reads it here."""
    cache_only: bool = False
    """Never ask the provider: new prompts come from the cache, and slides it has no
    answer for are reported as missed (the provider needs no credentials then)."""
    include_illustrated: bool = False
    """Give a prompt to slides whose picture the author already set too (Marp's
    ``![bg]``, Slidev's ``image:``, a ``data-background-image``...: see
    :mod:`~mdslides_prompts.placement`); by default they are skipped."""
    image_provider: str | None = None
    """The image provider (``images``): ``None`` for the one named like :attr:`provider`
    (``offline`` when that one makes no pictures)."""
    image_model: str = "flux"
    """The image model."""
    image_style: str | None = None
    """A style preset of the image model, if any."""
    images_folder: str = "slide-images"
    """Where a deck's pictures go, relative to the deck's folder."""
    image_price: float | None = None
    """What one picture costs (in the account's currency), to estimate a run's spend."""
    max_images: int = 50
    """Most pictures one run may ask for; a run that would ask for more asks for none
    (0: no limit)."""
    placement: str = "auto"
    """Where a picture goes in its slide: ``background``, ``left``, ``right``, ``none``
    (no pictures), or ``auto`` (the slot the format gives the slide, else a right-hand
    panel beside a slide's text and the background behind a cover, a heading alone, a
    closing or a questions slide)."""

    def resolved_cache_dir(self) -> Path:
        """The cache directory: the setting, else the environment, else the user cache dir."""
        if self.cache_dir is not None:
            return self.cache_dir
        env = os.environ.get(CACHE_DIR_ENV)
        if env:
            return Path(env)
        import platformdirs  # only needed when no directory is given

        return Path(platformdirs.user_cache_dir("mdslides-prompts", appauthor=False))
