"""Building the plugin manager: built-in plugins first, then installed ones."""

from __future__ import annotations

from collections.abc import Iterable
import importlib
import os
from types import ModuleType

import pluggy

from . import hookspecs
from .errors import PluginError

__all__ = ["DEFAULT_PLUGINS", "PLUGINS_ENV", "get_plugin_manager"]

DEFAULT_PLUGINS = (
    "mdslides_prompts.messages",
    "mdslides_prompts.providers.offline",
    # Formats, most specific detection first: built-in hooks are all ``trylast`` (any
    # installed plugin goes before them), and pluggy calls ``trylast`` hooks in the
    # order they were registered.
    "mdslides_prompts.formats.marp",
    "mdslides_prompts.formats.slidev",
    "mdslides_prompts.formats.deckset",
    "mdslides_prompts.formats.pandoc",
    "mdslides_prompts.formats.remark",
    "mdslides_prompts.formats.reveal",
)
"""Built-in plugin modules, registered exactly like third-party plugins."""

PLUGINS_ENV = "MDSLIDES_PROMPTS_PLUGINS"
"""Comma-separated entry-point names to load; empty (set but blank) loads none."""


def get_plugin_manager(
    *, load_entrypoints: bool = True, extra: Iterable[object] = ()
) -> pluggy.PluginManager:
    """Create a plugin manager with every hook spec and the built-in plugins.

    :param load_entrypoints: also load plugins installed under the ``mdslides_prompts``
        entry-point group (restricted by :envvar:`MDSLIDES_PROMPTS_PLUGINS` if set)
    :param extra: more plugin objects to register (modules, classes or instances)
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in DEFAULT_PLUGINS:
        module: ModuleType = importlib.import_module(name)
        pm.register(module, name=name)
    if load_entrypoints:
        allowed = os.environ.get(PLUGINS_ENV)
        if allowed is None:
            pm.load_setuptools_entrypoints(hookspecs.PROJECT)
        else:
            for wanted in filter(None, (n.strip() for n in allowed.split(","))):
                pm.load_setuptools_entrypoints(hookspecs.PROJECT, name=wanted)
    for plugin in extra:
        pm.register(plugin)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin {exc.plugin!r} is invalid: {exc}") from None
    return pm
