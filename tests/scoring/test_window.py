"""The 30-day window: complete Asia/Shanghai days before ``as_of``, edges to the second
(SCORE-1), and events counted only if they happened before the window's end."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from shopwarden.bootstrap import Container
from shopwarden.facts.storage import facts_dir
from shopwarden.scoring.rules import ScoreResult
from shopwarden.scoring.service import policy_in_force, score_merchant
from shopwarden.scoring.window_rules import score_window
from tests.facts.factories import ingest, order, write_csv

AS_OF = "2024-03-31T09:00:00+08:00"


@pytest.mark.rule("SCORE-1")
@pytest.mark.parametrize("as_of", ["2024-03-31T00:00:00+08:00", "2024-03-31T23:59:59+08:00"])
def test_the_window_is_the_thirty_shanghai_days_before_as_of(as_of: str) -> None:
    window = score_window(datetime.fromisoformat(as_of), 30)
    assert (window.first_day, window.last_day) == (date(2024, 3, 1), date(2024, 3, 30))
    assert window.start == datetime.fromisoformat("2024-03-01T00:00:00+08:00")
    assert window.end == datetime.fromisoformat("2024-03-31T00:00:00+08:00")


@pytest.mark.rule("SCORE-1")
def test_a_utc_instant_falls_in_its_shanghai_day() -> None:
    window = score_window(datetime.fromisoformat("2024-03-30T16:00:00Z"), 30)  # 31 March, 00:00
    assert window.day == date(2024, 3, 31)


def score(workspace: Container, as_of: str = AS_OF) -> ScoreResult:
    when = datetime.fromisoformat(as_of)
    version = policy_in_force(workspace.policies, when)
    root = facts_dir(workspace.settings.home)
    return score_merchant(root, version=version, as_of=when, merchant_id="m1").result


@pytest.mark.rule("SCORE-1")
def test_the_windows_first_and_last_instants_are_in_and_their_neighbours_out(
    workspace: Container, tmp_path: Path
) -> None:
    edges = [
        order("before-first", paid="2024-02-29T23:59:59+08:00"),
        order("first", paid="2024-03-01T00:00:00+08:00"),
        order("last", paid="2024-03-30T23:59:59+08:00"),
        order("after-last", paid="2024-03-31T00:00:00+08:00"),
    ]
    ingest(workspace, write_csv(tmp_path / "edges.csv", edges))
    assert score(workspace).scored_orders == 2


@pytest.mark.rule("SCORE-1")
def test_events_after_the_windows_end_are_not_known_yet(
    workspace: Container, tmp_path: Path
) -> None:
    rows = [
        order(
            f"o{i}",
            paid="2024-03-30T10:00:00+08:00",
            rated_at="2024-04-02T10:00:00+08:00",
            product_rating="1",
        )
        for i in range(30)
    ]
    ingest(workspace, write_csv(tmp_path / "late.csv", rows))
    then = score(workspace, "2024-03-31T09:00:00+08:00")
    later = score(workspace, "2024-04-03T09:00:00+08:00")
    rating = {r.dimensions[0].indicators[0].value for r in (then, later)}
    assert then.dimensions[0].indicators[0].value is None  # nobody had rated by 31 March
    assert later.dimensions[0].indicators[0].value == 1 and len(rating) == 2


@pytest.mark.rule("SCORE-4")
def test_cancelled_orders_are_not_scored(workspace: Container, tmp_path: Path) -> None:
    rows = [order(f"o{i}") for i in range(30)]
    rows[0] = order(
        "o0",
        cancelled_at="2024-03-01T11:00:00+08:00",
        shipped_at="",
        delivered_at="",
        receipt_confirmed_at="",
    )
    ingest(workspace, write_csv(tmp_path / "c.csv", rows))
    result = score(workspace)
    assert (result.scored_orders, result.status) == (29, "insufficient_data")
