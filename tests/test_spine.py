"""The plugin spine: every hook is typed, documented, prefixed, and exercised by the tests."""

from __future__ import annotations

import inspect
from pathlib import Path
import typing

import pluggy

import mdslides_prompts
from mdslides_prompts import get_plugin_manager, hookspecs
from mdslides_prompts.plugins import DEFAULT_PLUGINS
from mdslides_prompts.providers import pictures

HOOKS = [
    name
    for name, _ in inspect.getmembers(hookspecs, inspect.isfunction)
    if name.startswith("mdslides_")
]
TESTS = "".join(p.read_text(encoding="utf-8") for p in Path(__file__).parent.glob("test_*.py"))
SOURCES = "".join(
    p.read_text(encoding="utf-8")
    for p in Path(mdslides_prompts.__file__).parent.rglob("*.py")
    if p.name != "hookspecs.py"  # the specifications themselves implement nothing
)


def test_every_hook_is_typed_documented_and_prefixed() -> None:
    assert len(HOOKS) >= 9
    # The package loads its names on first use, so vars() alone does not hold them yet.
    public = {name: getattr(mdslides_prompts, name) for name in mdslides_prompts.__all__}
    # The image-provider types are not in the package's API (yet): their own module's.
    public |= {name: getattr(pictures, name) for name in pictures.__all__}
    for name in HOOKS:
        function = getattr(hookspecs, name)
        doc = inspect.getdoc(function) or ""
        hints = typing.get_type_hints(function, public | vars(hookspecs))
        assert "return" in hints, name
        for param in inspect.signature(function).parameters:
            assert param in hints, (name, param)
            assert f":param {param}:" in doc, (name, param)
        assert len(doc.splitlines()) >= 3, name


def test_single_answer_hooks_are_firstresult() -> None:
    pm = get_plugin_manager(load_entrypoints=False)
    first = {name for name in HOOKS if pm.hook.__dict__[name].spec.opts.get("firstresult")}
    assert first == {
        "mdslides_detect_format", "mdslides_split_deck", "mdslides_build_messages",
        "mdslides_get_provider", "mdslides_inject_prompts", "mdslides_strip_prompts",
        "mdslides_auto_provider", "mdslides_visible_text", "mdslides_build_art_messages",
        "mdslides_placement", "mdslides_get_image_provider", "mdslides_inject_pictures",
    }  # fmt: skip


def test_only_the_engine_calls_hooks() -> None:
    package = Path(mdslides_prompts.__file__).parent
    callers = [
        p.name for p in package.rglob("*.py") if "hook.mdslides_" in p.read_text(encoding="utf-8")
    ]
    assert sorted(callers) == ["pipeline.py", "workspace.py"]


def test_every_hook_is_implemented_and_tested() -> None:
    for name in HOOKS:
        # By a built-in plugin, or by a test's plugin for a hook only third parties use.
        code = (SOURCES + TESTS).replace(f"def {name}(\n", f"def {name}(")
        assert f"def {name}(" in code, name
        assert name in TESTS or name.removeprefix("mdslides_") in TESTS, name


def test_factory_builds_independent_managers_with_builtins_as_plugins() -> None:
    one, two = (
        get_plugin_manager(load_entrypoints=False),
        get_plugin_manager(load_entrypoints=False),
    )
    assert one is not two and isinstance(one, pluggy.PluginManager)
    assert [one.get_name(p) for p in one.get_plugins() if one.get_name(p) in DEFAULT_PLUGINS]
    assert set(DEFAULT_PLUGINS) <= {one.get_name(p) for p in one.get_plugins()}


def test_public_names_are_exported_and_sorted() -> None:
    exported = mdslides_prompts.__all__
    assert exported == sorted(exported)
    assert all(hasattr(mdslides_prompts, name) for name in exported)
