"""The command line on a real workspace: tokens, migrations, ledger verify, policies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from shopwarden.cli import app


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SHOPWARDEN_HOME", str(tmp_path))
    monkeypatch.delenv("SHOPWARDEN_DATABASE_URL", raising=False)
    return tmp_path


def test_token_is_printed_once_and_only_its_hash_is_stored(workspace: Path) -> None:
    result = CliRunner().invoke(app, ["token", "create", "--operator"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert token.startswith("sw_")
    engine = create_engine(f"sqlite:///{workspace / 'shopwarden.db'}")
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT token_hash FROM api_tokens")).scalars().all()
    engine.dispose()
    assert len(stored) == 1 and token not in stored[0]


@pytest.mark.rule("DEP-15")
def test_ledger_verify_exits_1_on_a_tampered_balance(workspace: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["ledger", "verify"]).exit_code == 0
    engine = create_engine(f"sqlite:///{workspace / 'shopwarden.db'}")
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE ledger_accounts SET posted = posted + 1 WHERE code = 'platform:fee_revenue'"
            )
        )
    engine.dispose()
    result = runner.invoke(app, ["ledger", "verify"])
    assert result.exit_code == 1
    assert "platform:fee_revenue" in result.output


@pytest.mark.postgres
def test_db_upgrade_on_postgresql(
    pg_url: str, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOPWARDEN_DATABASE_URL", pg_url)
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "postgresql" in result.output


@pytest.mark.rule("POL-4")
def test_policy_list_show_diff(workspace: Path) -> None:
    runner = CliRunner()
    listing = runner.invoke(app, ["policy", "list"])
    assert listing.exit_code == 0 and "score" in listing.output
    shown = runner.invoke(app, ["policy", "show", "score", "2023-12-15"])
    assert shown.exit_code == 0 and "2023-12-08" in shown.output
    diff = runner.invoke(app, ["policy", "diff", "score", "2023-12-15"])
    assert diff.exit_code == 0 and "2023-06-01" in diff.output


@pytest.mark.rule("POL-4")
def test_policy_show_and_list_name_what_the_sources_do_not_give(workspace: Path) -> None:
    runner = CliRunner()
    shown = runner.invoke(app, ["policy", "show", "score", "2023-06-01", "--json"])
    assert shown.exit_code == 0, shown.output
    assert "ASSUMED VERSION" in shown.stderr and "not taken from the sources" in shown.stderr
    assert "assumption: parameters.bands" in shown.stderr
    document = json.loads(shown.stdout)
    assert document["assumption"] and document["assumptions"]
    listing = runner.invoke(app, ["policy", "list", "--family", "score", "--json"])
    assumed = {row["version"]: row["assumed"] for row in json.loads(listing.stdout)}
    assert assumed == {**assumed, "2023-06-01": "whole version", "2023-12-15": "7 values"}


def test_cycle_from_the_cli_runs_once_per_instant(workspace: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["cycle", "--as-of", "2024-03-01T00:00:00+08:00"])
    again = runner.invoke(app, ["cycle", "--as-of", "2024-03-01T00:00:00+08:00"])
    assert first.exit_code == 0 and "ran" in first.output
    assert again.exit_code == 0 and "already run" in again.output


def test_demo_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["demo", "--merchants", "12", "--days", "3", "--seed", "3"]
    first = runner.invoke(app, [*args, "--home", str(tmp_path / "a")])
    second = runner.invoke(app, [*args, "--home", str(tmp_path / "b")])
    assert first.exit_code == 0, first.output
    table = [line for line in first.output.splitlines() if "│" in line]
    assert table == [line for line in second.output.splitlines() if "│" in line]
    assert any("ledger verify" in line and "OK" in line for line in table)
