"""The package's modules import each other without a cycle, counting every import: at
module top, inside functions (run time) and under ``TYPE_CHECKING``.

A cycle makes the order modules load in matter and hides which module is the lower
layer; ``hookspecs`` (the table of contents) in particular must depend on data only.
The graph is read from the source with :mod:`ast`, so it sees imports no test path
reaches.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = "mdslides_prompts"


def module_files(package: Path = SRC / PACKAGE) -> dict[str, Path]:
    """Every module of *package* by dotted name (a package by its ``__init__``)."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _resolve(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    """The absolute name an ``from X import ...`` statement in *module* reads from."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    drop = node.level - 1 if is_package else node.level
    base = base[: len(base) - drop]
    return ".".join([*base, node.module] if node.module else base)


def imports(modules: Mapping[str, Path]) -> dict[str, set[str]]:
    """For each module, the package's modules it imports anywhere in its source."""
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                source = _resolve(name, node, path.name == "__init__.py")
                for alias in node.names:
                    submodule = f"{source}.{alias.name}"
                    targets.add(submodule if submodule in modules else source)
        graph[name] = {target for target in targets if target in modules and target != name}
    return graph


def cycles(graph: Mapping[str, set[str]]) -> Iterator[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each as a
    closed path through it."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(_path_through(graph, set(component)))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return iter(found)


def _path_through(graph: Mapping[str, set[str]], component: set[str]) -> list[str]:
    """A shortest cycle through the component's first module, to show in a failure."""
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target in sorted(graph[node] & component):
            if target == start:
                return [*paths[node], start]
            if target not in paths:
                paths[target] = [*paths[node], target]
                queue.append(target)
    return sorted(component)  # pragma: no cover - a component always has a cycle


def test_no_import_cycle() -> None:
    found = [" -> ".join(cycle) for cycle in cycles(imports(module_files()))]
    assert not found, "import cycles:\n" + "\n".join(found)


DATA = {
    "about", "errors", "wording", "marker", "deck", "config", "detection", "outcomes", "clip",
    "art", "colours", "placement", "lazyre", "aio",
    "controls", "templates", "kinds", "providers", "providers.base", "providers.options",
    "providers.secret", "providers.answers", "providers.wire", "providers.offline_words",
    "providers.pictures", "sheet",
}  # fmt: skip
"""The data layer (docs/architecture.md): what the hooks exchange, and pure helpers."""
ENGINE = {
    "plugins", "configfile", "cache", "explain", "fileio", "visible", "planning", "verify",
    "pipeline", "workspace", "watch", "progress", "helpformat", "lint", "imagestore",
    "illustrate",
}  # fmt: skip
"""The engine: runs the hooks; plugins never import it (fileio and visible excepted:
plugins read files and a slide's visible text with them)."""
PLUGIN_HELPERS = {"fileio", "visible"}


def _layer(module: str) -> str:
    name = module.removeprefix(f"{PACKAGE}.")
    if module == PACKAGE or name in ("cli", "__main__") or name.startswith("cli."):
        return "cli"
    if name == "hookspecs":
        return "hookspecs"
    if name in DATA:
        return "data"
    return "engine" if name in ENGINE else "plugins"


def test_every_module_has_a_layer_and_imports_only_what_its_layer_may() -> None:
    may = {
        "data": {"data"},
        "hookspecs": {"data"},
        "plugins": {"data", "hookspecs", "plugins", "helpers", "lines"},
        "engine": {"data", "hookspecs", "engine", "helpers", "lines"},
        "cli": {"data", "hookspecs", "engine", "helpers", "plugins", "cli"},
    }
    wrong = []
    for module, targets in imports(module_files()).items():
        for target in targets:
            kind = _layer(target)
            if target.removeprefix(f"{PACKAGE}.") in PLUGIN_HELPERS:
                kind = "helpers"
            elif target == f"{PACKAGE}.formats.lines":  # text helpers visible.py shares
                kind = "lines"
            if kind not in may[_layer(module)]:
                wrong.append(f"{module} ({_layer(module)}) -> {target} ({_layer(target)})")
    assert not wrong, "\n".join(wrong)


def test_the_architecture_page_names_every_module() -> None:
    page = (SRC.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    for path in module_files().values():
        shown = path.relative_to(SRC / PACKAGE).as_posix()
        assert f"`{shown}`" in page, shown


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"a": "from . import b\n", "b": "x = 1\n"}, []),
        ({"a": "from .b import x\n", "b": "from .a import y\n"}, [["p.a", "p.b", "p.a"]]),
        (
            {"a": "import typing\nif typing.TYPE_CHECKING:\n    from .b import x\n",
             "b": "def f():\n    from . import a\n"},
            [["p.a", "p.b", "p.a"]],
        ),
        ({"a": "from .sub import c\n", "sub/__init__": "", "sub/c": "from ..a import z\n"},
         [["p.a", "p.sub.c", "p.a"]]),
    ],
    ids=["none", "top-level", "type-checking-and-function", "subpackage"],
)  # fmt: skip
def test_cycle_finder(tmp_path: Path, files: dict[str, str], expected: list[list[str]]) -> None:
    root = tmp_path / "p"
    (root / "__init__.py").parent.mkdir()
    (root / "__init__.py").write_text("")
    for name, text in files.items():
        path = root / f"{name}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert list(cycles(imports(module_files(root)))) == expected
