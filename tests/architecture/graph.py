"""The project's import graph, read from the source with `ast` (nothing is imported).

Every `import` and `from ... import` counts, at module level or inside a function: a lazy
import is still a dependency, only a later one.
"""

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("integrations", "delivery", "signal_admin")
WEB = "signal_admin.web"


@dataclass(frozen=True)
class Import:
    """One import statement's target module, with the names it takes from it."""

    source: str  # the importing module, e.g. "delivery.outbox"
    target: str  # the imported module (or the package, for a name defined in it)
    names: tuple[str, ...]
    line: int

    def __str__(self) -> str:
        taken = f" ({', '.join(self.names)})" if self.names else ""
        return f"{self.source}:{self.line} imports {self.target}{taken}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files() -> dict[str, Path]:
    """Each module of the project's packages, by dotted name."""
    return {
        module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }


MODULES = source_files()


def is_package(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def in_project(module: str) -> bool:
    return module.split(".")[0] in PACKAGES


def _absolute(source: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    parts = source.split(".")
    base = parts if is_package(source) else parts[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(source: str) -> Iterator[Import]:
    """The project modules `source` imports: `from a import b` names `a.b` when b is a module."""
    tree = ast.parse(MODULES[source].read_text(), filename=str(MODULES[source]))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if in_project(alias.name):
                    yield Import(source, alias.name, (), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(source, node)
            if not in_project(target):
                continue
            plain = [a.name for a in node.names if f"{target}.{a.name}" not in MODULES]
            for alias in node.names:
                if f"{target}.{alias.name}" in MODULES:
                    yield Import(source, f"{target}.{alias.name}", (), node.lineno)
            if plain:
                yield Import(source, target, tuple(plain), node.lineno)


ALL_IMPORTS = [found for source in MODULES for found in imports_of(source)]


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def layer(module: str) -> str:
    """The layer a module belongs to: "web", or its top-level package."""
    return "web" if within(module, WEB) else module.split(".")[0]


def cycles(edges: set[tuple[str, str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan), each sorted."""
    graph: dict[str, set[str]] = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph[node]:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)
