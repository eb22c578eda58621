"""Configuration from files, the deck, the environment and the command line.

One precedence, highest first::

    command-line options
    environment variables          MDSLIDES_PROMPTS_<KEY>  (MDSLIDES_PROMPTS_MAX_TOKENS=300)
    the deck's front matter        mdslides-prompts: {style: ..., skip: [1, 12]}
    the nearest config file        .mdslides-prompts.toml, or [tool.mdslides-prompts]
                                   in pyproject.toml, searched from the deck's folder up
    built-in defaults

Each source is read into a :class:`Layer` whose values are already checked, so a bad
key or value is reported with the file (or variable) and the key that hold it.
:func:`resolve` merges layers into :class:`~mdslides_prompts.config.Settings`.
The deck's front matter may only set what a deck should decide (:data:`DECK_KEYS`):
never how the provider is reached, since a deck may come from anyone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
import math
from pathlib import Path
import tomllib
from types import MappingProxyType
from typing import Any

from .config import ENV_PREFIX, MODES, PLACEMENTS, Key, Settings
from .controls import parse_selectors
from .deck import Deck, split_lines
from .errors import PluginError, UsageError
from .providers.options import (
    DEFAULT_PARAMS,
    OPENAI_KEY_ENV,
    PARAM_RANGES,
    PROFILE_TYPES,
    ClientOptions,
)
from .templates import LANGUAGE_NAMES, check_template

__all__ = [
    "CONFIG_FILE",
    "CONFIG_KEY",
    "DECK_KEYS",
    "ENV_PREFIX",
    "KEYS",
    "ConfigFiles",
    "Key",
    "Layer",
    "all_keys",
    "cli_layer",
    "config_schema",
    "defaults",
    "env_layer",
    "file_layer",
    "front_matter_layer",
    "hide_config_block",
    "pyproject_schema",
    "resolve",
]

CONFIG_KEY = "mdslides-prompts"
"""The front-matter key and the ``[tool.…]`` table that hold the configuration."""
CONFIG_FILE = ".mdslides-prompts.toml"
"""A config file of its own; in a folder it wins over ``pyproject.toml``."""


def _params() -> list[Key]:
    keys = []
    for name, (kind, low, high) in PARAM_RANGES.items():
        key = name.replace("_", "-")
        what = "int" if kind is int else "number"
        keys.append(
            Key(key, what, "request parameter", target=f"params.{name}", low=low, high=high)
        )
    return keys


KEYS: Mapping[str, Key] = MappingProxyType(
    {
        key.name: key
        for key in (
            Key("provider", "text", "who writes the prompts (auto, infomaniak, ...)",
                target="provider"),
            Key("model", "text", "model name", target="model", deck=True,
                unset="the provider's default"),
            Key("style", "text", "a visual style for every prompt of a deck", target="style",
                deck=True, unset="none"),
            Key("language", "choice", "language of the prompts", target="language", deck=True,
                choices=tuple(LANGUAGE_NAMES)),
            Key("mode", "choice", "how prompts are written", target="mode", choices=MODES,
                deck=True),
            Key("skip", "slides", "slides that get no prompt", target="skip", deck=True),
            Key("lock", "slides", "slides whose prompt is never regenerated", target="lock",
                deck=True),
            Key("notes", "bool", "send speaker notes to the model", target="notes",
                deck=True),
            Key("art-direction", "bool", "one art direction per deck, ending every prompt",
                target="art_direction", deck=True),
            Key("art-template", "template", "art-direction request's system template",
                target="art_template", unset="the built-in one"),
            Key("include-illustrated", "bool",
                "prompt slides whose picture the author set too",
                target="include_illustrated", deck=True),
            Key("system-template", "template", "system message template",
                target="system_template", unset="the built-in one"),
            Key("user-template", "template", "user message template", target="user_template",
                unset="the built-in one"),
            Key("format", "text", "deck format instead of detecting it", target="format",
                unset="detected from each deck"),
            Key("concurrency", "int", "slides waiting on the provider at once",
                target="concurrency",
                low=1, high=64),
            Key("cache-dir", "path", "prompt cache folder", target="cache_dir"),
            *_params(),
            Key("prompt-tokens", "int",
                "CLIP tokens a prompt may take (77 for flux, minus start and end)",
                target="params.prompt_tokens", unset="75", low=10, high=500),
            Key("profile-type", "choice", "Infomaniak v1 profile", target="params.profile_type",
                choices=PROFILE_TYPES),
            Key("api-version", "choice", "Infomaniak route", target="options.api_version",
                choices=("1", "2")),
            Key("base-url", "text", "openai: API base URL", target="options.base_url",
                unset="none (openai needs one)"),
            Key("api-key-env", "text", "openai: variable with the key",
                target="options.api_key_env"),
            Key("rpm", "number", "requests per minute (0: no pacing)", target="options.rpm", low=0),
            Key("image-rpm", "number", "picture requests per minute (0: no pacing)",
                target="options.image_rpm", low=0),
            Key("image-provider", "text", "provider that makes pictures",
                target="image_provider", unset="the prompt provider's, else offline"),
            Key("image-model", "text", "image model", target="image_model"),
            Key("image-style", "text", "image model's style preset", target="image_style",
                unset="none"),
            Key("image-price", "number", "what one picture costs, to estimate the spend",
                target="image_price", low=0, unset="unknown"),
            Key("max-images", "int", "most pictures one run asks for (0: no limit)",
                target="max_images", low=0),
            Key("images-folder", "text", "pictures' folder, relative to the deck",
                target="images_folder"),
            Key("placement", "choice", "where a slide's picture goes", target="placement",
                choices=PLACEMENTS, deck=True),
            Key("timeout", "number", "seconds per request", target="options.timeout", low=0.001),
            Key("deadline", "number", "seconds per slide", target="options.deadline", low=0.001),
            Key("max-retries", "int", "retries per slide", target="options.max_retries", low=0,
                high=100),
            Key("retry-backoff", "number", "first wait after a failure",
                target="options.retry_backoff",
                low=0),
            Key("stream", "bool", "receive answers as server-sent events", target="options.stream"),
        )
    }
)  # fmt: skip
"""Every built-in configuration key, by name (plugins add theirs: :func:`all_keys`)."""

DECK_KEYS = frozenset(name for name, key in KEYS.items() if key.deck)
"""Built-in keys a deck's front matter may set."""


def all_keys(declared: Iterable[tuple[str, Iterable[object]]]) -> Mapping[str, Key]:
    """:data:`KEYS` and the keys plugins declare, as (plugin name, keys) pairs.

    :raises PluginError: a plugin's key is not a :class:`Key`, takes a built-in key's
        name or another plugin's, or names a target (its value goes to
        :attr:`Settings.extra <mdslides_prompts.config.Settings.extra>`)
    """
    found = dict(KEYS)
    owner: dict[str, str] = {}
    for plugin, keys in declared:
        for key in keys:
            if not isinstance(key, Key) or key.target:
                raise PluginError(
                    f"plugin {plugin!r}: a configuration key must be a Key "
                    f"without a target, not {key!r}"
                )
            if key.name in found:
                other = f"plugin {owner[key.name]!r}" if key.name in owner else "a built-in key"
                raise PluginError(f"plugin {plugin!r}: key {key.name!r} is taken by {other}")
            found[key.name] = key
            owner[key.name] = plugin
    return MappingProxyType(found)


@dataclass(frozen=True, slots=True)
class Layer:
    """Checked values from one source, by key name."""

    source: str
    """Where they come from, for messages (``pyproject.toml [tool.mdslides-prompts]``)."""
    values: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    """Key name to checked value (a path is absolute, a template is its text)."""


def _suggest(name: str, allowed: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(allowed), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check(key: Key, raw: Any, where: str, base: Path, *, strings: bool) -> Any:
    """*raw* as the value *key* takes, or :class:`UsageError` naming *where*.

    :param strings: whether numbers and booleans may come as text (environment, Marp's
        all-strings YAML)
    """
    kind = key.kind
    if kind == "slides":
        return tuple(s.text for s in parse_selectors(raw, where))
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        words = {"1": True, "true": True, "yes": True, "on": True,
                 "0": False, "false": False, "no": False, "off": False}  # fmt: skip
        if strings and isinstance(raw, str) and raw.strip().lower() in words:
            return words[raw.strip().lower()]
        raise UsageError(f"{where}: must be true or false, not {raw!r}")
    if kind in ("int", "number"):
        value = raw
        if strings and isinstance(raw, str):
            try:
                value = int(raw) if kind == "int" else float(raw)
            except ValueError:
                value = raw
        ok = isinstance(value, int) if kind == "int" else isinstance(value, int | float)
        if isinstance(value, bool) or not ok or not math.isfinite(value):
            what = "a whole number" if kind == "int" else "a number"
            raise UsageError(f"{where}: must be {what}, not {raw!r}")
        if not key.low <= value <= key.high:
            span = (
                f"between {key.low:g} and {key.high:g}"
                if key.high < math.inf
                else (f"at least {key.low:g}")
            )
            raise UsageError(f"{where}: must be {span}, not {value:g}")
        return value
    if isinstance(raw, int | float) and not isinstance(raw, bool) and kind == "choice":
        raw = str(raw)
    if not isinstance(raw, str) or not raw.strip():
        raise UsageError(f"{where}: must be non-empty text, not {raw!r}")
    if kind == "choice":
        value = raw.strip().lower()
        if value not in key.choices:
            raise UsageError(f"{where}: must be one of {', '.join(key.choices)}, not {raw!r}")
        return value
    if kind == "path":
        return base / Path(raw).expanduser()
    if kind == "template":
        path = base / Path(raw).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            raise UsageError(f"{where}: cannot read the template {path}: {why}") from None
        check_template(text, f"{where} ({path})")
        return text
    return raw.strip()


def _layer(
    source: str,
    data: Mapping[str, Any],
    label: Callable[[str], str],
    base: Path,
    *,
    keys: Mapping[str, Key],
    deck: bool = False,
    strings: bool = False,
    lenient: bool = False,
) -> Layer:
    """Check every key of *data*; *label* names a key in messages; with *deck*, only
    keys a deck may set are allowed; with *lenient*, keys not in *keys* are left out."""
    allowed_keys = {name for name, key in keys.items() if key.deck or not deck}
    values: dict[str, Any] = {}
    for raw_name, raw in data.items():
        name = str(raw_name).replace("_", "-")
        where = f"{source}: {label(str(raw_name))}"
        if name not in keys:
            if lenient:
                continue
            raise UsageError(f"{where}: unknown key{_suggest(name, keys)}")
        if name not in allowed_keys:
            raise UsageError(
                f"{where}: not allowed here (a deck may set {', '.join(sorted(allowed_keys))}; "
                "put it in a config file or on the command line)"
            )
        values[name] = _check(keys[name], raw, where, base, strings=strings)
    return Layer(source, MappingProxyType(values))


def file_layer(path: Path, keys: Mapping[str, Key] = KEYS, *, lenient: bool = False) -> Layer:
    """The configuration in *path*: a ``pyproject.toml`` (its ``[tool.mdslides-prompts]``
    table) or any other TOML file (its top level); with *lenient*, keys not in *keys*
    (a plugin's, when plugins are not loaded) are left out instead of refused."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get(CONFIG_KEY, {})
        prefix = f"[tool.{CONFIG_KEY}] "
    else:
        table, prefix = data, ""
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [tool.{CONFIG_KEY}] must be a table")
    label = (prefix + "{}").format
    return _layer(str(path), table, label, path.parent, keys=keys, lenient=lenient)


def _has_table(path: Path) -> bool:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return True  # let file_layer report it
    tool = data.get("tool")
    return isinstance(tool, dict) and CONFIG_KEY in tool


class ConfigFiles:
    """Finds and reads the config file that applies to a folder, each file read once.

    :param explicit: use this file for every deck instead of searching (``--config``)
    :param keys: the keys a file may set (default: the built-in ones)
    :param lenient: leave other keys out instead of refusing them
    """

    def __init__(
        self, explicit: Path | None = None, keys: Mapping[str, Key] = KEYS, lenient: bool = False
    ) -> None:
        self.explicit = explicit
        self.keys = keys
        self.lenient = lenient
        self._found: dict[Path, Path | None] = {}
        self._layers: dict[Path, Layer] = {}

    def find(self, folder: Path) -> Path | None:
        """The nearest ``.mdslides-prompts.toml``, or ``pyproject.toml`` with a
        ``[tool.mdslides-prompts]`` table, in *folder* or a folder above it."""
        if self.explicit is not None:
            return self.explicit
        folder = folder.resolve()
        if folder not in self._found:
            found = None
            for candidate in (folder, *folder.parents):
                own = candidate / CONFIG_FILE
                project = candidate / "pyproject.toml"
                if own.is_file():
                    found = own
                elif project.is_file() and _has_table(project):
                    found = project
                if found is not None:
                    break
            self._found[folder] = found
        return self._found[folder]

    def layer(self, folder: Path) -> Layer | None:
        """The checked configuration that applies to decks in *folder*, if any."""
        path = self.find(folder)
        if path is None:
            return None
        if path not in self._layers:
            if not path.is_file():
                raise UsageError(f"{path}: no such config file")
            self._layers[path] = file_layer(path, self.keys, lenient=self.lenient)
        return self._layers[path]


def front_matter_layer(deck: Deck, keys: Mapping[str, Key] = KEYS) -> Layer | None:
    """The ``mdslides-prompts:`` mapping of *deck*'s front matter, if it has one."""
    data = deck.meta.get(CONFIG_KEY)
    if data is None:
        return None
    source = f"{deck.name} front matter"
    if not isinstance(data, Mapping):
        raise UsageError(f"{source}: {CONFIG_KEY}: must be a mapping of keys to values")
    base = deck.path.parent if deck.path is not None else Path.cwd()
    label = f"{CONFIG_KEY}.{{}}".format
    return _layer(source, data, label, base, keys=keys, deck=True, strings=True)


def env_layer(
    environ: Mapping[str, str], cwd: Path | None = None, keys: Mapping[str, Key] = KEYS
) -> Layer:
    """The keys set in *environ* as ``MDSLIDES_PROMPTS_<KEY>`` (empty values are unset)."""
    data = {k.name: environ[k.env] for k in keys.values() if environ.get(k.env, "").strip()}
    by_name = {k.name: k.env for k in keys.values()}
    base = cwd or Path.cwd()
    return _layer("environment", data, by_name.__getitem__, base, keys=keys, strings=True)


def cli_layer(
    values: Mapping[str, Any],
    cwd: Path | None = None,
    labels: Mapping[str, str] | None = None,
    keys: Mapping[str, Key] = KEYS,
) -> Layer:
    """Options given on the command line, by key name (``None`` values are not given),
    checked like every other source.

    :param labels: how the command line spells an option whose name is not ``--<key>``
    """
    data = {k.replace("_", "-"): v for k, v in values.items() if v is not None}
    base = cwd or Path.cwd()
    checked = {}
    for name, value in data.items():
        label = (labels or {}).get(name, f"--{name}")
        if name not in keys:
            raise UsageError(f"command line: {label}: unknown key")
        checked[name] = _check(keys[name], value, label, base, strings=True)
    return Layer("command line", MappingProxyType(checked))


def resolve(
    layers: Sequence[Layer | None], base: Settings | None = None, keys: Mapping[str, Key] = KEYS
) -> Settings:
    """*base* (default: ``Settings()``) with the values of *layers*, later layers winning."""
    fields: dict[str, Any] = {}
    params = dict(base.params) if base else {}
    options = dict(base.provider_options) if base else {}
    extra = dict(base.extra) if base else {}
    for layer in layers:
        if layer is None:
            continue
        for name, value in layer.values.items():
            target = keys[name].target
            if not target:
                extra[name] = value
            elif target.startswith("params."):
                params[target.removeprefix("params.")] = value
            elif target.startswith("options."):
                options[target.removeprefix("options.")] = value
            else:
                fields[target] = value
    return replace(
        base or Settings(),
        params=MappingProxyType(params),
        provider_options=MappingProxyType(options),
        extra=MappingProxyType(extra),
        **fields,
    )


def defaults(base: Settings, keys: Mapping[str, Key] = KEYS) -> dict[str, Any]:
    """What each key is when no source sets it, as a run uses it: *base*'s field, or the
    value the HTTP providers send or use when the settings leave it out (``None``: unset,
    see :attr:`Key.unset <mdslides_prompts.config.Key.unset>`)."""
    client = ClientOptions()
    builtin = {"api-version": "2", "api-key-env": OPENAI_KEY_ENV}
    found: dict[str, Any] = {}
    for name, key in keys.items():
        kind, _, field_name = key.target.partition(".")
        if not key.target:
            found[name] = base.extra.get(name)
        elif name in builtin:
            found[name] = builtin[name]
        elif kind == "params":
            found[name] = DEFAULT_PARAMS.get(field_name)
        elif kind == "options":
            found[name] = getattr(client, field_name, None)
        elif name == "cache-dir":
            found[name] = base.resolved_cache_dir()
        else:
            found[name] = getattr(base, key.target)
    return found


def origins(layers: Sequence[Layer | None]) -> dict[str, tuple[Any, str]]:
    """Each key that some layer sets: its winning value and the source it comes from."""
    found: dict[str, tuple[Any, str]] = {}
    for layer in layers:
        if layer is not None:
            for name, value in layer.values.items():
                found[name] = (value, layer.source)
    return found


def hide_config_block(deck: Deck) -> Deck:
    """*deck* with its ``mdslides-prompts:`` front-matter lines left out of every slide's
    text (formats such as Slidev count the headmatter as the first slide's content), so
    configuration is never part of a prompt request and editing it never makes a prompt
    stale."""
    span = deck.front_matter
    if span is None or CONFIG_KEY not in deck.meta:
        return deck
    lines = split_lines(deck.text)[span.start - 1 : span.end]
    block: list[str] = []
    for line in lines[1:-1]:
        bare = line.rstrip("\r\n")
        if block and bare[:1] in (" ", "\t", ""):
            block.append(bare)
        elif block:
            break
        elif bare.startswith(f"{CONFIG_KEY}:"):
            block.append(bare)
    if not block:
        return deck
    while block and not block[-1].strip():
        block.pop()
    needle = "\n".join(block) + "\n"
    slides = tuple(
        replace(slide, text=slide.text.replace(needle, "", 1))
        if slide.start_line <= span.end and needle in slide.text
        else slide
        for slide in deck.slides
    )
    return replace(deck, slides=slides)


def config_schema(keys: Mapping[str, Key]) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a configuration table with *keys*: the
    top level of ``.mdslides-prompts.toml``, the ``[tool.mdslides-prompts]`` table of a
    ``pyproject.toml``, a deck's ``mdslides-prompts:`` block (which takes only the keys
    marked ``deck``). Made from the keys themselves, so it never drifts from them."""
    properties = {name: _key_schema(key) for name, key in sorted(keys.items())}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "mdslides-prompts configuration",
        "description": (
            f"The keys of {CONFIG_FILE} (top level), of [tool.{CONFIG_KEY}] in "
            f"pyproject.toml and of a deck's {CONFIG_KEY}: block (only the keys whose "
            "description says 'deck too')."
        ),
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }


def pyproject_schema(keys: Mapping[str, Key]) -> dict[str, Any]:
    """The JSON Schema of a ``pyproject.toml`` as far as this tool reads it: its
    ``[tool.mdslides-prompts]`` table (see :func:`config_schema`); every other table is
    left to its own tools."""
    table = {k: v for k, v in config_schema(keys).items() if k != "$schema"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"pyproject.toml with [tool.{CONFIG_KEY}]",
        "type": "object",
        "properties": {"tool": {"type": "object", "properties": {CONFIG_KEY: table}}},
    }


def _key_schema(key: Key) -> dict[str, Any]:
    """One key's schema: its type and bounds, what it does and where else it is set."""
    where = f"Environment: {key.env}." + (" Deck too." if key.deck else "")
    unset = f" Unset: {key.unset}." if key.unset else ""
    schema: dict[str, Any] = {
        "description": f"{key.help[:1].upper()}{key.help[1:]}.{unset} {where}"
    }
    if key.kind == "bool":
        schema["type"] = "boolean"
    elif key.kind in ("int", "number"):
        schema["type"] = "integer" if key.kind == "int" else "number"
        if math.isfinite(key.low):
            schema["minimum"] = int(key.low) if key.kind == "int" else key.low
        if math.isfinite(key.high):
            schema["maximum"] = int(key.high) if key.kind == "int" else key.high
    elif key.kind == "choice":  # numbers as TOML writes them too (api-version = 2)
        schema["enum"] = [*key.choices, *(int(c) for c in key.choices if c.isdigit())]
    elif key.kind == "slides":
        item = {"oneOf": [{"type": "integer", "minimum": 1}, {"type": "string", "minLength": 1}]}
        schema["oneOf"] = [{"type": "string", "minLength": 1}, {"type": "array", "items": item}]
    else:  # text, path, template: non-empty text (a path relative to the file)
        schema["type"] = "string"
        schema["minLength"] = 1
        schema["pattern"] = r"\S"
    return schema
