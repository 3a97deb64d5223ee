"""Ingesting order facts: good rows in by Shanghai day, each kind of bad row quarantined with
its reason, and the same file (or the same rows) again changes nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select

from shopwarden.bootstrap import Container
from shopwarden.errors import InvalidInput
from shopwarden.facts.model import REASONS
from shopwarden.facts.storage import facts_dir, stored_files
from shopwarden.facts.tables import FactIngestRow
from tests.facts.factories import ingest, order, write_csv

BAD_ROWS = {
    "missing_value": order("bad", paid_at=""),
    "bad_type": order("bad", amount_cents="12.50"),
    "no_time_zone": order("bad", shipped_at="2024-03-01T20:00:00"),
    "bad_identifier": order("bad", merchant_id="m1 with spaces"),
    "unknown_value": order("bad", channel="tv_shopping"),
    "out_of_range": order("bad", product_rating="6"),
    "time_order": order("bad", shipped_at="2024-03-01T09:00:00+08:00"),
    "incomplete": order("bad", rated_at=""),
    "unknown_merchant": order("bad", merchant_id="m9", product_id="m9-p1"),
    "unknown_product": order("bad", product_id="m1-p9"),
    "product_of_other_merchant": order("bad", merchant_id="m2", product_id="m1-p1"),
}


def stored(root: Path) -> pa.Table:
    return pa.concat_tables([pq.read_table(path) for path in stored_files(root)])


def files_and_bytes(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_good_rows_are_stored_by_the_shanghai_day_they_were_paid(
    catalog_workspace: Container, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "orders.csv",
        [
            order("o1", paid="2024-03-01T23:30:00+08:00"),
            order("o2", paid="2024-03-01T16:30:00Z"),  # 00:30 on 2 March in Shanghai
        ],
    )
    report = ingest(catalog_workspace, path)
    assert (report.accepted, report.quarantined, report.days) == (
        2,
        0,
        ["2024-03-01", "2024-03-02"],
    )
    root = facts_dir(catalog_workspace.settings.home)
    assert [p.parent.name for p in stored_files(root)] == ["day=2024-03-01", "day=2024-03-02"]
    table = stored(root)
    assert table.schema.field("paid_at").type == pa.timestamp("us", tz="UTC")
    assert sorted(table["order_id"].to_pylist()) == ["o1", "o2"]


@pytest.mark.parametrize("reason", sorted(BAD_ROWS))
def test_each_kind_of_bad_row_is_quarantined_with_its_reason(
    catalog_workspace: Container, tmp_path: Path, reason: str
) -> None:
    path = write_csv(tmp_path / "orders.csv", [order("good"), BAD_ROWS[reason]])
    report = ingest(catalog_workspace, path)
    assert (report.accepted, report.quarantined, report.reasons) == (1, 1, {reason: 1})
    assert report.quarantine_file is not None
    with open(report.quarantine_file, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["source_row"], r["reason"], r["order_id"]) for r in rows] == [("2", reason, "bad")]
    assert rows[0]["detail"]  # says what is wrong, for whoever fixes the feed
    stored_ids = stored(facts_dir(catalog_workspace.settings.home))["order_id"].to_pylist()
    assert stored_ids == ["good"]


def test_every_reason_is_tested() -> None:
    covered = set(BAD_ROWS) | {"duplicate_in_file", "conflicts_with_stored"}
    assert covered == set(REASONS)


def test_a_repeated_order_in_one_file_is_quarantined_after_its_first_row(
    catalog_workspace: Container, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "orders.csv", [order("o1"), order("o2"), order("o1")])
    report = ingest(catalog_workspace, path)
    assert (report.accepted, report.reasons) == (2, {"duplicate_in_file": 1})


def test_reingesting_the_same_file_changes_nothing(
    catalog_workspace: Container, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "orders.csv", [order("o1"), order("o2", amount_cents="x")])
    first = ingest(catalog_workspace, path)
    root = facts_dir(catalog_workspace.settings.home)
    before = files_and_bytes(root)
    again = ingest(catalog_workspace, path)
    assert again.already_done and not first.already_done
    assert (again.batch, again.accepted, again.quarantined) == (first.batch, 1, 1)
    assert files_and_bytes(root) == before
    with catalog_workspace.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(FactIngestRow)) == 1


def test_rows_already_stored_are_not_written_again_and_other_facts_conflict(
    catalog_workspace: Container, tmp_path: Path
) -> None:
    ingest(catalog_workspace, write_csv(tmp_path / "a.csv", [order("o1"), order("o2")]))
    report = ingest(
        catalog_workspace,
        write_csv(tmp_path / "b.csv", [order("o1"), order("o2", amount_cents="100"), order("o3")]),
    )
    assert (report.accepted, report.already_stored) == (1, 1)
    assert report.reasons == {"conflicts_with_stored": 1}
    ids = stored(facts_dir(catalog_workspace.settings.home))["order_id"].to_pylist()
    assert sorted(ids) == ["o1", "o2", "o3"]


def test_parquet_is_read_like_csv_and_a_naive_instant_has_no_zone(
    catalog_workspace: Container, tmp_path: Path
) -> None:
    table = pa.table(
        {
            "order_id": ["p1", "p2"],
            "merchant_id": ["m1", "m1"],
            "product_id": ["m1-p1", "m1-p1"],
            "amount_cents": pa.array([100, 200], pa.int64()),
            "channel": ["shelf", "live"],
            "flash_purchase": [False, True],
            "promised_shipping_hours": pa.array([24, 48], pa.int32()),
            "paid_at": pa.array([1709254800, 1709254800], pa.timestamp("s", tz="UTC")),
            "shipped_at": pa.array([None, 1709258400], pa.timestamp("s")),  # naive
        }
    )
    path = tmp_path / "orders.parquet"
    pq.write_table(table, path)
    report = ingest(catalog_workspace, path)
    assert (report.file_format, report.accepted, report.reasons) == (
        "parquet",
        1,
        {"no_time_zone": 1},
    )


def test_a_file_with_unknown_or_missing_columns_is_refused_whole(
    catalog_workspace: Container, tmp_path: Path
) -> None:
    columns = [c for c in order("o1") if c != "paid_at"] + ["colour"]
    path = write_csv(tmp_path / "orders.csv", [order("o1") | {"colour": "red"}], columns)
    with pytest.raises(InvalidInput) as refused:
        ingest(catalog_workspace, path)
    assert "unknown columns: colour" in refused.value.detail
    assert "required columns missing: paid_at" in refused.value.detail
    assert stored_files(facts_dir(catalog_workspace.settings.home)) == []


def test_optional_columns_may_be_left_out(catalog_workspace: Container, tmp_path: Path) -> None:
    columns = ["order_id", "merchant_id", "product_id", "amount_cents", "channel"]
    columns += ["flash_purchase", "promised_shipping_hours", "paid_at"]
    report = ingest(catalog_workspace, write_csv(tmp_path / "o.csv", [order("o1")], columns))
    assert report.accepted == 1


def test_without_a_catalog_references_are_not_checked(workspace: Container, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "orders.csv", [order("o1", merchant_id="m9", product_id="x")])
    assert ingest(workspace, path).accepted == 1
