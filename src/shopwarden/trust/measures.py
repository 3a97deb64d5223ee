"""Each merchant identity's window from the order facts: one Ibis expression, DuckDB or Spark
(TRUST-2, TRUST-4).

The facts carry the product of each order, not the identity it sold under; the catalog does
(``products.origin``: ``self_built`` is the goods owner's, 货主, ``distributed`` the seller's,
带货). So the expression joins the window's orders with a small table of (product, identity)
taken from the catalog, and counts per merchant and identity. The join happens in the engine,
next to the facts, so only one row per merchant identity comes back; an order whose product
the catalog does not know (a facts-only workspace) counts for no identity. Orders count by the
day they were paid (the score's window, SCORE-1); their events count when they happened before
the window's end, so a replayed day measures what was known then. The expression reads only
columns every facts file has (docs/facts.md, "Adding columns").
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import ibis  # type: ignore[import-untyped]
import ibis.expr.types as ir  # type: ignore[import-untyped]
import pyarrow as pa  # type: ignore[import-untyped]

from shopwarden.metrics.engines import Epoch, FactsEngine, open_engine, portable_epoch
from shopwarden.scoring.window_rules import Window
from shopwarden.trust.measures_model import COUNTS, IdentityCounts
from shopwarden.trust.policy import ORIGIN_IDENTITY

HOUR = 3600


IDENTITIES_TABLE = "trust_product_identities"


def identities_table(facts: FactsEngine, products: Iterable[tuple[str, str]]) -> ir.Table:
    """(product id, origin) pairs as a table of ``product_id``, ``identity`` in the engine,
    registered under a name so that the compiled SQL can read it (a DuckDB view over Arrow,
    a Spark temporary view)."""
    ids, identities = [], []
    for product_id, origin in products:
        ids.append(product_id)
        identities.append(ORIGIN_IDENTITY[origin])
    schema = pa.schema([("product_id", pa.string()), ("identity", pa.string())])
    table = pa.table([ids, identities], schema=schema)
    if facts.name == "duckdb":
        facts.backend.con.register(IDENTITIES_TABLE, table)
    else:
        session = facts.backend._session
        frame = session.createDataFrame(
            list(zip(ids, identities, strict=True)), "product_id string, identity string"
        )
        frame.createOrReplaceTempView(IDENTITIES_TABLE)
    return ibis.table({"product_id": "string", "identity": "string"}, name=IDENTITIES_TABLE)


def identity_measures(
    orders: ir.Table, identities: ir.Table, window: Window, *, epoch: Epoch = portable_epoch
) -> ir.Table:
    """One row per merchant and identity with orders paid in ``window``: ``COUNTS``."""
    t = orders.filter(orders.day.between(ibis.date(window.first_day), ibis.date(window.last_day)))
    t = t.join(identities, "product_id")
    end = window.end_epoch

    def before_end(column: ir.TimestampValue) -> ir.BooleanValue:
        return (column.notnull() & (epoch(column) < end)).fill_null(False)

    deadline = epoch(t.paid_at) + t.promised_shipping_hours.cast("int64") * HOUR
    shipped, cancelled = epoch(t.shipped_at), epoch(t.cancelled_at)
    in_time = (shipped.notnull() & (shipped <= deadline)).fill_null(False)
    cancelled_first = (cancelled.notnull() & (cancelled <= deadline)).fill_null(False)
    o = t.select(
        "merchant_id",
        "identity",
        quality=before_end(t.refund_requested_at) & (t.refund_reason == "quality").fill_null(False),
        dispute=before_end(t.dispute_at),
        complaint=before_end(t.complaint_at),
        due=(deadline < end) & (in_time | ~cancelled_first),
        on_time=(deadline < end) & in_time,
    )
    counts = {
        "paid_orders": o.count(),
        "quality_refunds": o.count(where=o.quality),
        "disputes": o.count(where=o.dispute),
        "complaints": o.count(where=o.complaint),
        "due_orders": o.count(where=o.due),
        "on_time_orders": o.count(where=o.on_time),
    }
    assert tuple(counts) == COUNTS, "keep in step with measures_model.COUNTS"
    grouped = o.group_by(["merchant_id", "identity"]).aggregate(**counts)
    # A filtered count over no row is NULL on some engines (Spark).
    return grouped.select(
        "merchant_id",
        "identity",
        **{name: grouped[name].fill_null(0).cast("int64") for name in COUNTS},
    )


Measured = dict[tuple[str, str], IdentityCounts]
"""(merchant id, identity) → its counts; an identity without orders in the window is absent."""


def measured(facts: FactsEngine, identities: ir.Table, window: Window) -> Measured:
    if facts.orders is None:
        return {}
    expression = identity_measures(facts.orders, identities, window, epoch=facts.epoch)
    table = facts.to_arrow(expression)
    columns = {name: table[name].to_pylist() for name in ("merchant_id", "identity", *COUNTS)}
    return {
        (merchant, columns["identity"][i]): IdentityCounts(
            **{name: int(columns[name][i]) for name in COUNTS}
        )
        for i, merchant in enumerate(columns["merchant_id"])
    }


def measure_identities(
    root: Path, products: Iterable[tuple[str, str]], window: Window, *, engine: str = "duckdb"
) -> Measured:
    """Every merchant identity with orders paid in ``window``, from the facts under ``root``;
    ``products`` are the catalog's (product id, origin) pairs."""
    facts = open_engine(root, engine)
    try:
        return measured(facts, identities_table(facts, products), window)
    finally:
        facts.close()
