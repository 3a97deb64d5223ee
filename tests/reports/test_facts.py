"""The facts a report reads: live sessions ingested with the quarantine rules, and order files
written before the REPORT-1 columns still read (as orders with no fan, session or industry)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from shopwarden.bootstrap import Container
from shopwarden.facts.ingest import ingest_file
from shopwarden.facts.sessions_storage import session_files
from shopwarden.facts.storage import facts_dir
from shopwarden.reports.campaign_model import Period
from shopwarden.reports.expression import Slice
from shopwarden.reports.service import compute_sums
from tests.reports.hand_facts import sessions_csv

BAD_SESSIONS = [
    ("s1", "m1", "2024-01-13T19:30:00", "2024-01-13T23:30:00"),  # good
    ("s2", "m1", "2024-01-14T22:00:00", "2024-01-14T19:00:00"),  # ends before it starts
    ("s3", "m9", "2024-01-14T19:00:00", "2024-01-14T20:00:00"),  # no such merchant
    ("s4", "m1", "2024-01-14T19:00:00", "2024-01-17T20:00:00"),  # 73 hours
    ("s1", "m1", "2024-01-13T19:30:00", "2024-01-13T23:30:00"),  # again in the file
    ("bad id", "m2", "2024-01-15T19:00:00", "2024-01-15T20:00:00"),
    ("s6", "m2", "2024-01-15T19:00:00", "2024-01-15T20:00:00"),  # good
]


@pytest.mark.rule("REPORT-1")
def test_a_bad_live_session_row_is_quarantined_with_its_reason(
    catalog_workspace: Container,
    tmp_path: Path,
) -> None:
    path = tmp_path / "sessions.csv"
    naive = "s7,m2,2024-01-15T19:00:00+08:00,2024-01-15 20:00\n"  # no time zone
    path.write_text(sessions_csv(BAD_SESSIONS) + naive, encoding="utf-8")
    root = facts_dir(catalog_workspace.settings.home)
    report = ingest_file(catalog_workspace.unit_of_work, root=root, path=path)
    assert (report.rows, report.accepted, report.quarantined) == (8, 2, 6)
    assert report.reasons == {
        "bad_identifier": 1,
        "duplicate_in_file": 1,
        "no_time_zone": 1,
        "time_order": 1,
        "too_long": 1,
        "unknown_merchant": 1,
    }
    with open(report.quarantine_file or "", encoding="utf-8") as handle:
        rows = {row["source_row"]: row["reason"] for row in csv.DictReader(handle)}
    assert rows["2"] == "time_order" and rows["3"] == "unknown_merchant"
    assert rows["4"] == "too_long" and rows["5"] == "duplicate_in_file"
    stored = pq.read_table(session_files(root)[0])
    assert stored["session_id"].to_pylist() == ["s1", "s6"]
    again = ingest_file(catalog_workspace.unit_of_work, root=root, path=path)
    assert again.already_done and len(session_files(root)) == 1
    copy = tmp_path / "copy.csv"
    copy.write_text(sessions_csv(BAD_SESSIONS[:1]), encoding="utf-8")
    stored_again = ingest_file(catalog_workspace.unit_of_work, root=root, path=copy)
    assert (stored_again.accepted, stored_again.already_stored) == (0, 1)


def test_a_live_sessions_file_with_an_unknown_column_is_refused_whole(
    catalog_workspace: Container,
    tmp_path: Path,
) -> None:
    path = tmp_path / "sessions.csv"
    path.write_text("session_id,merchant_id,started_at,ended_at,viewers\n", encoding="utf-8")
    root = facts_dir(catalog_workspace.settings.home)
    with pytest.raises(Exception, match="unknown columns: viewers"):
        ingest_file(catalog_workspace.unit_of_work, root=root, path=path)
    assert session_files(root) == []


@pytest.mark.rule("REPORT-1")
def test_order_files_written_before_the_report_columns_still_count(
    workspace: Container,
    tmp_path: Path,
) -> None:
    """An old file (no category_code) belongs to no industry; a new one beside it counts."""
    old = pa.table(
        {
            "order_id": ["a1"],
            "merchant_id": ["m1"],
            "product_id": ["p1"],
            "amount_cents": [500],
            "channel": ["shelf"],
            "flash_purchase": [False],
            "promised_shipping_hours": [48],
            "paid_at": ["2024-01-14T10:00:00+08:00"],
        }
    )
    new = old.set_column(0, "order_id", pa.array(["a2"])).append_column(
        "category_code", pa.array(["womens_tops"])
    )
    root = facts_dir(workspace.settings.home)
    for name, table in (("old", old), ("new", new)):
        pq.write_table(table, tmp_path / f"{name}.parquet")
        report = ingest_file(workspace.unit_of_work, root=root, path=tmp_path / f"{name}.parquet")
        assert report.accepted == 1, report.as_dict()
    period = Period(date(2024, 1, 13), date(2024, 1, 29))
    sums = compute_sums(
        root,
        [Slice("womens_clothing", ("womens_clothing", "womens_tops"))],
        campaign=period,
        baseline=period.year_before(),
        big_session_cents=100_000_000,
    )
    assert sums["womens_clothing"]["m1"].gmv == 500
