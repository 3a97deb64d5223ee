"""``shopwarden generate | ingest | score | simulate`` on a workspace."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopwarden.cli import app
from shopwarden.policy.loader import BUNDLED_DIR
from tests.facts.factories import order, write_csv


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SHOPWARDEN_HOME", str(tmp_path))
    monkeypatch.delenv("SHOPWARDEN_DATABASE_URL", raising=False)
    return tmp_path


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.rule("SCORE-5")
def test_generate_then_score_a_merchant(home: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "generate",
            "--merchants",
            "5",
            "--orders",
            "3000",
            "--days",
            "31",
            "--seed",
            "2",
            "--json",
        ],
    )
    assert json.loads(result.stdout) == {  # the progress bar went to stderr
        "source": "generator:merchants=5,orders=3000,days=31,seed=2,start=2024-01-01",
        "merchants_registered": 5,
        "state": "generated",
        "first_day": "2024-01-01",
        "last_day": "2024-01-31",
    }
    assert "nothing changed" in run(
        "generate", "--merchants", "5", "--orders", "3000", "--days", "31", "--seed", "2"
    )
    out = run("score", "m00001", "--as-of", "2024-02-01T08:00:00+08:00")
    assert "window 2024-01-02 .. 2024-01-31" in out and "product_rating" in out
    assert "score " in out or "insufficient data" in out


@pytest.mark.rule("SCORE-4")
def test_ingest_and_score_with_insufficient_data(home: Path) -> None:
    path = write_csv(
        home / "orders.csv", [order(f"o{i}") for i in range(3)] + [order("x", channel="tv")]
    )
    out = run("ingest", str(path))
    assert "accepted 3" in out and "unknown_value: 1" in out and "quarantine:" in out
    assert "already ingested; nothing changed" in run("ingest", str(path))
    out = run("score", "m1", "--as-of", "2024-03-10T00:00:00+08:00")
    assert "no score yet: insufficient data (3 scored orders, fewer than 30)" in out


@pytest.mark.rule("SCORE-6")
def test_simulate_a_draft_file(home: Path) -> None:
    run("generate", "--merchants", "5", "--orders", "3000", "--days", "31", "--seed", "2")
    draft = home / "draft.yaml"
    text = (BUNDLED_DIR / "score" / "2023-12-15.yaml").read_text(encoding="utf-8")
    draft.write_text(
        text.replace('version: "2023-12-15"', 'version: "draft"').replace(
            "min_scored_orders: 30", "min_scored_orders: 5000"
        )
    )
    out = run("simulate", "--policy", str(draft), "--as-of", "2024-02-01T08:00:00+08:00")
    assert "-> draft draft" in out and "band changes:" in out
    assert "-> insufficient_data" in out


def test_a_scenario_ingest_of_a_refused_file_reports_the_problem(tmp_path: Path) -> None:
    bad = write_csv(tmp_path / "bad.csv", [order("o1")], ["order_id", "merchant_id"])
    scenario = tmp_path / "refused.yaml"
    scenario.write_text(
        "name: refused\nsteps:\n"
        f"  - ingest: {bad.name}\n"
        "    expect:\n"
        "      status: 422\n"
        "      body: {type: 'urn:shopwarden:problem:invalid-input', field: columns}\n"
        f"  - ingest: {bad.name}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["replay", str(scenario)])
    assert result.exit_code == 1, result.output
    assert "ok  refused.yaml step 1" in result.output
    assert "ingest refused:" in result.output and "paid_at" in result.output


def test_an_unknown_merchant_is_an_error_not_an_empty_score(home: Path) -> None:
    result = CliRunner().invoke(app, ["score", "nosuch", "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["field"] == "merchant_id"


@pytest.mark.rule("SCORE-6")
def test_simulate_takes_a_draft_without_published_at_and_shows_traffic_weights(
    home: Path,
) -> None:
    run("generate", "--merchants", "5", "--orders", "3000", "--days", "31", "--seed", "2")
    text = (BUNDLED_DIR / "score" / "2023-12-15.yaml").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("published_at:")]
    draft = home / "draft.yaml"
    draft.write_text(
        "\n".join(lines)
        .replace('version: "2023-12-15"', 'version: "draft"')
        .replace("min_scored_orders: 30", "min_scored_orders: 5000"),
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        app,
        ["simulate", "--policy", str(draft), "--as-of", "2024-02-01T08:00:00+08:00", "--json"],
    )
    assert result.exit_code == 0, result.output
    moves = json.loads(result.stdout)["band_changes"]["moves"]
    assert moves and all(move["to"] == "insufficient_data" for move in moves)
    assert {move["traffic_weight_to"] for move in moves} == {"1.00"}  # unscored weight
    assert all(move["traffic_weight_from"] for move in moves)
    out = run("simulate", "--policy", str(draft), "--as-of", "2024-02-01T08:00:00+08:00")
    assert "traffic weight" in out and "what the score feeds" in out
