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
import difflib
import math
import os
from pathlib import Path
import tomllib
from types import MappingProxyType
from typing import Any

from .config import MODES, Settings
from .controls import parse_selectors
from .deck import Deck, split_lines
from .errors import UsageError
from .providers.options import DEFAULT_PARAMS, PARAM_RANGES, PROFILE_TYPES, ClientOptions
from .templates import LANGUAGE_NAMES, check_template

__all__ = [
    "CONFIG_FILE",
    "CONFIG_KEY",
    "DECK_KEYS",
    "ENV_PREFIX",
    "KEYS",
    "UNSET_MEANS",
    "ConfigFiles",
    "Key",
    "Layer",
    "cli_layer",
    "defaults",
    "env_layer",
    "file_layer",
    "front_matter_layer",
    "hide_config_block",
    "resolve",
    "settings_for",
]

CONFIG_KEY = "mdslides-prompts"
"""The front-matter key and the ``[tool.…]`` table that hold the configuration."""
CONFIG_FILE = ".mdslides-prompts.toml"
"""A config file of its own; in a folder it wins over ``pyproject.toml``."""
ENV_PREFIX = "MDSLIDES_PROMPTS_"
"""Prefix of the environment variable of each key (``MDSLIDES_PROMPTS_MODEL``)."""


@dataclass(frozen=True, slots=True)
class Key:
    """One configuration key: how its value is checked and where it goes in Settings."""

    name: str
    """The key as written in files and front matter (``max-tokens``)."""
    kind: str
    """``text``, ``int``, ``number``, ``bool``, ``choice``, ``path``, ``template``,
    ``slides``."""
    target: str
    """Where the value goes: a :class:`Settings` field, ``params.<name>`` (a request
    parameter, part of the cache key) or ``options.<name>`` (how the provider is reached)."""
    help: str
    """What it does, in a few words."""
    choices: tuple[str, ...] = ()
    """Allowed values of a ``choice`` key."""
    low: float = -math.inf
    """Lowest value of a number."""
    high: float = math.inf
    """Highest value of a number."""

    @property
    def env(self) -> str:
        """The key's environment variable."""
        return ENV_PREFIX + self.name.upper().replace("-", "_")


def _params() -> list[Key]:
    keys = []
    for name, (kind, low, high) in PARAM_RANGES.items():
        key = name.replace("_", "-")
        what = "int" if kind is int else "number"
        keys.append(Key(key, what, f"params.{name}", "request parameter", low=low, high=high))
    return keys


KEYS: Mapping[str, Key] = MappingProxyType(
    {
        key.name: key
        for key in (
            Key("provider", "text", "provider", "who writes the prompts (auto, infomaniak, ...)"),
            Key("model", "text", "model", "model name"),
            Key("style", "text", "style", "a visual style for every prompt of a deck"),
            Key("language", "choice", "language", "language of the prompts",
                choices=tuple(LANGUAGE_NAMES)),
            Key("mode", "choice", "mode", "how prompts are written", choices=MODES),
            Key("skip", "slides", "skip", "slides that get no prompt"),
            Key("lock", "slides", "lock", "slides whose prompt is never regenerated"),
            Key("system-template", "template", "system_template", "system message template"),
            Key("user-template", "template", "user_template", "user message template"),
            Key("format", "text", "format", "deck format instead of detecting it"),
            Key("separator", "text", "separator", "reveal.js horizontal separator"),
            Key("vertical-separator", "text", "vertical_separator", "reveal.js vertical one"),
            Key("notes-separator", "text", "notes_separator", "reveal.js notes separator"),
            Key("slide-level", "int", "slide_level", "pandoc/Quarto slide level", low=1,
                high=6),
            Key("concurrency", "int", "concurrency", "slides waiting on the provider at once",
                low=1, high=64),
            Key("cache-dir", "path", "cache_dir", "prompt cache folder"),
            *_params(),
            Key("profile-type", "choice", "params.profile_type", "Infomaniak v1 profile",
                choices=PROFILE_TYPES),
            Key("api-version", "choice", "options.api_version", "Infomaniak route",
                choices=("1", "2")),
            Key("base-url", "text", "options.base_url", "openai: API base URL"),
            Key("api-key-env", "text", "options.api_key_env", "openai: variable with the key"),
            Key("rpm", "number", "options.rpm", "requests per minute (0: no pacing)", low=0),
            Key("timeout", "number", "options.timeout", "seconds per request", low=0.001),
            Key("deadline", "number", "options.deadline", "seconds per slide", low=0.001),
            Key("max-retries", "int", "options.max_retries", "retries per slide", low=0,
                high=100),
            Key("retry-backoff", "number", "options.retry_backoff", "first wait after a failure",
                low=0),
            Key("stream", "bool", "options.stream", "receive answers as server-sent events"),
        )
    }
)  # fmt: skip
"""Every configuration key, by name."""

DECK_KEYS = frozenset({"model", "style", "language", "mode", "skip", "lock"})
"""Keys a deck's front matter may set."""


@dataclass(frozen=True, slots=True)
class Layer:
    """Checked values from one source, by key name."""

    source: str
    """Where they come from, for messages (``pyproject.toml [tool.mdslides-prompts]``)."""
    values: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    """Key name to checked value (a path is absolute, a template is its text)."""


def _suggest(name: str, allowed: Iterable[str]) -> str:
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
    allowed: Iterable[str] | None = None,
    strings: bool = False,
) -> Layer:
    """Check every key of *data*; *label* names a key in messages."""
    allowed_keys = set(KEYS if allowed is None else allowed)
    values: dict[str, Any] = {}
    for raw_name, raw in data.items():
        name = str(raw_name).replace("_", "-")
        where = f"{source}: {label(str(raw_name))}"
        if name not in KEYS:
            raise UsageError(f"{where}: unknown key{_suggest(name, KEYS)}")
        if name not in allowed_keys:
            raise UsageError(
                f"{where}: not allowed here (a deck may set {', '.join(sorted(allowed_keys))}; "
                "put it in a config file or on the command line)"
            )
        values[name] = _check(KEYS[name], raw, where, base, strings=strings)
    return Layer(source, MappingProxyType(values))


def file_layer(path: Path) -> Layer:
    """The configuration in *path*: a ``pyproject.toml`` (its ``[tool.mdslides-prompts]``
    table) or any other TOML file (its top level)."""
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
    return _layer(str(path), table, lambda k: prefix + k, path.parent)


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
    """

    def __init__(self, explicit: Path | None = None) -> None:
        self.explicit = explicit
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
            self._layers[path] = file_layer(path)
        return self._layers[path]


def front_matter_layer(deck: Deck) -> Layer | None:
    """The ``mdslides-prompts:`` mapping of *deck*'s front matter, if it has one."""
    data = deck.meta.get(CONFIG_KEY)
    if data is None:
        return None
    source = f"{deck.name} front matter"
    if not isinstance(data, Mapping):
        raise UsageError(f"{source}: {CONFIG_KEY}: must be a mapping of keys to values")
    base = deck.path.parent if deck.path is not None else Path.cwd()
    return _layer(
        source, data, lambda k: f"{CONFIG_KEY}.{k}", base, allowed=DECK_KEYS, strings=True
    )


def env_layer(environ: Mapping[str, str], cwd: Path | None = None) -> Layer:
    """The keys set in *environ* as ``MDSLIDES_PROMPTS_<KEY>`` (empty values are unset)."""
    data = {k.name: environ[k.env] for k in KEYS.values() if environ.get(k.env, "").strip()}
    by_name = {k.name: k.env for k in KEYS.values()}
    return _layer("environment", data, lambda k: by_name[k], cwd or Path.cwd(), strings=True)


def cli_layer(
    values: Mapping[str, Any],
    cwd: Path | None = None,
    labels: Mapping[str, str] | None = None,
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
        if name not in KEYS:
            raise UsageError(f"command line: {label}: unknown key")
        checked[name] = _check(KEYS[name], value, label, base, strings=True)
    return Layer("command line", MappingProxyType(checked))


def resolve(layers: Sequence[Layer | None], base: Settings | None = None) -> Settings:
    """*base* (default: ``Settings()``) with the values of *layers*, later layers winning."""
    fields: dict[str, Any] = {}
    params = dict(base.params) if base else {}
    options = dict(base.provider_options) if base else {}
    for layer in layers:
        if layer is None:
            continue
        for name, value in layer.values.items():
            target = KEYS[name].target
            if target.startswith("params."):
                params[target.removeprefix("params.")] = value
            elif target.startswith("options."):
                options[target.removeprefix("options.")] = value
            else:
                fields[target] = value
    return replace(
        base or Settings(),
        params=MappingProxyType(params),
        provider_options=MappingProxyType(options),
        **fields,
    )


def settings_for(
    folder: Path,
    deck: Deck | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config: Path | None = None,
    base: Settings | None = None,
) -> Settings:
    """The settings for a deck in *folder*, resolved as the command line does: the nearest
    config file (or *config*), the split *deck*'s front matter, *environ* (default: the
    process environment), then *overrides* (keys as in the config file), over *base*."""
    layers = [
        ConfigFiles(config).layer(folder),
        front_matter_layer(deck) if deck is not None else None,
        env_layer(os.environ if environ is None else environ),
        cli_layer(overrides or {}),
    ]
    return resolve(layers, base)


UNSET_MEANS: Mapping[str, str] = MappingProxyType(
    {
        "model": "the provider's default",
        "style": "none",
        "system-template": "the built-in one",
        "user-template": "the built-in one",
        "format": "detected from each deck",
        "separator": "the format's own",
        "vertical-separator": "the format's own",
        "notes-separator": "the format's own",
        "slide-level": "the deck's own, else unknown",
        "base-url": "none (openai needs one)",
    }
)
"""What a key left at ``None`` means; keys not named here are then not sent at all (the
server's own default applies)."""


def defaults(base: Settings) -> dict[str, Any]:
    """What each key is when no source sets it, as a run uses it: *base*'s field, or the
    value the HTTP providers send or use when the settings leave it out (``None``: not
    sent, see :data:`UNSET_MEANS`)."""
    from .providers.openai import OPENAI_KEY_ENV

    client = ClientOptions()
    builtin = {"api-version": "2", "api-key-env": OPENAI_KEY_ENV}
    found: dict[str, Any] = {}
    for name, key in KEYS.items():
        kind, _, field_name = key.target.partition(".")
        if name in builtin:
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
