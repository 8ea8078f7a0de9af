"""The engine's shape, checked from the source: imports run one way (ui → rag → ingest), no module of rag/
imports one that imports it back (at any depth, function-level and TYPE_CHECKING imports included), and
only the store speaks Chroma."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

PACKAGES = ("rag", "ingest", "ui")


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """module → every module it imports (absolute names, all of them: top-level, in functions, typing-only)."""
    graph: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            name = _module_name(path)
            found: set[str] = set()
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found |= {alias.name for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    found.add(node.module)
                    found |= {f"{node.module}.{alias.name}" for alias in node.names}
            graph[name] = found
    return graph


def _internal(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The same graph restricted to the project's own modules (a `from x import name` of a function maps to x)."""
    return {m: {i for i in imported if i in graph and i != m} for m, imported in graph.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _parent_packages(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Package `__init__` modules are imported as a side effect of importing a submodule: not an edge back."""
    return {m: {i for i in imported if not m.startswith(i + ".")} for m, imported in graph.items()}


def test_no_import_cycle_inside_rag() -> None:
    graph = _parent_packages(_internal(_imports()))
    rag = {m: {i for i in imported if i.startswith("rag")} for m, imported in graph.items() if m.startswith("rag")}
    assert _cycles(rag) == []


def test_imports_run_one_way() -> None:
    graph = _imports()
    for module, imported in graph.items():
        roots = {i.split(".")[0] for i in imported}
        if module.startswith("ingest"):
            assert not roots & {"rag", "ui"}, f"{module} (ingest knows no index and no UI)"
        if module.startswith("rag"):
            assert "ui" not in roots, f"{module} (the engine knows no UI)"


def test_only_the_store_speaks_chroma() -> None:
    speakers = sorted(m for m, imported in _imports().items() if any(i.split(".")[0] == "chromadb" for i in imported))
    assert speakers == ["rag.index.store"]


def test_the_cycle_finder_finds_cycles() -> None:
    """The checks above can fail: a two-module loop and a longer one are both found."""
    graph = {"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"e"}, "e": {"c"}, "f": {"a"}}
    assert sorted(_cycles(graph)) == [["a", "b"], ["c", "d", "e"]]
