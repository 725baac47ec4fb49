"""The package's layers point one way: no module imports, however indirectly, a module that imports it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "helpdesk"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The helpdesk modules `path` imports, at any depth of the file, except under TYPE_CHECKING."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for statement in block.body
        for node in ast.walk(statement)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name in modules}


def import_graph() -> dict[str, set[str]]:
    files = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    modules = set(files)
    return {name: imports_of(path, modules) - {name} for name, path in files.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_the_imports():
    graph = import_graph()
    assert "helpdesk.applier" in graph["helpdesk.pipeline"]
    assert "helpdesk.effects" in graph["helpdesk.workflow.staff"]


def test_there_are_no_import_cycles():
    assert cycles(import_graph()) == []


def test_a_cycle_is_found():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_deciders_touch_no_database():
    """Intake, workflow and the clock jobs decide on snapshots: nothing of SQLAlchemy or the store."""
    graph = import_graph()
    deciders = [
        "helpdesk.intake.decide",
        "helpdesk.workflow.staff",
        "helpdesk.workflow.customer",
        "helpdesk.workflow.edits",
        "helpdesk.workflow.confirmation",
        "helpdesk.sla.escalation",
        "helpdesk.sla.progress",
    ]
    store = {"helpdesk.tickets.repository", "helpdesk.tickets.models", "helpdesk.tickets.db"}
    for name in deciders:
        reached, todo = set(), [name]
        while todo:
            for other in graph[todo.pop()] - reached:
                reached.add(other)
                todo.append(other)
        assert not reached & store, f"{name} reaches {sorted(reached & store)}"
        source = (PACKAGE.parent / (name.replace(".", "/") + ".py")).read_text(encoding="utf-8")
        assert "sqlalchemy" not in source and "session" not in source, name
