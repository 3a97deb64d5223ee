"""One expression, both engines, the same counts: the weekly measures from the order facts on
DuckDB and Spark against the pure per-order rules (SHIP-1, SHIP-2), over generated facts whose
weeks cross the thresholds on both sides, and over a folder mixing files written before and
after the facts gained their shipping columns."""

from __future__ import annotations

import os
import shutil
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from shopwarden.bootstrap import bootstrap
from shopwarden.facts.service import generate_facts
from shopwarden.facts.storage import facts_dir, stored_files
from shopwarden.families import POLICY_SCHEMAS
from shopwarden.policy.store import PolicyStore
from shopwarden.settings import Settings
from shopwarden.shipping.measures import measure_week
from shopwarden.shipping.measures_model import WeekMeasures
from shopwarden.shipping.policy import ShippingPolicy
from shopwarden.shipping.rules import Policy, evaluate_exemption
from shopwarden.shipping.week_rules import OrderFact, Week, committed_in_stock

STORE = PolicyStore.load(schemas=POLICY_SCHEMAS)
VERSION = STORE.get("shipping", "2023-02-27")
PARAMS = VERSION.parameters_as(ShippingPolicy)
RULE = PARAMS.committed_in_stock
# 1000 merchants, two weeks from Monday 2024-01-01: most below 3000 paid orders a week
GENERATED = {"merchants": 1000, "orders": 300_000, "days": 14, "seed": 3, "start": date(2024, 1, 1)}
WEEKS = (Week(date(2024, 1, 1)), Week(date(2024, 1, 8)))
NEW_COLUMNS = ["overdue_at", "delay_compensation_cents"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    home = tmp_path_factory.mktemp("shipping-generated")
    shutil.copy(sqlite_template, home / "shopwarden.db")
    container = bootstrap(Settings(home=home))
    generate_facts(container.unit_of_work, root=facts_dir(home), **GENERATED)  # type: ignore[arg-type]
    container.close()
    return facts_dir(home)


@pytest.fixture(scope="module")
def mixed(generated: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same facts, every second day's file written as before the shipping columns."""
    root = tmp_path_factory.mktemp("shipping-mixed") / "facts"
    shutil.copytree(generated, root)
    for path in stored_files(root)[1::2]:
        pq.write_table(pq.read_table(path).drop_columns(NEW_COLUMNS), path)
    return root


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs Java: apt-get install openjdk-17-jre-headless")
    from shopwarden.metrics.spark import spark_session

    yield spark_session(master="local[2]", shuffle_partitions=2)


def pure_measures(root: Path, week: Week) -> dict[str, WeekMeasures]:
    """The same counts, order by order, with the pure rules of week_rules.py."""
    files = [
        f
        for f in stored_files(root)
        if week.first_day.isoformat() <= f.parent.name[4:] <= week.last_day.isoformat()
    ]
    columns = [
        "merchant_id",
        "paid_at",
        "promised_shipping_hours",
        "flash_purchase",
        "shipped_at",
        "cancelled_at",
    ]
    table = pa.concat_tables([pq.read_table(f, columns=columns) for f in files])
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * 5)
    end = week.end_epoch

    def epoch(value: Any) -> int | None:
        return None if value is None else int(value.timestamp())

    for row in table.to_pylist():
        order = OrderFact(
            epoch(row["paid_at"]) or 0,
            row["promised_shipping_hours"],
            row["flash_purchase"],
            epoch(row["shipped_at"]),
            epoch(row["cancelled_at"]),
        )
        c = counts[row["merchant_id"]]
        c[0] += 1
        c[1] += committed_in_stock(order.promised_hours, order.flash_purchase, RULE)
        c[2] += order.flash_purchase
        c[3] += order.due(end)
        c[4] += order.on_time(end)
    return {m: WeekMeasures(*c) for m, c in counts.items()}


@pytest.mark.rule("SHIP-2")
@pytest.mark.parametrize("week", WEEKS, ids=[w.first_day.isoformat() for w in WEEKS])
def test_duckdb_counts_what_the_pure_rules_count(generated: Path, week: Week) -> None:
    assert measure_week(generated, week, RULE) == pure_measures(generated, week)


@pytest.mark.rule("SHIP-1")
def test_one_merchant_is_measured_alone_the_same(generated: Path) -> None:
    everyone = measure_week(generated, WEEKS[0], RULE)
    merchant = max(everyone, key=lambda m: everyone[m].paid_orders)
    alone = measure_week(generated, WEEKS[0], RULE, merchant_id=merchant)
    assert alone == {merchant: everyone[merchant]}
    assert measure_week(generated, Week(date(2023, 1, 2)), RULE) == {}  # no facts that week


@pytest.mark.rule("SHIP-3")
def test_generated_weeks_cross_every_threshold_on_both_sides(generated: Path) -> None:
    """Most merchants below 3000 paid orders a week, a few above; share and on-time rate on
    both sides of 70 % and 97 %; some large merchants earn the exemption, some do not."""
    policy = Policy(PARAMS, VERSION.version)
    for week in WEEKS:
        found = measure_week(generated, week, RULE)
        paid = [m.paid_orders for m in found.values()]
        above = [m for m, v in found.items() if v.paid_orders > 3000]
        assert sum(p <= 3000 for p in paid) > 0.95 * len(paid)
        assert 2 <= len(above) <= 20
        shares = [
            m.share > PARAMS.exemption.committed_share_exclusive for m in found.values() if m.share
        ]
        rates = [
            m.on_time_rate >= PARAMS.exemption.on_time_rate_inclusive
            for m in found.values()
            if m.on_time_rate
        ]
        assert 0.1 < sum(shares) / len(shares) < 0.95
        assert 0.1 < sum(rates) / len(rates) < 0.9
        granted = [
            evaluate_exemption(found[m], measured=week, policy=policy, merchant_id=m).granted
            for m in above
        ]
        assert any(granted) and not all(granted)
        assert sum(m.flash_orders for m in found.values()) > 0


@pytest.mark.rule("SHIP-2")
def test_files_written_before_the_shipping_columns_measure_the_same(
    generated: Path, mixed: Path
) -> None:
    assert [f.name for f in stored_files(mixed)] == [f.name for f in stored_files(generated)]
    assert NEW_COLUMNS[0] not in pq.read_schema(stored_files(mixed)[1]).names
    for week in WEEKS:
        assert measure_week(mixed, week, RULE) == measure_week(generated, week, RULE)


@pytest.mark.rule("SHIP-2")
def test_duckdb_and_spark_measure_the_same_weeks(generated: Path, mixed: Path, spark: Any) -> None:
    """Spark over the mixed folder (old and new files) against DuckDB over the new one."""
    for week in WEEKS:
        assert measure_week(mixed, week, RULE, engine="spark") == measure_week(
            generated, week, RULE
        )
    alone = measure_week(generated, WEEKS[1], RULE, merchant_id="m00001", engine="spark")
    assert alone == {"m00001": measure_week(generated, WEEKS[1], RULE)["m00001"]}
