"""One expression, both engines, the same counts: each merchant identity's window from the
order facts on DuckDB and Spark against a count order by order in Python (TRUST-2, TRUST-4),
over generated facts whose products are split between the two identities."""

from __future__ import annotations

import os
import shutil
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from shopwarden.bootstrap import bootstrap
from shopwarden.facts.service import generate_facts
from shopwarden.facts.storage import facts_dir, stored_files
from shopwarden.scoring.window_rules import Window, score_window
from shopwarden.settings import Settings
from shopwarden.trust.measures import measure_identities
from shopwarden.trust.measures_model import IdentityCounts
from shopwarden.trust.policy import ORIGIN_IDENTITY

GENERATED = {"merchants": 200, "orders": 60_000, "days": 20, "seed": 5, "start": date(2024, 1, 1)}
WINDOW = score_window(datetime(2024, 1, 18, 12, tzinfo=UTC), 14)  # cuts through the facts
COLUMNS = [
    "merchant_id",
    "product_id",
    "paid_at",
    "promised_shipping_hours",
    "shipped_at",
    "cancelled_at",
    "refund_requested_at",
    "refund_reason",
    "dispute_at",
    "complaint_at",
]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    home = tmp_path_factory.mktemp("trust-generated")
    shutil.copy(sqlite_template, home / "shopwarden.db")
    container = bootstrap(Settings(home=home))
    generate_facts(container.unit_of_work, root=facts_dir(home), **GENERATED)  # type: ignore[arg-type]
    container.close()
    return facts_dir(home)


@pytest.fixture(scope="module")
def products(generated: Path) -> list[tuple[str, str]]:
    """Every product of the facts but one in seven; every third promoted (带货), the rest own."""
    ids = sorted(
        set(
            pa.concat_tables(
                [pq.read_table(f, columns=["product_id"]) for f in stored_files(generated)]
            )
            .column("product_id")
            .to_pylist()
        )
    )
    return [(p, "distributed" if i % 3 == 0 else "self_built") for i, p in enumerate(ids) if i % 7]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs Java: apt-get install openjdk-17-jre-headless")
    from shopwarden.metrics.spark import spark_session

    yield spark_session(master="local[2]", shuffle_partitions=2)


def _epoch(value: Any) -> int | None:
    return None if value is None else int(value.timestamp())


def by_hand(
    root: Path, products: list[tuple[str, str]], window: Window
) -> dict[tuple[str, str], IdentityCounts]:
    origin = dict(products)
    files = [
        f
        for f in stored_files(root)
        if window.first_day.isoformat() <= f.parent.name[4:] <= window.last_day.isoformat()
    ]
    table = pa.concat_tables([pq.read_table(f, columns=COLUMNS) for f in files])
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * 6)
    end = window.end_epoch
    for row in table.to_pylist():
        if row["product_id"] not in origin:
            continue
        c = counts[(row["merchant_id"], ORIGIN_IDENTITY[origin[row["product_id"]]])]
        before = {
            k: (t := _epoch(row[k])) is not None and t < end
            for k in ("refund_requested_at", "dispute_at", "complaint_at")
        }
        deadline = (_epoch(row["paid_at"]) or 0) + row["promised_shipping_hours"] * 3600
        shipped, cancelled = _epoch(row["shipped_at"]), _epoch(row["cancelled_at"])
        in_time = shipped is not None and shipped <= deadline
        cancelled_first = cancelled is not None and cancelled <= deadline
        due = deadline < end and (in_time or not cancelled_first)
        c[0] += 1
        c[1] += before["refund_requested_at"] and row["refund_reason"] == "quality"
        c[2] += before["dispute_at"]
        c[3] += before["complaint_at"]
        c[4] += due
        c[5] += due and in_time
    return {key: IdentityCounts(*c) for key, c in counts.items()}


@pytest.mark.rule("TRUST-4")
def test_duckdb_counts_each_identity_as_counted_by_hand(
    generated: Path, products: list[tuple[str, str]]
) -> None:
    found = measure_identities(generated, products, WINDOW)
    assert found == by_hand(generated, products, WINDOW)
    identities = {identity for _, identity in found}
    assert identities == {"goods_owner", "seller"}
    assert sum(c.quality_refunds for c in found.values()) > 0
    assert sum(c.complaints for c in found.values()) > 0
    assert any(c.due_orders > c.on_time_orders for c in found.values())


@pytest.mark.rule("TRUST-4")
def test_an_order_of_a_product_the_catalog_does_not_know_counts_for_no_identity(
    generated: Path, products: list[tuple[str, str]]
) -> None:
    everyone = measure_identities(generated, products, WINDOW)
    fewer = measure_identities(generated, products[: len(products) // 2], WINDOW)
    assert sum(c.paid_orders for c in fewer.values()) < sum(
        c.paid_orders for c in everyone.values()
    )
    assert measure_identities(generated, [], WINDOW) == {}


@pytest.mark.rule("TRUST-4")
def test_duckdb_and_spark_count_the_same(
    generated: Path, products: list[tuple[str, str]], spark: Any
) -> None:
    assert measure_identities(generated, products, WINDOW, engine="spark") == measure_identities(
        generated, products, WINDOW
    )
