"""The commands about the setup rather than a deck's slides: ``models`` (what a provider
offers), ``plugins`` (what is loaded) and ``config`` (every setting and where it comes from).
"""

from __future__ import annotations

from dataclasses import replace
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..config import Key, Settings
from ..configfile import defaults, origins
from ..deck import Deck
from ..errors import ProviderError, UsageError
from ..fileio import read_bytes
from ..helpformat import SectionedCommand
from ..plugins import installed_plugins, plugin_infos
from ..providers.infomaniak import create_infomaniak
from ..providers.openai import create_openai
from ..providers.options import DEFAULT_MODEL, PRODUCT_ENV, TOKEN_ENV
from .common import SUMMARIES, CommandExit, fail
from .decks import Decks, config_values, plugin_manager
from .options import (
    CACHE_DIR_OPTION,
    CONCURRENCY_OPTION,
    MODE_OPTION,
    connection_options,
    deck_options,
    provider_options,
)

if TYPE_CHECKING:
    from ..providers.base import ModelInfo
    from ..providers.openai import ChatProvider

__all__ = ["config_command", "models", "plugins"]


@click.command(cls=SectionedCommand, short_help=SUMMARIES["models"])
@click.option(
    "--provider",
    "name",
    default="infomaniak",
    show_default=True,
    help="infomaniak (GET /1/ai/models, type llm) or openai (GET BASE_URL/models).",
)
@connection_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def models(name: str, as_json: bool, **options: Any) -> None:
    """List the chat models a provider offers. Needs no product id."""
    import asyncio  # only models waits on a server: config and plugins start faster

    decks = Decks(config_values(options))
    settings = replace(decks.settings(Path.cwd()), provider=name)
    if name == "infomaniak":
        catalogue: ChatProvider = create_infomaniak(settings, os.environ, need_product=False)
    elif name == "openai":
        catalogue = create_openai(settings, os.environ, need_model=False)
    else:
        fail(f"models lists the infomaniak and openai catalogues, not {name!r}'s")
    try:
        found = asyncio.run(_list_models(catalogue))
    except ProviderError as exc:
        raise CommandExit(1, str(exc)) from None
    default = DEFAULT_MODEL if name == "infomaniak" else None
    if as_json:
        rows = [{**_model_row(m), "default": m.name == default} for m in found]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for model in found:
        details = [
            "default" if model.name == default else "",
            f"{model.max_input_tokens} input tokens" if model.max_input_tokens else "",
            model.status or "",
            model.description or "",
        ]
        extra = "; ".join(d for d in details if d)
        click.echo(f"{model.name}  ({extra})" if extra else model.name)


async def _list_models(provider: ChatProvider) -> list[ModelInfo]:
    try:
        return await provider.list_models()
    finally:
        await provider.aclose()


def _model_row(model: ModelInfo) -> dict[str, Any]:
    return {
        "name": model.name,
        "description": model.description,
        "max_input_tokens": model.max_input_tokens,
        "status": model.status,
    }


@click.command(cls=SectionedCommand, short_help=SUMMARIES["plugins"])
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def plugins(as_json: bool) -> None:
    """List the plugins loaded, with their versions and what they add.

    Installed plugins that are not loaded (pinned out by --plugins or $MDSLIDES_PROMPTS_PLUGINS)
    are listed too.
    """
    from ..pipeline import Pipeline  # imports the formats: not for --help

    pm = plugin_manager()
    offers = Pipeline(Settings(), pm).names_by_plugin()
    loaded = plugin_infos(pm)
    rows: list[dict[str, Any]] = [
        {
            "name": info.name,
            "version": info.version,
            "distribution": info.distribution,
            "builtin": info.builtin,
            "loaded": True,
            "formats": offers.get(info.name, {}).get("formats", []),
            "providers": offers.get(info.name, {}).get("providers", []),
            "hooks": list(info.hooks),
        }
        for info in loaded
    ]
    names = {info.name for info in loaded}
    for ep in installed_plugins():
        if ep.name not in names:
            dist = ep.dist
            rows.append({
                "name": ep.name, "version": dist.version if dist else None,
                "distribution": dist.metadata["name"] if dist else None, "builtin": False,
                "loaded": False, "formats": [], "providers": [], "hooks": [],
            })  # fmt: skip
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        adds = [f"formats: {', '.join(row['formats'])}"] if row["formats"] else []
        adds += [f"providers: {', '.join(row['providers'])}"] if row["providers"] else []
        if not row["loaded"]:
            adds = ["not loaded (pinned out)"]
        elif not adds:
            adds = [f"hooks: {', '.join(h.removeprefix('mdslides_') for h in row['hooks'])}"]
        where = "built-in" if row["builtin"] else f"{row['distribution']} {row['version']}"
        name = row["name"].removeprefix("mdslides_prompts.")
        click.echo(f"{name}  ({where}; {'; '.join(adds)})")


@click.command("config", cls=SectionedCommand, short_help=SUMMARIES["config"])
@click.argument("path", metavar="[PATH]", required=False)
@provider_options
@deck_options
@CACHE_DIR_OPTION
@MODE_OPTION
@CONCURRENCY_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--schema",
    type=click.Choice(["config", "pyproject"]),
    default=None,
    help="Print a JSON Schema for editors instead (every key of the loaded plugins too): "
    "of a config file (config), or of a pyproject.toml's [tool.mdslides-prompts] table.",
)
def config_command(
    path: str | None,
    config_file: str | None,
    as_json: bool,
    schema: str | None,
    **options: Any,
) -> None:
    """Show the configuration that applies to the deck at PATH (default: this folder):
    every key with its value and where that comes from (default, config file, front
    matter, environment, command line)."""
    if schema:
        from ..configfile import config_schema, pyproject_schema
        from ..workspace import config_keys

        make = config_schema if schema == "config" else pyproject_schema
        click.echo(json.dumps(make(config_keys(plugin_manager())), indent=2))
        return
    target = Path(path) if path else None
    if target is not None and not target.exists():
        fail(f"{path}: no such file or folder")
    base = Settings(provider="auto")
    decks = Decks(config_values(options), base=base, config=config_file)
    deck = None
    if target is not None and target.is_file():
        deck, _ = decks.open(Deck.from_bytes(read_bytes(target), target), target.parent)
    folder = target.parent if target is not None and target.is_file() else (target or Path.cwd())
    found = origins(decks.space.layers(folder, deck))
    default = defaults(base, decks.space.keys)
    rows = []
    for name, key in decks.space.keys.items():
        value, source = found.get(name, (default[name], "default"))
        if key.kind == "template" and value is not None:
            value = f"<{len(value.splitlines())}-line template>"
        rows.append(
            {"key": name, "value": _plain(value), "source": source, "env": key.env,
             "help": key.help, "note": _config_note(key, value, decks)}
        )  # fmt: skip
    config_path = decks.space.files.find(folder)
    if as_json:
        data = {"config_file": str(config_path) if config_path else None, "keys": rows}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"# config file: {config_path or 'none'}")
    for row in rows:
        value, note = json.dumps(row["value"], ensure_ascii=False), row["note"]
        if row["value"] is None:
            value, note = f"({note})", None
        where = f"environment ({row['env']})" if row["source"] == "environment" else row["source"]
        click.echo(f"{row['key']} = {value}  # {where}{f'; {note}' if note else ''}")


def _config_note(key: Key, value: Any, decks: Decks) -> str | None:
    """What an unset *value* of *key* means, or what ``auto`` chooses here."""
    from ..workspace import auto_provider  # imports the pipeline: not for --help

    if value is None:
        return key.unset or "not sent: the server's default"
    if key.name == "provider" and value == "auto":
        try:
            chosen = auto_provider(decks.pm, os.environ)
        except UsageError as exc:
            return str(exc)
        if chosen not in ("infomaniak", "offline"):
            return f"{chosen} here: a plugin chooses it"
        why = "are set" if chosen == "infomaniak" else "are not set"
        return f"{chosen} here: {TOKEN_ENV} and {PRODUCT_ENV} {why}"
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    return value
