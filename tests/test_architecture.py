"""The pure core imports no I/O: rules and values stay testable without a database or a server."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src" / "shopwarden"
PURE = [
    "money.py",
    "clock.py",
    "ledger/model.py",
    "decisions/model.py",
    "policy/model.py",
    "policy/types.py",
    "policy/diff.py",
    *[str(p.relative_to(SRC)) for p in SRC.glob("*/policy.py")],
    "platform_policy.py",
    "bnpl/rules.py",
    "deposits/workdays.py",
    *[str(p.relative_to(SRC)) for p in SRC.glob("deposits/*rules.py")],  # DEP-1..14
    "facts/schema.py",  # issue 5: the order-facts schema and the score's pure rules
    "scoring/measures.py",
    "scoring/fixed.py",
    "scoring/window.py",
    "scoring/rules.py",
    "scoring/consumers.py",
]
FORBIDDEN = (
    "sqlalchemy",
    "fastapi",
    "starlette",
    "httpx",
    "duckdb",
    "psycopg",
    "alembic",
    "uvicorn",
    "typer",
)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("module", PURE)
def test_pure_module_imports_no_io(module: str) -> None:
    imports = _imports(SRC / module)
    assert not {i for i in imports if i.split(".")[0] in FORBIDDEN}, imports
