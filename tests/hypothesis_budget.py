"""How many examples the property tests draw: their own default, or more on request.

``MDSLIDES_PROPERTY_EXAMPLES=5000 python3 -m pytest -k "inject_strip or property"`` runs
every round-trip property with at least that many examples (a one-off thorough run; the
defaults keep the suite fast).
"""

from __future__ import annotations

import os

ENV = "MDSLIDES_PROPERTY_EXAMPLES"


def examples(default: int) -> int:
    """*default*, or the larger count asked for in ``$MDSLIDES_PROPERTY_EXAMPLES``."""
    asked = os.environ.get(ENV, "").strip()
    return max(default, int(asked)) if asked.isdigit() else default
