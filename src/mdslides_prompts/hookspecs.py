"""The hooks every run goes through: read this file to know the whole program.

A run over one deck is::

    deck = Deck.from_bytes(...)                        # deck.py, no hook
    signs = mdslides_format_evidence(deck)             # unless --format names it:
    name = decide(signs)                               # written only when confident
    deck = mdslides_split_deck(deck)                   # slides, front matter, markers
    place = mdslides_placement(deck, slide)            # each slide: its picture's slot
    for each slide that needs a prompt (not one whose picture the author set):
        messages = mdslides_build_messages(deck, slide, settings, context)
        prompt = cache or await provider.generate(request)
            mdslides_on_provider_event(...)            # event: retries, waits
        mdslides_on_slide_done(...)                    # event
    text = mdslides_inject_prompts(deck, prompts)      # or mdslides_strip_prompts(deck)
    write atomically; mdslides_on_deck_done(...)       # event
    mdslides_on_warning(...)                           # event: cache rows it ignored

A deck's settings come from its config file, its own block, the environment and the
options (:mod:`~mdslides_prompts.workspace`); a provider named ``auto`` is the one
:func:`mdslides_auto_provider` picks. The provider comes from
:func:`mdslides_get_provider`, once per run. Built-in formats and
providers are plugins exactly like third-party ones: a third-party package exposes a
module or object under the ``mdslides_prompts`` entry-point group and implements any of
these hooks with :data:`hookimpl`. Built-in implementations are registered first and
marked ``trylast`` where a plugin should be able to take over.

Rules that hold for every hook (pluggy's): arguments are passed by keyword, an
implementation may accept only the arguments it needs, and a ``firstresult`` hook stops
at the first implementation that returns something other than ``None``. Hooks only grow
new arguments; none is ever renamed or removed. Only :mod:`mdslides_prompts.pipeline`
calls them, and :mod:`mdslides_prompts.workspace` (which settings a deck gets).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from .config import Key, Settings
    from .deck import Deck, Slide, SlidePicture, SlidePrompt
    from .detection import Evidence
    from .outcomes import DeckReport, SlideOutcome
    from .placement import Placement
    from .providers.base import Message, Notify, PromptContext, Provider, ProviderEvent
    from .providers.pictures import ImageProvider

__all__ = ["PROJECT", "hookimpl", "hookspec"]

PROJECT = "mdslides_prompts"
"""The pluggy project name, which is also the entry-point group plugins register under."""

hookspec = pluggy.HookspecMarker(PROJECT)
"""Marks a hook specification (only used in this module)."""
hookimpl = pluggy.HookimplMarker(PROJECT)
"""Marks a hook implementation in a plugin: ``@hookimpl`` or ``@hookimpl(trylast=True)``."""


# --- names -------------------------------------------------------------------------------


@hookspec
def mdslides_format_names() -> Sequence[str]:  # type: ignore[empty-body]
    """Name the deck formats this plugin can split and inject.

    Called to validate ``--format`` and to list plugins. Every plugin that handles
    formats answers; the results are merged.

    :return: format names such as ``["marp"]``
    """


@hookspec
def mdslides_provider_names() -> Sequence[str]:  # type: ignore[empty-body]
    """Name the providers this plugin can create with :func:`mdslides_get_provider`.

    Called to validate ``--provider`` and to list plugins; results are merged.

    :return: provider names such as ``["offline"]``
    """


# --- reading a deck ----------------------------------------------------------------------


@hookspec
def mdslides_format_evidence(deck: Deck, settings: Settings) -> Sequence[Evidence]:  # type: ignore[empty-body]
    """Report every sign that *deck* is written for one of your formats.

    Called once per deck, before splitting, unless the user named the format; every
    plugin answers and :func:`~mdslides_prompts.detection.decide` weighs all the signs. A
    deck is written only on a confident verdict, so say how strong each sign is
    (:class:`~mdslides_prompts.detection.Strength`): a declaration (front matter key,
    file extension, the tool's configuration file that a build would read), syntax only
    your generator gives a meaning to, or a hint that other tools share.

    :param deck: the deck as read; ``deck.format`` is ``None`` and it has no slides
    :param settings: the run's settings (separators given on the command line, ...)
    :return: the signs seen, possibly none
    """


@hookspec(firstresult=True)
def mdslides_detect_format(deck: Deck, settings: Settings) -> str | None:
    """Name *deck*'s format outright, if you are sure of it (the older, simpler form of
    :func:`mdslides_format_evidence`; no built-in format uses it).

    An answer counts as a declaration: it is weighed with the other plugins' signs.

    :param deck: the deck as read; ``deck.format`` is ``None`` and it has no slides
    :param settings: the run's settings
    :return: a format name from :func:`mdslides_format_names`, or ``None``
    """


@hookspec(firstresult=True)
def mdslides_split_deck(deck: Deck, settings: Settings) -> Deck | None:
    """Split *deck* into slides exactly as its generator does, if ``deck.format`` is yours.

    Called once per deck and per run, after the format is known. Fill in the
    deck's ``front_matter``, ``meta`` and ``slides`` (with line ranges, text, title,
    notes, existing prompt markers, the anchor line for a new marker and a skip reason
    for slides that get no prompt) and return the result of ``dataclasses.replace``.
    Must never raise on any text: every string is a valid deck.

    :param deck: the deck with ``deck.format`` set
    :param settings: the run's settings (separator options override the deck's own)
    :return: the split deck, or ``None`` if the format is not yours
    """


# --- asking for prompts ------------------------------------------------------------------


@hookspec(firstresult=True)
def mdslides_visible_text(deck: Deck, slide: Slide, settings: Settings) -> str | None:
    """Say what the audience sees of *slide*, if it is yours to say.

    The slide's Markdown without what your generator reads but never shows: directives,
    layout front matter, slot markers, classes and attributes, speaker notes. The
    request sends it as plain text (:func:`~mdslides_prompts.visible.plain_text`); it
    never holds the notes (those go only when the settings send them).

    :param deck: the split deck
    :param slide: the slide
    :param settings: the run's settings
    :return: the text, or ``None`` to let the built-in rules for the deck's format answer
        (:func:`~mdslides_prompts.visible.visible_text`)
    """


@hookspec(firstresult=True)
def mdslides_placement(deck: Deck, slide: Slide, settings: Settings) -> Placement | None:
    """Say where *slide*'s picture goes and what shape it is, if ``deck.format`` is yours.

    Called for every slide once the deck is split: the slot the generator gives a
    picture (the whole background, or the left, right, top or bottom part and its
    share), the slide's aspect ratio (from the deck's settings, else the generator's
    default), and the picture the author already set there with the syntax that set it.
    A slide whose picture is set gets no prompt unless ``include-illustrated`` is on; the
    request of the others carries a line asking for a composition that fits
    (:meth:`~mdslides_prompts.placement.Placement.describe`). An inline picture in the
    slide's content (a chart) is no slot. Must never raise on any text.

    :param deck: the split deck
    :param slide: the slide
    :param settings: the run's settings
    :return: the :class:`~mdslides_prompts.placement.Placement`, or ``None`` if the
        format is not yours (no plugin answering: the request has no placement line)
    """


@hookspec(firstresult=True)
def mdslides_build_messages(
    deck: Deck, slide: Slide, settings: Settings, context: PromptContext
) -> Sequence[Message] | None:
    """Build the chat messages that ask a model for one slide's image prompt.

    Called for every slide that needs a new prompt. The messages, with the
    provider, model and parameters, make the cache key, so they must depend only on
    what should change the answer (never on line numbers or the slide's position alone).

    :param deck: the split deck, for context (title, theme, neighbouring slides)
    :param slide: the slide that needs a prompt
    :param settings: the run's settings (language, style, ...)
    :param context: what the slide is about, ready to send: what the audience reads
        (``audience_text``), titles, theme, style, language, and the notes when the
        settings send them
    :return: the messages, or ``None`` to let the default builder answer
    """


@hookspec(firstresult=True)
def mdslides_build_art_messages(
    deck: Deck, settings: Settings, context: PromptContext
) -> Sequence[Message] | None:
    """Build the chat messages that ask a model for a deck's art direction.

    Called once per deck that needs prompts, unless the ``style`` setting gives the art
    direction or ``art-direction`` is off; the answer is cached and appended to every
    slide's prompt. Like a slide's, the messages make the cache key: they must depend
    only on what should change the art direction (the deck's title, theme, colours and
    the prompt language), so that editing a slide never asks for a new one.

    :param deck: the split deck
    :param settings: the run's settings
    :param context: the deck's facts, ready to send (``purpose`` is
        ``"art-direction"``: title, theme, ``colours``, language)
    :return: the messages, or ``None`` to let the default builder answer
    """


@hookspec(firstresult=True)
def mdslides_get_provider(name: str, settings: Settings, notify: Notify) -> Provider | None:
    """Create the provider called *name*, if it is yours.

    Called once per run; the provider is used for every slide of every deck of the
    run and closed at its end (so it can keep one HTTP client and one rate limiter).
    Credentials come from the environment, never from *settings*.

    :param name: the provider the user asked for (``"offline"``, ...)
    :param settings: the run's settings (model, parameters, ``provider_options``)
    :param notify: call it with a :class:`~mdslides_prompts.providers.base.ProviderEvent`
        for each retry or wait; it reaches :func:`mdslides_on_provider_event`
    :return: a :class:`~mdslides_prompts.providers.base.Provider`, or ``None``
    """


@hookspec
def mdslides_image_provider_names() -> Sequence[str]:  # type: ignore[empty-body]
    """Name the image providers this plugin can create with
    :func:`mdslides_get_image_provider`.

    Called to validate ``--image-provider`` and to list plugins; results are merged.

    :return: image provider names such as ``["offline"]``
    """


@hookspec(firstresult=True)
def mdslides_get_image_provider(
    name: str, settings: Settings, notify: Notify
) -> ImageProvider | None:
    """Create the image provider called *name*, if it is yours.

    Called once per run that makes pictures; the provider serves every slide of every
    deck of the run and is closed at its end. Credentials come from the environment,
    never from *settings*.

    :param name: the image provider the user asked for (``"offline"``, ...)
    :param settings: the run's settings (``provider_options`` for its pacing and retries)
    :param notify: call it with a :class:`~mdslides_prompts.providers.base.ProviderEvent`
        for each retry or wait; it reaches :func:`mdslides_on_provider_event`
    :return: a :class:`~mdslides_prompts.providers.pictures.ImageProvider`, or ``None``
    """


@hookspec
def mdslides_config_keys() -> Sequence[Key]:  # type: ignore[empty-body]
    """Declare the configuration keys your plugin reads.

    Each :class:`~mdslides_prompts.config.Key` (without a ``target``) may then be set in
    config files, as ``MDSLIDES_PROMPTS_<KEY>`` in the environment, on the command line
    of the Python API and, if ``deck=True``, in a deck's own block; its checked value
    reaches your hooks in ``settings.extra[name]``. A name a built-in key or another
    plugin already has is refused (:class:`~mdslides_prompts.errors.PluginError`).

    :return: the keys, e.g. ``[Key("separator", "text", "horizontal separator regex")]``
    """


@hookspec(firstresult=True)
def mdslides_auto_provider(environ: Mapping[str, str]) -> str | None:
    """Name the provider ``auto`` stands for, if the environment calls for yours.

    Asked once per run, of installed plugins first, then of the built-in ones:
    ``infomaniak`` answers when its credentials are set, ``offline`` (last) always.

    :param environ: the environment the run sees
    :return: a provider name, or ``None`` to let the next plugin decide
    :raises UsageError: the environment is half set up for your provider (one
        credential of two), which falling back to another provider would hide
    """


# --- writing a deck ----------------------------------------------------------------------


@hookspec(firstresult=True)
def mdslides_inject_prompts(
    deck: Deck, prompts: Mapping[int, SlidePrompt], mode: str, settings: Settings
) -> str | None:
    """Return the deck's text with *prompts* written in, if ``deck.format`` is yours.

    Called once per deck after the prompts are known. Replace the marker of each slide
    in *prompts* (keyed by slide index) or insert one where the generator renders
    nothing new; leave every other byte unchanged, line endings included. Injecting
    what is already there must return the text unchanged. The pipeline splits the text
    again; if it refuses it (or the hook raises :class:`~mdslides_prompts.PluginError`),
    it calls again with fewer prompts to find the slides to blame, which then fail.

    :param deck: the split deck
    :param prompts: the prompts to write, by slide index; other slides stay as they are
    :param mode: how to write them (``"comment"``, ``"reference"``, ``"frontmatter"``)
    :param settings: the run's settings, as the deck was split with them
    :return: the new text (without BOM), or ``None`` if the format is not yours
    """


@hookspec(firstresult=True)
def mdslides_inject_pictures(
    deck: Deck, pictures: Mapping[int, SlidePicture], settings: Settings
) -> str | None:
    """Return the deck's text with *pictures* placed, if ``deck.format`` is yours.

    Each picture goes where the generator shows a picture in that slot, in its syntax
    (the built-in formats: the line after the slide's marker, the slide heading's
    attributes, the slide's front matter), replacing the picture placed there before
    (:attr:`~mdslides_prompts.deck.Slide.picture`); the split must read it back as that
    picture and leave it out of the slide's text. Every other byte
    stays; :func:`mdslides_strip_prompts` removes a picture with its marker. The
    pipeline splits the text again and refuses it unless every slide is as it was.

    :param deck: the split deck
    :param pictures: the pictures to place, by slide index (each slide has one marker)
    :param settings: the run's settings, as the deck was split with them
    :return: the new text (without BOM), or ``None`` if the format is not yours or
        shows no pictures
    """


@hookspec(firstresult=True)
def mdslides_strip_prompts(deck: Deck, settings: Settings) -> str | None:
    """Return the deck's text with our prompt markers (and the pictures placed after
    them) removed, if ``deck.format`` is yours.

    The exact inverse of :func:`mdslides_inject_prompts` and
    :func:`mdslides_inject_pictures`: stripping an injected deck gives back the original
    bytes. Markers carrying the author's flag stay (see
    :func:`~mdslides_prompts.marker.strippable`); the pipeline checks both.

    :param deck: the split deck
    :param settings: the run's settings, as the deck was split with them
    :return: the new text (without BOM), or ``None`` if the format is not yours
    """


# --- events ------------------------------------------------------------------------------


@hookspec
def mdslides_on_slide_done(deck: Deck, slide: Slide, outcome: SlideOutcome) -> None:
    """Notification: one slide of *deck* got its prompt, came from the cache, or failed.

    Called as soon as the slide is done, in completion order; for progress reports.

    :param deck: the split deck
    :param slide: the slide
    :param outcome: what happened (see :class:`~mdslides_prompts.pipeline.SlideOutcome`)
    """


@hookspec
def mdslides_on_provider_event(event: ProviderEvent) -> None:
    """Notification: the provider retries a request or holds requests back.

    Called from inside a run, as it happens (from the event loop: do not block).

    :param event: what happened, with a one-line message free of secrets
    """


@hookspec
def mdslides_on_deck_done(report: DeckReport) -> None:
    """Notification: a deck was processed (written, unchanged, or left alone on failure).

    :param report: per-slide outcomes, whether the file changed and where it went
    """


@hookspec
def mdslides_on_warning(message: str) -> None:
    """Notification: something the user should know that does not stop the run, such as
    cached answers that were ignored because they are not plain JSON.

    Called when the cause is known (for the cache: once per run, when it is closed).

    :param message: one line for humans, naming the file concerned
    """
