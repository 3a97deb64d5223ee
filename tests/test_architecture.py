"""The architecture of docs/architecture.md holds: layers, pure rules, no cycles, small units.

Modules are found by convention (``tests/architecture_rules.py``), so a new family's
``rules.py`` or a new router is checked without editing this file. The planted tests copy the
source tree, break one rule in the copy, and prove the check then fails.
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.architecture_rules import (
    PACKAGE,
    Module,
    all_violations,
    component_cycles,
    layer_violations,
    modules,
    pure_violations,
    size_violations,
    use_case_violations,
)

SRC = Path(__file__).parents[1] / "src"
Check = Callable[[list[Module]], list[str]]


def test_the_source_tree_keeps_every_rule() -> None:
    assert all_violations(SRC) == []


def test_the_convention_finds_the_pure_modules_of_every_family() -> None:
    pure = {m.name for m in modules(SRC) if m.is_pure}
    for family in ("deposits", "bnpl", "scoring", "shipping", "trust", "reports", "violations"):
        assert f"{PACKAGE}.{family}.policy" in pure
    assert {
        f"{PACKAGE}.deposits.rules",
        f"{PACKAGE}.bnpl.rules",
        f"{PACKAGE}.scoring.rules",
    } <= pure
    assert f"{PACKAGE}.money" in pure


# Planted violations ------------------------------------------------------------------------
@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A private copy of the source tree to break."""
    shutil.copytree(SRC / PACKAGE, tmp_path / PACKAGE)
    return tmp_path


@functools.cache
def _tree_as_it_is() -> list[Module]:
    return modules(SRC)


def _new_violations(check: Check, copy: Path) -> list[str]:
    """What ``check`` finds in the broken copy and not in the tree as it is."""
    before = set(check(_tree_as_it_is()))
    return [v for v in check(modules(copy)) if v not in before]


def _append(root: Path, relative: str, text: str) -> None:
    path = root / PACKAGE / relative
    path.write_text(path.read_text(encoding="utf-8") + "\n" + text + "\n", encoding="utf-8")


def _new_module(root: Path, relative: str, text: str) -> None:
    path = root / PACKAGE / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.parent / "__init__.py").touch()
    path.write_text(text, encoding="utf-8")


def test_a_pure_module_importing_a_database_library_fails(copy: Path) -> None:
    _append(copy, "deposits/rules.py", "import sqlalchemy")
    assert _new_violations(pure_violations, copy) == [
        f"pure module {PACKAGE}.deposits.rules imports sqlalchemy"
    ]


def test_a_future_familys_rules_importing_a_file_reader_fails(copy: Path) -> None:
    """No list to edit: ``violations/rules.py`` of a family that does not exist yet is found."""
    _new_module(copy, "violations/rules.py", "from shopwarden.catalog.tree import load_tree\n")
    found = _new_violations(pure_violations, copy)
    assert found == [
        f"pure module {PACKAGE}.violations.rules imports {PACKAGE}.catalog.tree.load_tree"
    ]


def test_a_pure_module_importing_state_code_fails(copy: Path) -> None:
    _append(copy, "deposits/refund_rules.py", "from shopwarden.ledger.service import Ledger")
    assert any(
        "deposits.refund_rules imports shopwarden.ledger.service" in v
        for v in _new_violations(pure_violations, copy)
    )


def test_a_domain_importing_an_interface_fails(copy: Path) -> None:
    _append(copy, "deposits/refunds.py", "from shopwarden.api.deps import ContainerDep")
    assert _new_violations(layer_violations, copy) == [
        f"{PACKAGE}.deposits.refunds imports the interface {PACKAGE}.api.deps"
    ]


def test_a_domain_naming_the_container_fails_even_for_types(copy: Path) -> None:
    _append(
        copy,
        "bnpl/flags.py",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
        "    from shopwarden.bootstrap import Container",
    )
    assert _new_violations(layer_violations, copy) == [
        f"{PACKAGE}.bnpl.flags imports the composition root {PACKAGE}.bootstrap"
    ]


def test_an_import_cycle_between_packages_fails(copy: Path) -> None:
    _append(copy, "ledger/verify.py", "from shopwarden.payments import service as _payments")
    cycles = _new_violations(component_cycles, copy)
    assert cycles and all("ledger" in c and "payments" in c for c in cycles)


def test_an_oversized_function_fails(copy: Path) -> None:
    body = "\n".join(f"    x{n} = {n}" for n in range(60))
    _append(copy, "payments/service.py", f"def _long() -> None:\n{body}")
    assert _new_violations(size_violations, copy) == [
        f"{PACKAGE}.payments.service._long has 61 lines (> 50)"
    ]


def test_a_use_case_with_positional_parameters_fails(copy: Path) -> None:
    _append(
        copy,
        "payments/service.py",
        "def settle(ctx: Context, payment_id: int) -> None:\n    return None",
    )
    assert _new_violations(use_case_violations, copy) == [
        f"{PACKAGE}.payments.service.settle takes payment_id positionally after ctx"
    ]
