"""A measured week per merchant from the order facts: one Ibis expression, DuckDB or Spark (SHIP-2).

The same counts as ``week_rules.OrderFact`` computes per order: orders paid in the week (its
seven ``day`` partitions), of them the committed in-stock ones (SHIP-1), the flash purchases,
those whose promised time passed before the week's end (not cancelled by then unshipped) and,
of those, the ones shipped by their promised time. Everything is as of the week's end, so a
late cycle, or a replay, measures the same week the same way. Instants are compared as UTC
epoch seconds, which both engines agree on whatever their session time zone. The expression
reads only columns every facts file has (docs/facts.md, "Adding columns").
"""

from __future__ import annotations

from pathlib import Path

import ibis  # type: ignore[import-untyped]
import ibis.expr.types as ir  # type: ignore[import-untyped]

from shopwarden.metrics.engines import Epoch, FactsEngine, open_engine, portable_epoch
from shopwarden.shipping.measures_model import COUNTS, WeekMeasures
from shopwarden.shipping.policy import CommittedInStock
from shopwarden.shipping.week_rules import HOUR, Week


def week_measures(
    orders: ir.Table,
    week: Week,
    rule: CommittedInStock,
    *,
    merchant_id: str | None = None,
    epoch: Epoch = portable_epoch,
) -> ir.Table:
    """One row per merchant with orders paid in ``week``: ``merchant_id`` and ``COUNTS``."""
    t = orders.filter(orders.day.between(ibis.date(week.first_day), ibis.date(week.last_day)))
    if merchant_id is not None:
        t = t.filter(t.merchant_id == merchant_id)
    paid = epoch(t.paid_at)
    o = t.select(
        "merchant_id",
        flash=t.flash_purchase,
        hours=t.promised_shipping_hours.cast("int64"),
        deadline=paid + t.promised_shipping_hours.cast("int64") * HOUR,
        shipped=epoch(t.shipped_at),
        cancelled=epoch(t.cancelled_at),
    )
    committed = o.hours.isin(list(rule.promise_hours))
    if not rule.flash_purchase_counts:
        committed = committed & ~o.flash
    in_time = (o.shipped.notnull() & (o.shipped <= o.deadline)).fill_null(False)
    cancelled_first = (o.cancelled.notnull() & (o.cancelled <= o.deadline)).fill_null(False)
    due = (o.deadline < week.end_epoch) & (in_time | ~cancelled_first)
    counts = {
        "paid_orders": o.count(),
        "committed_orders": o.count(where=committed.fill_null(False)),
        "flash_orders": o.count(where=o.flash.fill_null(False)),
        "due_orders": o.count(where=due),
        "on_time_orders": o.count(where=due & in_time),
    }
    assert tuple(counts) == COUNTS, "keep in step with measures_model.COUNTS"
    grouped = o.group_by("merchant_id").aggregate(**counts)
    # A filtered count over no row is NULL on some engines (Spark).
    return grouped.select(
        "merchant_id", **{name: grouped[name].fill_null(0).cast("int64") for name in COUNTS}
    )


def measure_week(
    root: Path,
    week: Week,
    rule: CommittedInStock,
    *,
    merchant_id: str | None = None,
    engine: str = "duckdb",
) -> dict[str, WeekMeasures]:
    """Every merchant with orders paid in ``week`` (or only ``merchant_id``), by merchant id,
    from the facts under ``root``. A merchant without orders in the week is not listed."""
    facts = open_engine(root, engine)
    try:
        return measured(facts, week, rule, merchant_id=merchant_id)
    finally:
        facts.close()


def measured(
    facts: FactsEngine, week: Week, rule: CommittedInStock, *, merchant_id: str | None = None
) -> dict[str, WeekMeasures]:
    if facts.orders is None:
        return {}
    expression = week_measures(facts.orders, week, rule, merchant_id=merchant_id, epoch=facts.epoch)
    table = facts.to_arrow(expression)
    columns = {name: table[name].to_pylist() for name in ("merchant_id", *COUNTS)}
    return {
        merchant: WeekMeasures(**{name: int(columns[name][i]) for name in COUNTS})
        for i, merchant in enumerate(columns["merchant_id"])
    }
