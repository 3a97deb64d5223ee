"""The synthetic marketplace: deterministic, Zipf-sized, with realistic trouble in it."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from shopwarden.bootstrap import Container
from shopwarden.facts.generator import build_marketplace, day_counts, fixed_width_ids
from shopwarden.facts.service import generate_facts
from shopwarden.facts.storage import ARROW_SCHEMA, facts_dir, stored_files


@pytest.fixture(scope="module")
def orders() -> pa.Table:
    """Twenty days of a 200-merchant marketplace, generated in memory."""
    from shopwarden.facts.generator import generate_day

    market = build_marketplace(200, seed=11)
    tables = []
    for index in range(20):
        tables += generate_day(
            market,
            seed=11,
            day_index=index,
            day=date(2024, 1, 1 + index),
            count=4000,
            first_order=index * 4000,
            id_prefix="o",
        )
    return pa.concat_tables(tables)


def test_fixed_width_ids_are_zero_padded() -> None:
    ids = fixed_width_ids("m", np.array([1, 42, 99999]), 5).to_pylist()
    assert ids == ["m00001", "m00042", "m99999"]


def test_orders_are_spread_evenly_over_days() -> None:
    assert day_counts(10, 3) == [4, 3, 3]


def test_the_same_arguments_give_the_same_facts(workspace: Container, tmp_path) -> None:
    units, root = workspace.unit_of_work, facts_dir(workspace.settings.home)
    first = generate_facts(units, root=root, merchants=20, orders=3000, days=3, seed=5)
    again = generate_facts(units, root=root, merchants=20, orders=3000, days=3, seed=5)
    assert again.already_done and again.batch == first.batch
    files = stored_files(root)
    assert len(files) == 3
    market = build_marketplace(20, seed=5)
    from shopwarden.facts.generator import generate_day

    regenerated = generate_day(
        market,
        seed=5,
        day_index=0,
        day=date(2024, 1, 1),
        count=1000,
        first_order=0,
        id_prefix=f"o{first.batch[-6:]}",
    )[0]
    assert pq.read_table(files[0]).equals(regenerated.cast(ARROW_SCHEMA))


def test_merchants_are_zipf_sized(orders: pa.Table) -> None:
    counts = np.sort(pc.value_counts(orders["merchant_id"]).field("counts").to_numpy())[::-1]
    assert counts[0] > 10 * np.median(counts)
    assert counts[:20].sum() > 0.4 * counts.sum()


def test_trouble_comes_in_realistic_proportions(orders: pa.Table) -> None:
    n = orders.num_rows
    paid = pc.cast(orders["paid_at"], pa.int64()).to_numpy()
    shipped = pc.cast(orders["shipped_at"], pa.int64()).to_numpy(zero_copy_only=False)
    promised = orders["promised_shipping_hours"].to_numpy().astype(np.int64) * 3_600_000_000
    shipped_mask = ~np.isnan(shipped.astype(float))
    late = ((shipped - paid) > promised)[shipped_mask].mean()
    rated = orders["product_rating"].drop_null().to_numpy()
    share = {
        "cancelled": orders["cancelled_at"].null_count
        and 1 - orders["cancelled_at"].null_count / n,
        "late": late,
        "poor ratings": (rated <= 2).mean(),
        "refunds": 1 - orders["refund_requested_at"].null_count / n,
        "disputes": 1 - orders["dispute_at"].null_count / n,
        "complaints": 1 - orders["complaint_at"].null_count / n,
    }
    bounds = {
        "cancelled": (0.01, 0.08),
        "late": (0.01, 0.10),
        "poor ratings": (0.01, 0.15),
        "refunds": (0.03, 0.15),
        "disputes": (0.0002, 0.01),
        "complaints": (0.0005, 0.01),
    }
    for what, (low, high) in bounds.items():
        assert low <= share[what] <= high, (what, share[what])


def test_every_generated_row_is_valid_for_the_schema(orders: pa.Table) -> None:
    assert orders.cast(ARROW_SCHEMA).num_rows == orders.num_rows
    assert pc.min(orders["product_rating"]).as_py() >= 1
    assert pc.max(orders["product_rating"]).as_py() <= 5
    assert pc.count_distinct(orders["order_id"]).as_py() == orders.num_rows


def test_the_docs_name_every_column_and_reason() -> None:
    from pathlib import Path

    from shopwarden.facts.model import COLUMN_NAMES, REASONS

    text = (Path(__file__).parents[2] / "docs" / "facts.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in text for name in (*COLUMN_NAMES, *REASONS))
