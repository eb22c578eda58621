"""Decks and their configuration, for the commands: finding the files at the paths given,
reading each deck with the settings that apply to it (config files, its own front matter,
the environment, the command line), and where each deck is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
import contextlib
from dataclasses import dataclass
import errno
import os
from pathlib import Path
import stat
import sys
from typing import TYPE_CHECKING, Any

import click

from ..config import Settings
from ..configfile import KEYS
from ..deck import Deck
from ..errors import DeckError, MdSlidesError
from ..fileio import find_decks, read_bytes, read_stream
from ..plugins import get_plugin_manager
from ..providers.options import PRODUCT_ENV, TOKEN_ENV
from ..wording import plural
from .common import CommandExit, GroupState, fail

if TYPE_CHECKING:
    import pluggy
    from rich.console import Console

    from ..controls import Selector
    from ..detection import Detection
    from ..pipeline import Pipeline

__all__ = [
    "Decks",
    "Loaded",
    "config_values",
    "destination",
    "emit_stdout",
    "no_slide",
    "offline_notice",
    "plugin_manager",
    "refuse_placeholders",
    "require_slides",
]


def no_slide(ref: str, decks: Sequence[Deck]) -> str:
    """What to say when the slide selector *ref* chooses no slide of *decks*."""
    if len(decks) == 1:
        return f"{decks[0].name}: no slide {ref!r} (it has {plural(len(decks[0].slides), 'slide')})"
    return f"none of the {len(decks)} decks has a slide {ref!r}"


def require_slides(selectors: Iterable[Selector], decks: Sequence[Deck]) -> None:
    """Fail if one of *selectors* chooses no slide in any of *decks* (choosing slides in
    some decks only is fine: ``--slides Summary`` over a folder)."""
    for selector in selectors:
        if decks and not any(selector.matches(s) for deck in decks for s in deck.slides):
            fail(no_slide(selector.text, decks))


def _collect(paths: Sequence[str]) -> list[tuple[Path, bool, Path]]:
    """Expand *paths* into (file, explicitly named, root for relative output paths)."""
    found: list[tuple[Path, bool, Path]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend((file, False, path) for file in find_decks(path))
        elif path.exists() or path.is_symlink():  # a broken link or a loop: reading says which
            found.append((path, True, path.parent))
        else:
            fail(f"{path}: no such file or folder")
    return found


def destination(
    paths: Sequence[str],
    decks: Sequence[tuple[Deck, Path]],
    output: str | None,
    to_stdout: bool,
    inputs: Sequence[Path] = (),
) -> Callable[[Deck], Path | None]:
    """Where each deck is written: *output* (``-o``) checked against every one of the
    *inputs* (the files found at *paths*, decks or not), stdout, or the deck itself."""
    if to_stdout:
        if len(decks) != 1:
            fail("--stdout takes exactly one deck")
        return lambda deck: None
    if output is None:
        return lambda deck: deck.path
    sources = _sources(decks, inputs)
    targets = _output_targets(paths, decks, output, sources)

    def to_output(deck: Deck) -> Path:
        target = targets[id(deck)]
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DeckError(f"cannot create: {exc.strerror or exc}", target.parent) from None
        # Again right before writing: a link made meanwhile must not lead to a source.
        problem = _target_problem(target, sources)
        if problem:
            raise DeckError(f"-o: {problem}; not written", deck.path)
        return target

    return to_output


def _sources(
    decks: Sequence[tuple[Deck, Path]], inputs: Sequence[Path]
) -> dict[tuple[int, int], str]:
    """Every input file by device and inode, with its name: the decks, and the files of the
    inputs that were skipped or could not be read (-o must not overwrite them either)."""
    files = [deck.path for deck, _ in decks if deck.path is not None] + list(inputs)
    sources: dict[tuple[int, int], str] = {}
    for path in files:
        with contextlib.suppress(OSError):
            status = path.stat()
            sources.setdefault((status.st_dev, status.st_ino), str(path))
    return sources


def _output_targets(
    paths: Sequence[str],
    decks: Sequence[tuple[Deck, Path]],
    output: str,
    sources: dict[tuple[int, int], str],
) -> dict[int, Path]:
    """The file ``-o OUTPUT`` sends each deck to, by ``id`` of the deck; a usage error if a
    target is not a regular file, is (or resolves to) a source, or is shared by two decks."""
    out = Path(output)
    # One named file goes to OUT itself (or into OUT if it is a folder); otherwise OUT is a
    # folder that mirrors the inputs.
    single = len(paths) == 1 and Path(paths[0]).is_file()
    if single and out.is_dir():
        out = out / Path(paths[0]).name
    elif list(paths) == ["-"]:
        if out.is_dir():
            fail(f"-o {output}: a folder; name the file the deck read from stdin goes to")
        single = True
    elif not single and (out.exists() or out.is_symlink()) and not out.is_dir():
        fail(f"-o {output}: not a folder; with a folder or several decks, -o takes a folder")
    targets: dict[int, Path] = {}
    seen: dict[str, Deck] = {}
    for deck, root in decks:
        target = out if single or deck.path is None else out / deck.path.relative_to(root)
        problem = _target_problem(target, sources)
        if problem:
            fail(f"-o {output}: {problem}")
        other = seen.setdefault(os.path.realpath(target), deck)
        if other is not deck:
            fail(f"-o {output}: {other.name} and {deck.name} would both be written to {target}")
        targets[id(deck)] = target
    return targets


def _target_problem(target: Path, sources: dict[tuple[int, int], str]) -> str | None:
    """Why ``-o`` cannot write *target*, or ``None``: sources are the decks by device and
    inode, so a path that reaches one through a link or ``..`` is caught too."""
    try:
        # As the kernel will see it once the folders are made: d/new/../x.md is d/x.md.
        status = Path(os.path.realpath(target)).stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return f"{target}: symlink loop"
        return f"{target}: {exc.strerror or exc}"
    source = sources.get((status.st_dev, status.st_ino))
    if source is not None:
        return f"{target} is the source {source}; -o never writes to a source"
    if stat.S_ISDIR(status.st_mode):
        return f"{target} is a folder"
    if not stat.S_ISREG(status.st_mode):
        return f"{target} is not a regular file"
    return None


# --- configuration and loading -------------------------------------------------------------


def plugin_manager() -> pluggy.PluginManager:
    """The run's plugin manager, with the entry points ``--plugins`` pins (if given)."""
    ctx = click.get_current_context(silent=True)
    state = ctx.find_object(GroupState) if ctx is not None else None
    if state is None:
        return get_plugin_manager()
    if state.pm is None:
        state.pm = get_plugin_manager(only=state.plugins)
    return state.pm


PLUGIN_KEY_OPTIONS = frozenset(
    {"separator", "vertical-separator", "notes-separator", "slide-level"}
)
"""Options for keys that built-in format plugins declare (the plugins are not loaded to
show ``--help``, so the options are declared here)."""


def config_values(options: dict[str, Any]) -> dict[str, Any]:
    """Take the options that are configuration keys out of *options*, by key name."""
    found = {}
    for name in list(options):
        key = name.rstrip("_").replace("_", "-")
        if key in KEYS or key in PLUGIN_KEY_OPTIONS:
            found[key] = options.pop(name)
    return found


@dataclass(frozen=True, slots=True)
class Loaded:
    """A deck ready to go, the folder output paths are relative to, and its pipeline."""

    deck: Deck
    root: Path
    pipeline: Pipeline


class Decks:
    """Reads decks, each with the configuration that applies to it (a
    :class:`~mdslides_prompts.workspace.Workspace`), and reports on the way.

    :param options: configuration keys given on the command line
    :param base: settings that are not configuration (``force``, ``use_cache``, ...)
    :param config: the ``--config`` file, if given
    :param auto: resolve the ``auto`` provider (commands that make prompts)
    :param plugins: load the plugins (see :class:`~mdslides_prompts.workspace.Workspace`)
    """

    def __init__(
        self,
        options: dict[str, Any],
        *,
        base: Settings | None = None,
        config: str | None = None,
        auto: bool = False,
        plugins: bool = True,
    ) -> None:
        from ..workspace import Workspace  # imports the pipeline: not for --help

        self.space = Workspace(
            options,
            base=base,
            config=Path(config) if config else None,
            pm=plugin_manager() if plugins else None,
            resolve_auto=auto,
            labels={"language": "--prompt-language"},
            plugins=plugins,
        )
        self.inputs: list[Path] = []
        """Every file the paths named or held, read as a deck or not."""
        self.unreadable: list[str] = []
        """Why files found in folders were left out (each line printed as it came): the
        command ends with exit code 1."""

    @property
    def pm(self) -> pluggy.PluginManager:
        """The plugin manager."""
        return self.space.pm

    @property
    def auto_offline(self) -> bool:
        """Whether ``auto`` chose the offline provider (no credentials in the environment)."""
        return self.space.auto == "offline"

    def settings(self, folder: Path, deck: Deck | None = None) -> Settings:
        """The settings for a deck in *folder* (with its front matter, once split)."""
        return self.space.settings(folder, deck)

    def pipeline(self, settings: Settings) -> Pipeline:
        """The pipeline for *settings* (one per distinct settings)."""
        return self.space.pipeline(settings)

    def open(self, raw: Deck, folder: Path) -> tuple[Deck, Pipeline]:
        """Split *raw* and apply its own configuration; the deck and its pipeline."""
        return self.space.open(raw, folder)

    def guess(self, raw: Deck, folder: Path) -> tuple[Deck, Detection | None]:
        """Like :meth:`open`, but a deck of uncertain format is split by the best guess
        (for reports only); the deck and how its format was found (``None``: given)."""
        return self.space.guess(raw, folder)

    def load(
        self,
        paths: Sequence[str],
        console: Console,
        *,
        ignore_unknown: bool = False,
        quiet: bool = False,
        reading: Callable[[Path], None] | None = None,
    ) -> list[Loaded]:
        """Read, detect and split every deck at *paths*. Files in folders that no format
        claims (and, with *ignore_unknown*, named ones) are skipped with a notice (unless
        *quiet*); a file in a folder that cannot be read or split is reported and left out
        (see :attr:`unreadable`); any other problem stops the run. *reading* is told of
        each file before it is read."""
        if list(paths) == ["-"]:
            raw = Deck.from_bytes(read_stream(sys.stdin.buffer))
            deck, pipeline = self.open(raw, Path.cwd())
            return [Loaded(deck, Path.cwd(), pipeline)]
        found: list[Loaded] = []
        errors = []
        collected = _collect(paths)
        self.inputs = [path for path, _, _ in collected]
        for path, explicit, root in collected:
            if reading is not None:
                reading(path)
            try:
                raw = Deck.from_bytes(read_bytes(path), path)
                if (not explicit or ignore_unknown) and not self.space.is_deck(raw, path.parent):
                    if not quiet:
                        console.print(
                            f"{path}: skipped, not a slide deck of a known format", markup=False
                        )
                    continue
                deck, pipeline = self.open(raw, path.parent)
                found.append(Loaded(deck, root, pipeline))
            except DeckError as exc:
                if explicit:
                    errors.append(str(exc))
                else:  # one bad file in a folder must not stop the others
                    console.print(str(exc), markup=False, highlight=False)
                    self.unreadable.append(str(exc))
            except MdSlidesError as exc:
                errors.append(str(exc))
        if errors:
            fail("\n".join(errors))
        if not found and self.unreadable:
            raise CommandExit(2)  # said above, one line each
        if not found and not ignore_unknown:
            fail("no slide decks found in " + ", ".join(paths))
        return found


def emit_stdout(deck: Deck, text: str) -> None:
    sys.stdout.buffer.write(deck.to_bytes(text))
    sys.stdout.buffer.flush()


# --- the provider ``auto`` chose ------------------------------------------------------------

_REAL_PROMPTS = (
    f"set {TOKEN_ENV} and {PRODUCT_ENV} (Infomaniak), or use --provider openai --base-url URL"
)
"""How to get prompts written by a model, for the notices about the offline provider."""


def offline_notice(console: Console, decks: Decks, settings: Iterable[Settings]) -> None:
    """Say, once per run, that the prompts will be placeholders (unless the run only reads
    the cache, when no provider is asked)."""
    if any(s.provider == "offline" and not s.cache_only for s in settings):
        why = "no credentials are set, so " if decks.auto_offline else ""
        console.print(
            f"mdslides-prompts: {why}the built-in offline provider writes placeholder prompts "
            f"made from each slide's words; for real ones, {_REAL_PROMPTS}",
            markup=False,
            highlight=False,
        )


def refuse_placeholders(decks: Decks, settings: Iterable[Settings]) -> None:
    """In CI or under pre-commit, fail rather than let ``auto`` fall back to placeholder
    prompts for want of credentials: a build would commit or publish them unnoticed.
    Naming the offline provider (option, variable or config file) says they are wanted."""
    where = _unattended(os.environ)
    if where and decks.auto_offline and any(not s.cache_only for s in settings):
        fail(
            f"{where} with no provider credentials, run writes no placeholder prompts unasked: "
            f"{_REAL_PROMPTS}, or pass --provider offline for placeholders"
        )


def _unattended(environ: Mapping[str, str]) -> str | None:
    """``in CI (CI=true)`` or ``under pre-commit (PRE_COMMIT=1)`` if *environ* says so."""
    if environ.get("PRE_COMMIT", "").strip() not in ("", "0"):
        return f"under pre-commit (PRE_COMMIT={environ['PRE_COMMIT']})"
    if environ.get("CI", "").strip().lower() not in ("", "0", "false", "no", "off"):
        return f"in CI (CI={environ['CI']})"
    return None
