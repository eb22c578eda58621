"""Patterns compiled on first use (:mod:`mdslides_prompts.lazyre`)."""

from __future__ import annotations

import importlib
import pkgutil
import re

import mdslides_prompts
from mdslides_prompts.lazyre import _LazyPattern, lazy_pattern


def test_a_lazy_pattern_compiles_when_first_used_and_acts_as_the_pattern() -> None:
    found = lazy_pattern(r"(a+)(b)?", re.I)
    assert isinstance(found, _LazyPattern) and not found.compiled
    assert found.sub(r"<\1>", "cAAt") == "c<AA>t"
    assert found.compiled
    assert (found.pattern, found.flags & re.I) == (r"(a+)(b)?", re.I)
    assert [m.span() for m in found.finditer("a ab")] == [(0, 1), (2, 4)]
    assert found.fullmatch("aab") is not None and found.split("xay") == ["x", "a", None, "y"]


def test_every_lazy_pattern_of_the_package_compiles() -> None:
    """A mistake in a pattern would show only when a run first uses it: compile them all."""
    count = 0
    for info in pkgutil.walk_packages(mdslides_prompts.__path__, "mdslides_prompts."):
        if info.name.endswith("__main__"):  # the program itself: it runs and exits
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            values = value.values() if isinstance(value, dict) else (value,)
            for candidate in values:
                if isinstance(candidate, _LazyPattern):
                    assert candidate.groups >= 0  # compiles it
                    count += 1
    assert count > 150
