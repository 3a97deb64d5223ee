"""The order facts' shipping columns (SHIP-4, SHIP-5 events): optional, checked, and additive,
so facts written before them stay valid and ingest beside new ones."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from shopwarden.bootstrap import Container, bootstrap
from shopwarden.clock import SimulatedClock
from shopwarden.facts.model import COLUMN_NAMES
from shopwarden.facts.storage import facts_dir, stored_files
from shopwarden.settings import Settings
from tests.facts.factories import ingest, order, write_csv

NEW = ["overdue_at", "delay_compensation_cents"]
OLD = [c for c in COLUMN_NAMES if c not in NEW]


@pytest.fixture
def workspace(tmp_path: Path, sqlite_template: Path) -> Iterator[Container]:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(sqlite_template, home / "shopwarden.db")
    clock = SimulatedClock(datetime.fromisoformat("2024-04-01T09:00:00+08:00"))
    container = bootstrap(Settings(home=home), clock=clock)
    yield container
    container.close()


def late(order_id: str, **changes: str) -> dict[str, str]:
    """Paid 1 March 10:00 with a 48 h promise, shipped 4 March: reported overdue, compensated."""
    values = {
        "shipped_at": "2024-03-04T10:00:00+08:00",
        "delivered_at": "2024-03-05T10:00:00+08:00",
        "receipt_confirmed_at": "2024-03-06T10:00:00+08:00",
        "rated_at": "2024-03-05T12:00:00+08:00",
        "overdue_at": "2024-03-03T10:01:00+08:00",
        "delay_compensation_cents": "500",
    }
    return order(order_id, **{**values, **changes})


@pytest.mark.rule("SHIP-5")
def test_the_events_are_stored_and_checked(workspace: Container, tmp_path: Path) -> None:
    rows = [
        late("o1"),
        late("o2", overdue_at="2024-03-01T09:00:00+08:00"),  # before it was paid
        late("o3", overdue_at=""),  # compensation without the event
        late("o4", delay_compensation_cents="-1"),
    ]
    report = ingest(workspace, write_csv(tmp_path / "late.csv", rows))
    assert (report.accepted, report.reasons) == (
        1,
        {"incomplete": 1, "out_of_range": 1, "time_order": 1},
    )
    [path] = stored_files(facts_dir(workspace.settings.home))
    stored = pq.read_table(path).to_pylist()[0]
    assert stored["delay_compensation_cents"] == 500
    assert stored["overdue_at"] == datetime.fromisoformat("2024-03-03T10:01:00+08:00")


@pytest.mark.rule("SHIP-4")
def test_files_from_before_the_columns_ingest_and_are_read_beside_new_ones(
    workspace: Container, tmp_path: Path
) -> None:
    old = ingest(workspace, write_csv(tmp_path / "old.csv", [order("o1")], columns=OLD))
    assert old.accepted == 1
    root = facts_dir(workspace.settings.home)
    [first] = stored_files(root)
    pq.write_table(pq.read_table(first).drop_columns(NEW), first)  # as written before them
    rows = [order("o1"), order("o5")]
    again = ingest(workspace, write_csv(tmp_path / "again.csv", rows, columns=OLD))
    assert (again.accepted, again.already_stored) == (1, 1)  # o1 compared by column name
    new = ingest(workspace, write_csv(tmp_path / "new.csv", [late("o2")]))
    assert new.accepted == 1
    changed = ingest(
        workspace, write_csv(tmp_path / "changed.csv", [late("o2", delay_compensation_cents="600")])
    )
    assert changed.reasons == {"conflicts_with_stored": 1}
