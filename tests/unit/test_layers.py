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
