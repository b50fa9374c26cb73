"""The packages depend one way: core knows no domain, and no two domains import each other.

The order, lowest first: core (with db, extensions, config), accounts, contest, stocktaking,
nominations, voting, review, exports; then what stands on all of them (admin, demo, jobs,
models, cli, the factory). A new import against that order fails here; the few left from
before are listed, each to be removed, never added to. Where a package needs what only a
package above it knows, it asks a hook (prizes/core/hooks.py) that the upper one answers, or
sends a blinker signal that the upper one receives.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "prizes"

# Imports against the order that remain, each with the reason it has not gone yet.
KNOWN_BACKWARD: set[tuple[str, str]] = set()  # none left; an import against the order fails


def _node(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "prizes" or len(parts) < 2:
        return None
    return parts[1]


def import_graph() -> dict[str, set[str]]:
    """Which top-level piece of ``prizes`` imports which, from every import statement."""
    edges: dict[str, set[str]] = {}
    pieces = {
        p.stem for p in PACKAGE.iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()
    }
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        source = parts[0] if parts[0] != "__init__" else "__init__"
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                target = _node(name)
                if target and target != source and target in pieces:
                    edges.setdefault(source, set()).add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected pieces with more than one member (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            member: set[str] = set()
            while True:
                w = stack.pop()
                member.add(w)
                if w == v:
                    break
            if len(member) > 1:
                found.append(member)

    for v in list(edges):
        if v not in index:
            visit(v)
    return found


def test_no_new_import_circle():
    edges = import_graph()
    for source, target in KNOWN_BACKWARD:
        edges.get(source, set()).discard(target)
    assert cycles(edges) == [], "a package imports one above it: see the order in this file"


def test_the_known_backward_imports_are_still_there():
    """When one goes, remove it from KNOWN_BACKWARD so that it cannot come back."""
    edges = import_graph()
    gone = {(s, t) for s, t in KNOWN_BACKWARD if t not in edges.get(s, set())}
    assert gone == set()


def test_core_imports_no_domain():
    domains = {
        "accounts",
        "contest",
        "stocktaking",
        "nominations",
        "voting",
        "review",
        "exports",
        "transparency",
        "api",
    }
    allowed = {("core", "jobs")} & KNOWN_BACKWARD
    assert {("core", t) for t in import_graph().get("core", set())} & {
        ("core", d) for d in domains
    } - allowed == set()


def test_every_hook_is_answered_once_the_app_is_made(app):
    """A hook nobody answers would fail only when its page is opened: check them all here."""
    import importlib
    import pkgutil

    import prizes
    from prizes.core.hooks import Hook

    hooks: dict[str, Hook] = {}
    for module_info in pkgutil.walk_packages(prizes.__path__, "prizes."):
        module = importlib.import_module(module_info.name)
        hooks |= {value.name: value for value in vars(module).values() if isinstance(value, Hook)}
    assert {"edition_rounds", "entry_is_locked", "expert_is_assigned"} <= set(hooks)
    assert [name for name, hook in hooks.items() if hook._answer is None] == []
