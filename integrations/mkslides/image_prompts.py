"""mdslides-prompts for MkSlides: a ``preprocess_script`` (mkslides.yml)::

    slides:
      preprocess_script: image_prompts.py

MkSlides calls ``preprocess(markdown)`` on each deck's Markdown before it renders it.
By default the prompt markers are taken out of what is served (the deck's file keeps
them); with ``MDSLIDES_PROMPTS_MKSLIDES=cache-only`` the prompts the cache holds are
written into what is served instead, a slide without one left as it is.
"""

import os

from mdslides_prompts import Deck, Pipeline, Settings


def preprocess(markdown: str) -> str:
    """*markdown* as MkSlides should render it (see the module)."""
    if os.environ.get("MDSLIDES_PROMPTS_MKSLIDES", "strip") == "cache-only":
        pipeline = Pipeline(Settings(format="mkslides", provider="offline", cache_only=True))
        [report] = pipeline.run([pipeline.parse(Deck.from_text(markdown))])
        return report.text
    pipeline = Pipeline(Settings(format="mkslides"))
    return pipeline.strip(pipeline.parse(Deck.from_text(markdown)))
