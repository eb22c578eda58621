"""Pandoc slide shows (``pandoc -t revealjs``) and Quarto revealjs: split as pandoc 3.9 does.

pandoc reads the whole deck into blocks first (its ``markdown`` reader) and only then cuts
slides (``Text.Pandoc.Slides`` and ``makeSections``), so this module has two halves:

* a block reader that follows ``Text/Pandoc/Readers/Markdown.hs`` for where each
  top-level block starts and ends: fenced code (```` ``` ```` and ``~~~``, only when
  closed and with a valid info string), YAML metadata blocks anywhere (a mapping between
  ``---`` and ``---``/``...``), lists with their lazy lines, ``:::`` and ``<div>`` divs
  (read recursively), ATX and setext headings (an ATX heading needs a blank line above
  it, because a paragraph runs on to the next blank line), HTML blocks and comments,
  pipe, simple and multiline tables, indented code, block quotes, horizontal rules,
  definition lists, footnotes and link definitions (which make no block at all);
* the slide rules of ``conformance/pandoc/FINDINGS.md``: the slide level is the lowest
  heading level directly followed by something other than a heading or rule (looking into
  divs, skipping the block after a counted heading); ``--slide-level`` (the
  ``slide-level`` key) comes first, then Quarto's ``slide-level:`` from the deck's YAML
  or its project's ``_quarto.yml`` (else 2), R Markdown an output format's
  ``slide_level:`` if it has one (plain pandoc ignores a ``slide-level:`` key: the level
  is then unknown, and inferred for the split). A top-level heading at or above that level
  starts a slide, so does a horizontal rule (merged with a slide-level heading right
  after it), and so does a div whose first block is such a heading; anything before the
  first of these is a slide of its own. ``::: notes`` divs are speaker notes. The YAML
  title slide is not a source slide.

A prompt is an HTML comment, which pandoc copies into the slide as raw HTML: on its own
line right after the slide's heading, with a blank line after it (unless it ends the
file); in a slide started by a bare rule, after a blank line below the rule; in the slide
of content before the first heading, above that content; in a slide without a heading
whose body opens with a deeper heading, also after that heading. Where the slide level
is inferred and a new block after a heading above that level could change it, the
comment goes inside the heading line instead, right after its text (no space: beamer
keeps one in frame titles), before its closing ``#``s and ``{attributes}``: the heading
keeps its id. Every place is tried first: the deck is read again with a marker there and
must give the same blocks (the marker a block of its own) and the same slides at each
level it may be built with: the known level, or when none is known every level 1-6 and
the inferred one (so a marker never goes between a rule and a heading that merge at that
heading's level). Decks with knitr/Quarto cells are also read with every cell removed
(knitr drops ``include: false`` cells, and ``echo: false`` ones without output), which
must give the same slides too. Otherwise the slide is skipped (as it is below a ``<!--``
that nothing closes, which a marker's ``-->`` would close). Slides whose heading has
``{visibility="hidden"}`` are not shown, and get no prompt.

The package: :mod:`.reader` (blocks) over :mod:`.blocks` (line patterns), :mod:`.slides`
(slide starts and marker places at every level), :mod:`.places` (each slide's markers and
text; inject and strip), :mod:`.settings` (tool and slide level), :mod:`.detect` (signs),
:mod:`.placement` (picture slots and slide size); this module holds the plugin.
"""

from __future__ import annotations

from collections.abc import Mapping

from ...config import Settings
from ...deck import Deck, Slide, SlidePicture, SlidePrompt
from ...detection import Evidence
from ...placement import Placement
from ..base import Format
from .detect import evidence
from .placement import placement
from .places import inject, inject_pictures, split_deck, strip
from .settings import NAMES, SLIDE_LEVEL

__all__ = ["PLUGIN", "Pandoc"]


class Pandoc(Format):
    """pandoc and Quarto slide shows (``pandoc``, ``quarto``), split as
    ``pandoc -t revealjs`` does; prompts as HTML comments. Declares ``slide-level``."""

    names = NAMES
    keys = (SLIDE_LEVEL,)

    def evidence(self, deck: Deck, settings: Settings) -> list[Evidence]:
        """Declared: ``format: revealjs`` in the YAML or in the ``_quarto.yml`` of the
        project (Quarto), an R Markdown ``output:`` for slides other than xaringan
        (pandoc). Distinctive for pandoc: ``slide-level:``, a ``::: notes`` div, a ``%``
        title block."""
        return evidence(deck)

    def split(self, deck: Deck, settings: Settings) -> Deck:
        """Split the deck as ``pandoc -t revealjs`` does, at the slide level given
        (``--slide-level``), the deck's own, or else the one pandoc infers."""
        return split_deck(deck, settings)

    def inject(
        self, deck: Deck, prompts: Mapping[int, SlidePrompt], mode: str, settings: Settings
    ) -> str:
        """Write each prompt as an HTML comment after the slide's heading (or in it)."""
        if not prompts:  # the pipeline's probe of the mode: nothing to read the deck for
            return deck.text
        return inject(deck, prompts, settings)

    def inject_pictures(
        self, deck: Deck, pictures: Mapping[int, SlidePicture], settings: Settings
    ) -> str:
        """Set each picture as the background of its slide's heading, as reveal.js output
        shows one: ``## Title {background-image="…"}``."""
        return inject_pictures(deck, pictures, settings)

    def strip(self, deck: Deck, settings: Settings) -> str:
        """Remove every marker, with the blank lines written around it, and the
        backgrounds we set on headings."""
        return strip(deck, settings)

    def placement(self, deck: Deck, slide: Slide, settings: Settings) -> Placement:
        """The slide heading's ``{background-image=...}`` in reveal.js output, on the size
        of the output the deck is built into (see :mod:`.placement`)."""
        return placement(deck, slide)


PLUGIN = Pandoc()
"""The plugin :mod:`~mdslides_prompts.plugins` registers."""
