"""No two modules of ``src/badminima`` import each other, directly or through others.

A circle means a concept sits in the wrong module (STYLE.md rule 8). The graph is read with
``ast``, without importing anything:

- a node is a module (``pkg/__init__.py`` is the package ``pkg``);
- an edge ``a -> b`` is an ``import b`` / ``from b import x`` / ``from b.c import x`` in a
  (``b.c`` a module: the edge goes to ``b.c``; ``x`` a submodule: to ``b.x``; relative
  imports resolved) **at module level and inside functions and methods alike**, since a
  deferred import still ties two modules together;
- imports under ``if TYPE_CHECKING:`` do not count (they never run);
- the implicit import of a package's ``__init__`` when one of its submodules is imported
  does not count (else every package re-exporting its submodules would be a circle), and
  names resolved lazily from a string (``badminima._lazy.attach``) are not imports.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import badminima

PACKAGE = Path(badminima.__file__).parent

#: Circles tolerated for now (each removed from here when its fix lands): none.
KNOWN_CYCLES: set[frozenset[str]] = set()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imported_modules(path: Path, modules: set[str]) -> set[str]:
    """The package modules that the module at ``path`` imports (see the module docstring)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                target = f"{base}.{alias.name}"
                if target in modules:
                    found.add(target)
                elif base in modules:
                    found.add(base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(), filename=str(path)))
    found.discard(name)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: imported_modules(path, set(paths)) for name, path in paths.items()}


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One circle ``[a, b, ..., a]`` per strongly connected component of more than one module
    (Tarjan's algorithm, iterative), in sorted order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(component)
    return [_circle(graph, component) for component in components]


def _circle(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest circle through the smallest module of ``component`` (breadth-first)."""
    start = min(component)
    previous = {start: None}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node] & component):
                if child == start:
                    path = [node]
                    while previous[path[-1]] is not None:
                        path.append(previous[path[-1]])
                    return [start, *reversed(path[:-1]), start] if len(path) > 1 else [start, node, start]
                if child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError(f"no circle in {sorted(component)}")


def test_package_has_no_import_cycle():
    cycles = [c for c in find_cycles(import_graph()) if frozenset(c) not in KNOWN_CYCLES]
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_known_cycles_still_exist():
    """An exception is removed as soon as its circle is fixed."""
    found = {frozenset(c) for c in find_cycles(import_graph())}
    assert KNOWN_CYCLES <= found, f"fixed, remove from KNOWN_CYCLES: {sorted(map(sorted, KNOWN_CYCLES - found))}"


def test_finder_reports_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    assert find_cycles(graph) == [["a", "b", "c", "a"]]
    assert find_cycles({"x": {"y"}, "y": set()}) == []


def test_reader_counts_function_imports_and_skips_type_checking(tmp_path, monkeypatch):
    pkg = tmp_path / "badminima"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "a.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from badminima.sub import c\n"
        "def f():\n    from . import b\n    return b\n")
    (pkg / "sub" / "b.py").write_text("from badminima.sub.a import f\n")
    (pkg / "sub" / "c.py").write_text("import badminima.sub.a\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", pkg)
    graph = import_graph()
    assert graph["badminima.sub.a"] == {"badminima.sub.b"}
    assert graph["badminima.sub.c"] == {"badminima.sub.a"}
    assert find_cycles(graph) == [["badminima.sub.a", "badminima.sub.b", "badminima.sub.a"]]
