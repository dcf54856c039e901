"""The shape of the code, held by tests: every screen checks its user first."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted((ROOT / "pages").glob("*.py"))


def _is_guard(node: ast.stmt) -> bool:
    if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.Call):
        return False
    call = node.value
    return getattr(call.func, "id", "") == "page_actor" and [
        a.id for a in call.args if isinstance(a, ast.Name)
    ] == ["__file__"]


def _inert(node: ast.stmt) -> bool:
    """A statement that draws and reads nothing: an import, a docstring, a definition, or a
    constant whose value calls nothing."""
    if isinstance(node, ast.Import | ast.ImportFrom | ast.FunctionDef | ast.ClassDef):
        return True
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return True
    if isinstance(node, ast.Assign | ast.AnnAssign):
        return not any(isinstance(n, ast.Call) for n in ast.walk(node))
    return False


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_every_screen_calls_the_guard_before_anything_else(path):
    """``actor = page_actor(__file__)`` comes before any statement that calls anything."""
    body = ast.parse(path.read_text(encoding="utf-8")).body
    guards = [n for n in body if _is_guard(n)]
    assert len(guards) == 1, f"{path.name}: no guard `actor = page_actor(__file__)`"
    before = body[: body.index(guards[0])]
    assert all(_inert(n) for n in before), f"{path.name}: something runs before the guard"


SERVICES = ROOT / "services"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported_modules(path: Path, tree: ast.Module) -> set[str]:
    """Every module a file imports, at module level or inside a function, with relative imports
    resolved and ``from package import module`` counted as an import of that module."""
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path.parent)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            found.add(prefix)
            found.update(f"{prefix}.{alias.name}" for alias in node.names)
    return found


def _service_graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in SERVICES.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[name] = {m for m in _imported_modules(path, tree) if m in files and m != name}
        # importing services.x.y runs the package services.x first
        graph[name] -= {p for p in graph[name] if name.startswith(p + ".")}
    return graph


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A path that comes back to where it started, or None (depth-first, three colours)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_cycle_finder_sees_a_cycle_and_passes_a_tree():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_services_import_each_other_without_a_cycle():
    """No chain of imports among services/ modules, function-level ones included, comes back
    to where it started: a lower service never reaches up to one that uses it."""
    graph = _service_graph()
    assert "services.audit" in graph["services.funds"], "the graph misses plain imports"
    assert _find_cycle(graph) is None, " -> ".join(_find_cycle(graph) or [])


@pytest.mark.parametrize("folder", ["services", "models", "seed"])
def test_nothing_below_ui_imports_streamlit(folder):
    offenders = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = _imported_modules(path, tree)
        if any(m == "streamlit" or m.startswith("streamlit.") for m in modules):
            offenders.append(path.relative_to(ROOT).as_posix())
    assert offenders == []
