"""A deck format as one plugin object: :class:`Format`.

Every format hook but the names and the evidence answers only for the decks of its own
formats and returns ``None`` for the others, so that pluggy asks the next plugin. A
:class:`Format` implements those hooks once: a generator sets the formats it handles and
the modes it takes and overrides what it does with its own decks. Registering an
instance makes it a plugin like a module with module-level hooks (both kinds work).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import ClassVar

from ..config import Key, Settings
from ..deck import Deck, Slide, SlidePicture, SlidePrompt
from ..detection import Evidence
from ..hookspecs import hookimpl
from ..placement import Placement

__all__ = ["Format"]


class Format(ABC):
    """A deck format plugin: subclass it, set :attr:`names` (and :attr:`modes`,
    :attr:`keys`), override :meth:`split`, :meth:`inject` and :meth:`strip` (and
    :meth:`evidence`, :meth:`placement`), and register an instance.

    :meth:`split`, :meth:`inject` and :meth:`strip` are only called for a deck whose
    ``format`` is in :attr:`names` (and, for :meth:`inject`, a mode in :attr:`modes`);
    every other deck is left to the other plugins. Its hooks are ``trylast``, as the
    built-in formats' are, and those registered first answer first: a :class:`Format`
    adds formats but cannot take over a built-in one's name (module-level hooks without
    ``trylast`` can).
    """

    names: ClassVar[tuple[str, ...]] = ()
    """The format names this plugin handles (``--format``, ``deck.format``)."""
    modes: ClassVar[tuple[str, ...]] = ("comment",)
    """The insertion modes (``--mode``) it can write prompts in; other modes are refused
    with one line naming the mode."""
    keys: ClassVar[tuple[Key, ...]] = ()
    """The configuration keys it declares; their values reach it in ``settings.extra``."""

    def evidence(self, deck: Deck, settings: Settings) -> list[Evidence]:
        """Every sign that *deck* (not split yet, ``deck.format`` unset) is written for
        one of :attr:`names` (see ``mdslides_format_evidence``); none by default."""
        return []

    @abstractmethod
    def split(self, deck: Deck, settings: Settings) -> Deck:
        """*deck* split into slides exactly as the generator does (see
        ``mdslides_split_deck``); must never raise on any text."""

    def inject(
        self, deck: Deck, prompts: Mapping[int, SlidePrompt], mode: str, settings: Settings
    ) -> str | None:
        """*deck*'s text with *prompts* written in *mode*, one of :attr:`modes` (see
        ``mdslides_inject_prompts``), or ``None`` if this deck cannot take that mode
        after all. By default none: a format that only reads decks."""
        return None

    def inject_pictures(
        self, deck: Deck, pictures: Mapping[int, SlidePicture], settings: Settings
    ) -> str | None:
        """*deck*'s text with *pictures* placed after their slides' markers (see
        ``mdslides_inject_pictures``). By default ``None``: a format that places none."""
        return None

    def strip(self, deck: Deck, settings: Settings) -> str | None:
        """*deck*'s text without our markers (see ``mdslides_strip_prompts``). By
        default ``None``: a format that only reads decks cannot strip them."""
        return None

    def placement(self, deck: Deck, slide: Slide, settings: Settings) -> Placement:
        """Where *slide*'s picture goes (see ``mdslides_placement``). By default no slot,
        on the usual 16:9 slide: override it to read the deck's size and its slots."""
        return Placement()

    def __dir__(self) -> list[str]:
        # pluggy registers the hooks dir() names: a format without keys declares none,
        # so the plugins listing shows only the hooks it uses.
        # Likewise a format that places no pictures does not list that hook.
        places = type(self).inject_pictures is not Format.inject_pictures
        return [
            n
            for n in super().__dir__()
            if (self.keys or n != "mdslides_config_keys")
            and (places or n != "mdslides_inject_pictures")
        ]

    # --- hooks ---------------------------------------------------------------------------

    @hookimpl(trylast=True)
    def mdslides_format_names(self) -> list[str]:
        """:attr:`names`."""
        return list(self.names)

    @hookimpl(trylast=True)
    def mdslides_config_keys(self) -> tuple[Key, ...]:
        """:attr:`keys` (implemented only by a format that has some)."""
        return self.keys

    @hookimpl(trylast=True)
    def mdslides_format_evidence(self, deck: Deck, settings: Settings) -> list[Evidence]:
        """:meth:`evidence`."""
        return self.evidence(deck, settings)

    @hookimpl(trylast=True)
    def mdslides_split_deck(self, deck: Deck, settings: Settings) -> Deck | None:
        """:meth:`split`, for a deck of one of :attr:`names`."""
        return self.split(deck, settings) if deck.format in self.names else None

    @hookimpl(trylast=True)
    def mdslides_placement(self, deck: Deck, slide: Slide, settings: Settings) -> Placement | None:
        """:meth:`placement`, for a deck of one of :attr:`names`."""
        return self.placement(deck, slide, settings) if deck.format in self.names else None

    @hookimpl(trylast=True)
    def mdslides_inject_prompts(
        self, deck: Deck, prompts: Mapping[int, SlidePrompt], mode: str, settings: Settings
    ) -> str | None:
        """:meth:`inject`, for a deck of one of :attr:`names` and a mode of :attr:`modes`
        (the pipeline asks with no prompts to learn whether the mode is taken)."""
        if deck.format not in self.names or mode not in self.modes:
            return None
        return self.inject(deck, prompts, mode, settings)

    @hookimpl(trylast=True)
    def mdslides_inject_pictures(
        self, deck: Deck, pictures: Mapping[int, SlidePicture], settings: Settings
    ) -> str | None:
        """:meth:`inject_pictures`, for a deck of one of :attr:`names`."""
        if deck.format not in self.names:
            return None
        return self.inject_pictures(deck, pictures, settings)

    @hookimpl(trylast=True)
    def mdslides_strip_prompts(self, deck: Deck, settings: Settings) -> str | None:
        """:meth:`strip`, for a deck of one of :attr:`names`."""
        return self.strip(deck, settings) if deck.format in self.names else None
