"""Facts about the package that modules at every layer need, importing nothing.

The package root re-exports everything public lazily and so must stay above every other
module; they take these from here instead of from the root.
"""

from __future__ import annotations

__all__ = ["PLUGINS_ENV", "__version__"]

__version__ = "0.1.0"
"""The package's version (also in ``pyproject.toml``)."""

PLUGINS_ENV = "MDSLIDES_PROMPTS_PLUGINS"
"""Environment variable naming the entry-point plugins to load, comma-separated; set but
empty loads none.

Defined here, not in :mod:`~mdslides_prompts.plugins`, so that ``--help`` can name it
without importing pluggy."""
