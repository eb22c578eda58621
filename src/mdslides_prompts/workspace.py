"""A workspace: the decks of one session, each with the configuration that applies to it.

The command line, watch mode and library callers all go through a :class:`Workspace`, so
a deck gets the same settings however it is run. For a deck in a folder the layers are,
lowest first (see :mod:`~mdslides_prompts.configfile`): the nearest config file, the
deck's own ``mdslides-prompts:`` front-matter block, the environment, then the options
the caller gives. Decks whose settings come out equal share one
:class:`~mdslides_prompts.pipeline.Pipeline`; all share one plugin manager.

A provider named ``auto`` is chosen here from the environment by the
:func:`~mdslides_prompts.hookspecs.mdslides_auto_provider` hook.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
import os
from pathlib import Path
from typing import Any

import pluggy

from .config import Key, Settings
from .configfile import (
    KEYS,
    ConfigFiles,
    Layer,
    all_keys,
    cli_layer,
    env_layer,
    front_matter_layer,
    resolve,
)
from .deck import Deck
from .detection import Detection
from .errors import UsageError
from .fileio import read_bytes
from .pipeline import Pipeline
from .plugins import get_plugin_manager

__all__ = ["Workspace", "auto_provider", "config_keys", "settings_for"]


def auto_provider(pm: pluggy.PluginManager, environ: Mapping[str, str]) -> str:
    """The provider ``auto`` stands for in *environ*, as the plugins of *pm* decide.

    :raises UsageError: no plugin answers, or one finds the environment half set up
    """
    name = pm.hook.mdslides_auto_provider(environ=environ)
    if not isinstance(name, str) or not name:
        raise UsageError("no plugin can choose a provider for 'auto'; name one with --provider")
    return name


def config_keys(pm: pluggy.PluginManager) -> Mapping[str, Key]:
    """Every configuration key: the built-in ones and those the plugins of *pm* declare.

    :raises PluginError: a plugin declares a key badly or takes a name already taken
    """
    hook = pm.hook.mdslides_config_keys
    declared: list[tuple[str, Iterable[object]]] = []
    for impl in reversed(hook.get_hookimpls()):  # in the order they were registered
        keys = impl.function()
        if keys is not None:
            declared.append((impl.plugin_name, keys if isinstance(keys, Sequence) else [keys]))
    return all_keys(declared)


def settings_for(
    folder: Path,
    deck: Deck | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config: Path | None = None,
    base: Settings | None = None,
    pm: pluggy.PluginManager | None = None,
) -> Settings:
    """The settings for a deck in *folder*, resolved as the command line does: the nearest
    config file (or *config*), the split *deck*'s front matter, *environ* (default: the
    process environment), then *overrides* (keys as in the config file), over *base*
    (``auto`` is left as it is). A :class:`Workspace` does the same for many decks."""
    space = Workspace(
        overrides, base=base, config=config, environ=environ, pm=pm, resolve_auto=False
    )
    return space.settings(folder, deck)


class Workspace:
    """Reads decks and gives each the settings and pipeline that apply to it.

    :param options: configuration keys the caller sets (as in a config file, ``-`` or
        ``_`` alike); they win over every other source
    :param base: settings that are not configuration keys (``force``, ``use_cache``,
        ...) and the defaults under every source
    :param config: use this config file for every deck instead of searching for one
    :param environ: the environment (default: the process's), for
        ``MDSLIDES_PROMPTS_*`` keys and for what ``auto`` stands for
    :param pm: the plugin manager (default: :func:`~mdslides_prompts.plugins.get_plugin_manager`)
    :param resolve_auto: choose the provider ``auto`` stands for (commands that make
        prompts); otherwise settings keep ``auto`` as it is
    :param labels: how the caller names an option in messages (``--prompt-language``),
        by key name
    :param plugins: load the plugins to know their keys; ``False`` for a caller that
        needs only built-in keys and no plugin (``cache path``): config files' other keys
        are then left aside unchecked
    :raises UsageError: an option or environment value is not valid
    """

    def __init__(
        self,
        options: Mapping[str, Any] | None = None,
        *,
        base: Settings | None = None,
        config: Path | None = None,
        environ: Mapping[str, str] | None = None,
        pm: pluggy.PluginManager | None = None,
        resolve_auto: bool = True,
        labels: Mapping[str, str] | None = None,
        plugins: bool = True,
    ) -> None:
        self.environ = os.environ if environ is None else environ
        self.base = base or Settings()
        self.resolve_auto = resolve_auto
        self._pm = pm
        self.keys = config_keys(self.pm) if plugins else KEYS
        """Every configuration key, the plugins' included."""
        self.files = ConfigFiles(config, self.keys, lenient=not plugins)
        self.env = env_layer(self.environ, keys=self.keys)
        self.options = cli_layer(options or {}, labels=labels, keys=self.keys)
        self._pipelines: list[Pipeline] = []
        self._auto: str | None = None

    @property
    def pm(self) -> pluggy.PluginManager:
        """The plugin manager (built on first use when none was given)."""
        if self._pm is None:
            self._pm = get_plugin_manager()
        return self._pm

    @property
    def pipelines(self) -> tuple[Pipeline, ...]:
        """The pipelines made so far, one per distinct settings."""
        return tuple(self._pipelines)

    @property
    def auto(self) -> str | None:
        """What ``auto`` turned out to stand for, once some deck's settings named it."""
        return self._auto

    def refresh(self) -> None:
        """Forget which config file applies where, so that files created, edited or
        removed since are read again (watch mode calls it before each run)."""
        self.files = ConfigFiles(self.files.explicit, self.keys, self.files.lenient)

    def layers(self, folder: Path, deck: Deck | None = None) -> list[Layer | None]:
        """The configuration layers for a deck in *folder*, lowest first (the deck's own
        block once it is split)."""
        front = front_matter_layer(deck, self.keys) if deck is not None else None
        return [self.files.layer(folder), front, self.env, self.options]

    def settings(self, folder: Path, deck: Deck | None = None) -> Settings:
        """The settings for a deck in *folder* (with its own block, once split)."""
        settings = resolve(self.layers(folder, deck), self.base, self.keys)
        if self.resolve_auto and settings.provider == "auto":
            if self._auto is None:
                self._auto = auto_provider(self.pm, self.environ)
            settings = replace(settings, provider=self._auto)
        return settings

    def pipeline(self, settings: Settings) -> Pipeline:
        """The pipeline for *settings* (made once for each distinct settings)."""
        for pipeline in self._pipelines:
            if pipeline.settings == settings:
                return pipeline
        pipeline = Pipeline(settings, self.pm)
        self._pipelines.append(pipeline)
        return pipeline

    def reader(self, folder: Path) -> Pipeline:
        """The pipeline that reads decks in *folder* before their own block is known."""
        return self.pipeline(self.settings(folder))

    def is_deck(self, raw: Deck, folder: Path | None = None) -> bool:
        """Whether *raw* (read, not split) is a deck of a known format, or the settings
        name its format; a file in a folder that is not is skipped, not an error."""
        reader = self.reader(_folder(raw, folder))
        return reader.settings.format is not None or reader.detect(raw).format is not None

    def open(self, raw: Deck, folder: Path | None = None) -> tuple[Deck, Pipeline]:
        """Split *raw* and apply its own configuration: the deck ready to run, and the
        pipeline its settings call for.

        :param folder: the folder whose config file applies (default: the deck's, else
            the current directory)
        :raises DeckError: the deck cannot be split (its format unsure, ...)
        :raises UsageError: a configuration value is not valid
        """
        where = _folder(raw, folder)
        split = self.reader(where).split(raw)
        final = self.pipeline(self.settings(where, split))
        return final.controls(split), final

    def guess(self, raw: Deck, folder: Path | None = None) -> tuple[Deck, Detection | None]:
        """Like :meth:`open`, but a deck of uncertain format is split by the best guess
        (for reports only): the deck, and how its format was found (``None``: given)."""
        where = _folder(raw, folder)
        split, found = self.reader(where).guess(raw)
        final = self.pipeline(self.settings(where, split))
        return final.controls(split), found

    def load(self, path: Path) -> tuple[Deck, Pipeline]:
        """Read the deck at *path* and :meth:`open` it."""
        return self.open(Deck.from_bytes(read_bytes(path), path))


def _folder(deck: Deck, folder: Path | None) -> Path:
    if folder is not None:
        return folder
    return deck.path.parent if deck.path is not None else Path.cwd()
