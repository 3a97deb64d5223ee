"""The score through the API on both databases: who sees what (SCORE-5), the daily snapshot
and its decisions (SCORE-5, SCORE-6), the distribution, and a what-if that changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, create_engine, select

from shopwarden.facts.storage import facts_dir
from shopwarden.policy.loader import BUNDLED_DIR
from shopwarden.scoring.tables import ScoreSnapshotRow
from tests.api.conftest import Api
from tests.facts.factories import ingest, order, write_csv

REVISED = (BUNDLED_DIR / "score" / "2023-12-15.yaml").read_text(encoding="utf-8")


def ingest_march(api: Api, tmp_path: Path, m1_rating: int = 5) -> None:
    rows = [
        order(f"a{i}", paid=f"2024-03-{1 + i % 20:02d}T10:00:00+08:00", product_rating=m1_rating)
        for i in range(40)
    ]
    rows += [order(f"b{i}", "m2", "m2-p1") for i in range(10)]
    ingest(api.container, write_csv(tmp_path / "march.csv", rows))


def cycle(api: Api, at: str) -> dict[str, Any]:
    api.clock.advance_to(datetime.fromisoformat(at))
    response = api.client.post("/v1/cycle/runs", json={"as_of": at}, headers=api.operator)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return next(s for s in body["steps"] if s["step"] == "score-snapshots")


@pytest.mark.rule("SCORE-5")
def test_a_merchant_reads_its_own_score_and_breakdown(api: Api, tmp_path: Path) -> None:
    ingest_march(api, tmp_path)
    got = api.client.get("/v1/scores/m1", headers=api.m1)
    assert got.status_code == 200
    body = got.json()
    assert (body["status"], body["score"], body["band"], body["source"]) == (
        "scored",
        "5.00",
        "excellent",
        "live",
    )
    product = body["dimensions"][0]
    assert product["name"] == "product" and product["score"] == "5.0000"
    rating = product["indicators"][0]
    assert rating["value"] == "5.0000" and rating["mapping"] == {
        "from": ["4.9", "5"],
        "to": ["4.9", "5"],
    }
    assert body["window"]["first_day"] == "2024-02-24"


@pytest.mark.rule("SCORE-5")
def test_another_merchants_score_is_not_found(api: Api, tmp_path: Path) -> None:
    ingest_march(api, tmp_path)
    assert api.client.get("/v1/scores/m1", headers=api.m2).status_code == 404
    assert api.client.get("/v1/scores/m1/history", headers=api.m2).status_code == 404
    assert api.client.get("/v1/scores/nobody", headers=api.operator).status_code == 404


@pytest.mark.rule("SCORE-4")
def test_too_few_orders_is_insufficient_data_never_a_score(api: Api, tmp_path: Path) -> None:
    ingest_march(api, tmp_path)
    body = api.client.get("/v1/scores/m2", headers=api.m2).json()
    assert (body["status"], body["score"], body["total"]) == ("insufficient_data", None, None)
    assert body["consumers"]["distribution_program"] == "no access"


@pytest.mark.rule("SCORE-5")
@pytest.mark.rule("SCORE-6")
def test_the_daily_snapshot_is_taken_once_and_decisions_record_changes(
    api: Api, tmp_path: Path
) -> None:
    ingest_march(api, tmp_path)
    first = cycle(api, "2024-03-26T00:00:00+08:00")
    assert first["snapshots"] == 2 and first["decisions"] == 12  # 6 consumers x 2 merchants
    same_day = cycle(api, "2024-03-26T12:00:00+08:00")
    assert same_day["snapshots"] == 0 and same_day["already_taken"] == 2
    next_day = cycle(api, "2024-03-27T00:00:00+08:00")
    assert next_day["snapshots"] == 2 and next_day["decisions"] == 0  # nothing changed
    history = api.client.get("/v1/scores/m1/history", headers=api.m1).json()
    assert [h["day"] for h in history] == ["2024-03-27", "2024-03-26"]
    assert history[0]["dimensions"][0]["indicators"][0]["mapped"] == "5.0000"
    decisions = api.client.get(
        "/v1/decisions", params={"rule_id": "SCORE-6"}, headers=api.m1
    ).json()
    outcomes = {d["subject"]: d["outcome"] for d in decisions}
    assert outcomes["traffic_weight"] == "weight 1.20"
    assert outcomes["campaign:double_eleven"] == "eligible"
    assert outcomes["merchant_level"] == "level 4"
    assert all(d["policy_version"] == "2023-12-15" and d["explanation"] for d in decisions)
    # the score of a snapshotted day is the snapshot
    api.clock.advance_to(datetime.fromisoformat("2024-03-27T10:00:00+08:00"))
    assert api.client.get("/v1/scores/m1", headers=api.m1).json()["source"] == "snapshot"


def test_the_distribution_is_for_operators(api: Api, tmp_path: Path) -> None:
    ingest_march(api, tmp_path)
    assert api.client.get("/v1/scores/distribution", headers=api.m1).status_code == 403
    body = api.client.get("/v1/scores/distribution", headers=api.operator).json()
    assert (body["merchants"], body["scored"], body["insufficient_data"]) == (2, 1, 1)
    assert [b["merchants"] for b in body["bands"]] == [0, 0, 1]
    assert sum(b["merchants"] for b in body["histogram"]) == 1


def database_state(url: str, root: Path) -> tuple[dict[str, list[Any]], list[str]]:
    engine = create_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        tables = {
            name: sorted(map(repr, connection.execute(select(table)).all()))
            for name, table in metadata.tables.items()
        }
    engine.dispose()
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    return tables, files


@pytest.mark.rule("SCORE-6")
@pytest.mark.rule("SCORE-3")
def test_a_what_if_reports_changes_and_changes_nothing(api: Api, tmp_path: Path) -> None:
    ingest_march(api, tmp_path, m1_rating=4)  # a good merchant, total 4.70
    cycle(api, "2024-03-26T00:00:00+08:00")
    harsher = REVISED.replace('version: "2023-12-15"', 'version: "draft-harsh"').replace(
        'double_eleven: "4.7"', 'double_eleven: "4.8"'
    )
    harsher = harsher.replace(
        '      mapping: [["4.5", "4.5"], ["4.85", "4.85"]]',
        '      mapping: [["4.5", "4.5"], ["4.85", "4.6"]]',
    )
    home = api.container.settings.home
    before = database_state(api.container.db.url, home)
    response = api.client.post(
        "/v1/scores/simulations",
        json={"as_of": "2024-03-26T00:00:00+08:00", "policy": harsher},
        headers=api.operator,
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["current"], report["draft"], report["merchants"]) == (
        "2023-12-15",
        "draft-harsh",
        2,
    )
    assert report["band_changes"]["changed"] == 0
    assert report["campaigns"]["double_eleven"] == {
        "gained": 0,
        "lost": 1,
        "gains": [],
        "losses": ["m1"],
    }
    assert report["merchant_levels"]["downs"] == ["m1"]
    assert database_state(api.container.db.url, home) == before
    assert not (home / "policies" / "score" / "draft-harsh.yaml").exists()


def test_a_bad_draft_is_refused_with_its_reason(api: Api) -> None:
    response = api.client.post(
        "/v1/scores/simulations",
        json={"as_of": "2024-03-26T00:00:00+08:00", "policy": REVISED.replace('"0.30"', '"0.35"')},
        headers=api.operator,
    )
    assert response.status_code == 422
    assert "weights must sum to 1" in response.json()["detail"]
    merchant = api.client.post(
        "/v1/scores/simulations",
        json={"as_of": "2024-03-26T00:00:00+08:00", "version": "2023-06-01"},
        headers=api.m1,
    )
    assert merchant.status_code == 403


def test_snapshots_survive_on_the_database(api: Api, tmp_path: Path) -> None:
    ingest_march(api, tmp_path)
    cycle(api, "2024-03-26T00:00:00+08:00")
    with api.container.db.transaction() as session:
        row = session.scalars(
            select(ScoreSnapshotRow).where(ScoreSnapshotRow.merchant_id == "m1")
        ).one()
    assert (row.score_hundredths, row.band, row.day) == (500, "excellent", "2024-03-26")
    assert row.window_end - row.window_start == timedelta(days=30)
    assert facts_dir(api.container.settings.home).is_dir()
