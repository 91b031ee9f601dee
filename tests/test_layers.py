"""Layers only look down, and no module comes back to itself through a circle of imports.

The order of the layers is written once, in pyproject.toml: the ``layers`` contract of
``[tool.importlinter]``, which ``lint-imports`` (in ``make lint``) checks with its own reading of the
imports. This test reads that list (``LAYERS``) and walks every module of association/ with ast:
imports at the top of a module, inside functions (they run later, but are dependencies all the
same) and under ``if TYPE_CHECKING`` (a type needed from above says the code sits in the wrong
layer) all count. It fails naming each import that runs up and each circle, with its imports.

The app factory (association/__init__.py) is above every layer: it wires them all together.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import association

PACKAGE_DIR = Path(association.__file__).resolve().parent
PYPROJECT = PACKAGE_DIR.parent / "pyproject.toml"


def read_layers(pyproject: Path = PYPROJECT) -> tuple[str, ...]:
    """The layers, bottom first, as full module names (import-linter lists them top first)."""
    config = tomllib.loads(pyproject.read_text())["tool"]["importlinter"]
    contract = next(c for c in config["contracts"] if c["type"] == "layers")
    (container,) = contract["containers"]
    return tuple(f"{container}.{tail}" for tail in reversed(contract["layers"]))


LAYERS = read_layers()


@dataclass(frozen=True, order=True)
class Import:
    importer: str
    line: int
    imported: str

    def __str__(self) -> str:
        return f"{self.importer} (line {self.line}) imports {self.imported}"


def modules_of(package_dir: Path) -> dict[str, tuple[Path, bool]]:
    """Every module of the package by dotted name: (its file, whether it is a package's __init__)."""
    found = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = path.relative_to(package_dir.parent).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def _known(name: str, modules: Iterable[str]) -> str | None:
    """The module ``name`` names, or the nearest module holding it (a class, a function)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str, path: Path, is_package: bool, modules: dict) -> list[Import]:
    """Every import of one module of ours, wherever it is written, resolved to a module of ours."""
    package = module if is_package else module.rpartition(".")[0]
    found = set()  # one per line and module imported, however many names the line takes
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{parent}.{base}" if base else parent
            # ``from package import name``: the submodule when there is one, else the package itself.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            imported = _known(target, modules)
            if imported is not None and imported != module:
                found.add(Import(module, node.lineno, imported))
    return sorted(found)


def import_graph(package_dir: Path = PACKAGE_DIR) -> dict[str, list[Import]]:
    """Module -> the imports it makes of the package's own modules."""
    modules = modules_of(package_dir)
    return {name: imports_of(name, path, is_package, modules) for name, (path, is_package) in modules.items()}


def layer_of(module: str, layers: tuple[str, ...]) -> int | None:
    """Its layer's place, counted from the bottom; above them all for the package itself (the factory)."""
    if "." not in module:
        return len(layers)
    return next((i for i, layer in enumerate(layers) if module == layer or module.startswith(layer + ".")), None)


def upward_imports(graph: dict[str, list[Import]], layers: tuple[str, ...]) -> list[Import]:
    """Imports of a module in a higher layer than the importer's."""
    return sorted(
        found
        for imports in graph.values()
        for found in imports
        if (layer_of(found.imported, layers) or 0) > (layer_of(found.importer, layers) or 0)
    )


def circles(graph: dict[str, list[Import]]) -> list[list[Import]]:
    """The strongly connected components of more than one module, each as the imports inside it.

    Tarjan's algorithm, iterative so a deep chain of imports cannot hit the recursion limit.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(graph[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            module, edges = work[-1]
            step = next(edges, None)
            if step is not None:
                nxt = step.imported
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(graph.get(nxt, []))))
                elif nxt in on_stack:
                    low[module] = min(low[module], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[module])
            if low[module] == index[module]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == module:
                        break
                if len(component) > 1:
                    components.append(component)
    return sorted(
        sorted(found for member in component for found in graph[member] if found.imported in component)
        for component in components
    )


def test_every_module_is_in_a_layer():
    lost = [module for module in import_graph() if layer_of(module, LAYERS) is None]
    assert not lost, f"modules in no layer (add their part to [tool.importlinter] in pyproject.toml): {lost}"


def test_no_import_runs_up_the_layers():
    found = upward_imports(import_graph(), LAYERS)
    order = " < ".join(layer.rpartition(".")[2] for layer in LAYERS)
    assert not found, f"imports that run up the layers ({order}):\n" + "\n".join(map(str, found))


def test_no_circle_of_imports_between_modules():
    found = circles(import_graph())
    assert not found, "circles of imports:\n" + "\n\n".join("\n".join(map(str, circle)) for circle in found)


def test_the_walk_sees_imports_in_functions_and_circles_inside_a_part(tmp_path):
    """The checks themselves: on a small package that breaks both rules, every breach is named."""
    town = tmp_path / "town"
    for folder in ("low", "high"):
        (town / folder).mkdir(parents=True)
        (town / folder / "__init__.py").write_text("")
    (town / "__init__.py").write_text("")
    (town / "low" / "a.py").write_text("def later():\n    from ..high.b import thing\n")
    (town / "high" / "b.py").write_text("from ..low import a\n\nthing = a\n")
    (town / "high" / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .d import D\n")
    (town / "high" / "d.py").write_text("from . import c\nimport town.low.a\n")
    graph = import_graph(town)
    layers = ("town.low", "town.high")
    assert [str(i) for i in upward_imports(graph, layers)] == ["town.low.a (line 2) imports town.high.b"]
    assert [[str(i) for i in circle] for circle in circles(graph)] == [
        ["town.high.b (line 1) imports town.low.a", "town.low.a (line 2) imports town.high.b"],
        ["town.high.c (line 3) imports town.high.d", "town.high.d (line 1) imports town.high.c"],
    ]
