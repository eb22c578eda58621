"""Building the plugin manager: built-in plugins first, then installed ones."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
import importlib
import os
from pathlib import Path
import sys
from types import ModuleType
from typing import TYPE_CHECKING

import pluggy

from . import hookspecs
from .about import PLUGINS_ENV
from .errors import PluginError

if TYPE_CHECKING:
    from importlib import metadata

__all__ = [
    "DEFAULT_PLUGINS",
    "PLUGINS_ENV",
    "PluginInfo",
    "get_plugin_manager",
    "installed_plugins",
    "plugin_infos",
]

DEFAULT_PLUGINS = (
    # Built-in hooks are all ``trylast`` (any installed plugin goes before them), and
    # pluggy calls ``trylast`` hooks in the order they were registered: offline, which
    # always answers ``auto``, comes after the providers that answer it when set up, and
    # the formats come most specific detection first.
    "mdslides_prompts.messages",
    "mdslides_prompts.providers.openai",
    "mdslides_prompts.providers.infomaniak",
    "mdslides_prompts.providers.offline",
    "mdslides_prompts.providers.images_http",
    "mdslides_prompts.providers.offline_image",
    "mdslides_prompts.formats.marp",
    "mdslides_prompts.formats.slidev",
    "mdslides_prompts.formats.deckset",
    "mdslides_prompts.formats.lookatme",
    "mdslides_prompts.formats.pandoc",
    "mdslides_prompts.formats.remark",
    "mdslides_prompts.formats.reveal",
)
"""Built-in plugin modules, registered exactly like third-party plugins (a module's
``PLUGIN`` object, if it has one, rather than the module)."""


def get_plugin_manager(
    *,
    load_entrypoints: bool = True,
    extra: Iterable[object] = (),
    only: Iterable[str] | None = None,
) -> pluggy.PluginManager:
    """Create a plugin manager with every hook spec and the built-in plugins.

    :param load_entrypoints: also load plugins installed under the ``mdslides_prompts``
        entry-point group (restricted by :envvar:`MDSLIDES_PROMPTS_PLUGINS` if set)
    :param extra: more plugin objects to register (modules, classes or instances)
    :param only: load only the entry points with these names (empty: none), whatever
        :envvar:`MDSLIDES_PROMPTS_PLUGINS` says
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in DEFAULT_PLUGINS:
        module: ModuleType = importlib.import_module(name)
        # A format module's hooks are one object (formats/base.py), registered in its place.
        pm.register(getattr(module, "PLUGIN", module), name=name)
    if load_entrypoints:
        if only is None and PLUGINS_ENV not in os.environ:
            if may_declare_plugins():
                _load(pm, None)
        else:
            given = os.environ[PLUGINS_ENV].split(",") if only is None else only
            wanted = [n.strip() for n in given if n.strip()]
            installed = {ep.name for ep in installed_plugins()}
            unknown = sorted(set(wanted) - installed)
            if unknown:
                names = ", ".join(sorted(installed)) or "none"
                raise PluginError(
                    f"no installed plugin is called {', '.join(unknown)} (installed: {names})"
                )
            for name in wanted:
                _load(pm, name)
    for plugin in extra:
        pm.register(plugin)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin {exc.plugin!r} is invalid: {exc}") from None
    return pm


_GROUP = hookspecs.PROJECT.encode()


def may_declare_plugins() -> bool:
    """Whether an installed distribution may declare a plugin: ``False`` only when none
    of the ``entry_points.txt`` files where :mod:`importlib.metadata` finds them holds
    the group's name at all (a section of it must), so that a run spares itself
    importing it (20 ms; pluggy does).

    Its finder looks in every folder on :data:`sys.path` for ``*.dist-info`` and
    ``*.egg-info`` folders; anything else (a zip or an egg on the path, another finder
    of distributions) answers ``True``: the full search then decides.
    """
    import importlib.machinery

    for finder in sys.meta_path:
        if hasattr(finder, "find_distributions") and finder is not importlib.machinery.PathFinder:
            return True
    for entry in sys.path:
        folder = Path(entry or ".")
        if entry.lower().endswith(".egg") or folder.is_file():
            return True
        try:
            children = list(folder.iterdir())
        except OSError:
            continue  # importlib.metadata skips a folder it cannot list too
        for child in children:
            if not child.name.lower().endswith((".dist-info", ".egg-info")):
                continue
            try:
                declared = (child / "entry_points.txt").read_bytes()
            except OSError:
                continue  # no entry points (or an egg-info file, which holds none)
            if _GROUP in declared:
                return True
    return False


def _load(pm: pluggy.PluginManager, name: str | None) -> None:
    try:
        pm.load_setuptools_entrypoints(hookspecs.PROJECT, name=name)
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin {exc.plugin!r} is invalid: {exc}") from None
    except Exception as exc:  # an entry point that fails to import
        which = f"plugin {name!r}" if name else "an installed plugin"
        raise PluginError(f"{which} failed to load: {type(exc).__name__}: {exc}") from None


def installed_plugins() -> list[metadata.EntryPoint]:
    """The entry points installed under the ``mdslides_prompts`` group, loaded or not."""
    from importlib import metadata  # slow to import; only commands that load plugins need it

    return sorted(metadata.entry_points(group=hookspecs.PROJECT), key=lambda ep: ep.name)


@dataclass(frozen=True, slots=True)
class PluginInfo:
    """A plugin registered with a plugin manager."""

    name: str
    """Its registered name: the entry point's name, or the module for built-in ones."""
    version: str
    """The version of the distribution that ships it."""
    distribution: str
    """The distribution that ships it (``mdslides-prompts`` for built-in plugins)."""
    builtin: bool
    """Whether it is one of :data:`DEFAULT_PLUGINS`."""
    hooks: tuple[str, ...]
    """The hooks it implements."""


def plugin_infos(pm: pluggy.PluginManager) -> list[PluginInfo]:
    """Every plugin registered with *pm*: built-in ones first, then installed ones."""
    from .about import __version__

    dists = {id(plugin): dist for plugin, dist in pm.list_plugin_distinfo()}
    infos = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:
            continue
        dist = dists.get(id(plugin))
        hooks = tuple(sorted(caller.name for caller in pm.get_hookcallers(plugin) or ()))
        if dist is not None:
            meta = dist.metadata
            infos.append(PluginInfo(name, dist.version, meta["name"], False, hooks))
        else:
            builtin = name in DEFAULT_PLUGINS
            infos.append(PluginInfo(name, __version__, "mdslides-prompts", builtin, hooks))
    return sorted(infos, key=lambda i: (not i.builtin, i.name))
