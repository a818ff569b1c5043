"""The shape of the package: no import circle, no private name crossing modules, layers.

Read from the source with :mod:`ast` (module-level and function-level imports alike), so a
circle hidden inside a function body is found as well as one at the top of a file.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "thematic"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def resolve(target: str, name: str | None) -> str | None:
    """The module an import names: ``from target import name`` or ``import target``."""
    if name is not None and f"{target}.{name}" in MODULES:
        return f"{target}.{name}"
    return target if target in MODULES else None


def imports(module: str, tree: ast.AST) -> Iterator[tuple[str, str | None, int]]:
    """Every ``(target module, imported name or None, line)`` inside the package."""
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "thematic":
                    yield alias.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            if base.split(".")[0] != "thematic":
                continue
            for alias in node.names:
                yield base, alias.name, node.lineno


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, path in MODULES.items():
        for target, name, _ in imports(module, ast.parse(path.read_text(encoding="utf-8"))):
            found = resolve(target, name)
            if found is not None and found != module:
                edges[module].add(found)
    return edges


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
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
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_the_circle_finder_finds_a_circle_inside_a_function() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(edges) == [["a", "b", "c"]]
    tree = ast.parse("def f():\n    from thematic.engine import tradable\n")
    assert list(imports("thematic.data.panel", tree)) == [("thematic.engine", "tradable", 2)]


def test_no_import_circle_inside_the_package() -> None:
    assert circles(graph()) == []


def private_imports() -> Iterator[str]:
    """``from thematic.x import _name`` and ``x._name`` on an imported thematic module."""
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases: set[str] = set()
        for target, name, line in imports(module, tree):
            shown = name or target
            if name is not None and resolve(target, name) == f"{target}.{name}":
                continue  # a submodule
            last = shown.rsplit(".", 1)[-1]
            if last.startswith("_") and not last.startswith("__"):
                yield f"{path.name}:{line}: imports {target}.{shown}"
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                aliases |= {a.asname or a.name for a in node.names if a.name.startswith("thematic")}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("thematic"):
                aliases |= {a.asname or a.name for a in node.names
                            if resolve(node.module or "", a.name) != node.module}  # fmt: skip
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
            ):
                yield f"{path.name}:{node.lineno}: reads {node.value.id}.{node.attr}"


def test_no_private_name_is_imported_across_modules() -> None:
    assert list(private_imports()) == []


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("data", ("engine", "stats", "runs", "output", "cli", "pipeline", "eventstats")),
        ("engine", ("stats", "runs", "output", "cli", "pipeline", "eventstats", "history")),
        ("stats", ("runs", "output", "cli", "pipeline", "eventstats", "history")),
        ("drafting", ("data", "engine", "stats", "runs", "output", "cli")),
    ],
)
def test_a_lower_floor_never_imports_a_higher_one(lower: str, higher: tuple[str, ...]) -> None:
    edges = graph()
    bad = sorted(
        f"{m} -> {t}"
        for m, targets in edges.items()
        if m.startswith(f"thematic.{lower}")
        for t in targets
        if t.split(".")[1] in higher
    )
    assert bad == []


#: A module past this many lines mixes concerns (STYLE.md: "No module over ~450 lines").
MAX_MODULE_LINES = 450


def test_no_module_is_over_the_line_limit() -> None:
    long = {
        name: n
        for name, path in MODULES.items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"modules over {MAX_MODULE_LINES} lines (split them by concern): {long}"
