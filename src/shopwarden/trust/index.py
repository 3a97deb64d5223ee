"""Trust's mirror of the catalog: each product's merchant, identity, listing and lower-cased
title, and the title's characters and character pairs for look-up (TRUST-3).

Kept current by the product listener (a product created or edited: its title re-indexed in
the same unit of work) and caught up by the daily cycle for products that reached the catalog
another way (bulk loads): those are read and written in batches, never one query per product.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from shopwarden.catalog.tables import ProductRow
from shopwarden.trust.policy import ORIGIN_IDENTITY
from shopwarden.trust.search_model import fold, title_grams
from shopwarden.trust.tables import TrustProductRow, TrustTitleGramRow

BATCH = 5000


def mirror(session: Session, product: ProductRow) -> tuple[TrustProductRow, bool]:
    """The product's trust row, made or brought up to date and locked for the rest of the unit
    of work (PostgreSQL), so two requests about one product decide its badge one after the
    other, each seeing the other's rights; says whether its identity changed."""
    row = session.get(TrustProductRow, product.id, with_for_update=True, populate_existing=True)
    identity = ORIGIN_IDENTITY[product.origin]
    folded = fold(product.title)
    if row is None:
        row = TrustProductRow(
            product_id=product.id,
            merchant_id=product.merchant_id,
            identity=identity,
            listed=product.listed,
            title_folded=folded,
            holds=False,
            changes=0,
        )
        session.add(row)
        session.flush()
        _write_grams(session, [(product.id, folded)])
        return row, True
    moved = row.identity != identity
    row.identity, row.listed = identity, product.listed
    if row.title_folded != folded:
        row.title_folded = folded
        session.execute(
            delete(TrustTitleGramRow).where(TrustTitleGramRow.product_id == row.product_id)
        )
        _write_grams(session, [(product.id, folded)])
    session.flush()
    return row, moved


def catch_up(session: Session) -> int:
    """Mirror, in batches, every product of the catalog trust has no row for yet."""
    known = select(TrustProductRow.product_id).where(TrustProductRow.product_id == ProductRow.id)
    statement = (
        select(
            ProductRow.id,
            ProductRow.merchant_id,
            ProductRow.origin,
            ProductRow.listed,
            ProductRow.title,
        )
        .where(~known.exists())
        .order_by(ProductRow.id)
    )
    added = 0
    missing = session.execute(statement).all()
    for start in range(0, len(missing), BATCH):
        rows = [
            {
                "product_id": p.id,
                "merchant_id": p.merchant_id,
                "identity": ORIGIN_IDENTITY[p.origin],
                "listed": p.listed,
                "title_folded": fold(p.title),
                "holds": False,
                "changes": 0,
            }
            for p in missing[start : start + BATCH]
        ]
        session.execute(insert(TrustProductRow), rows)
        _write_grams(session, [(r["product_id"], r["title_folded"]) for r in rows])
        added += len(rows)
    return added


def _write_grams(session: Session, titles: Sequence[tuple[str, str]]) -> None:
    """Insert the titles' grams through the driver's ``executemany`` in (gram, product) order:
    a catalogue has tens of grams per product, and building a parameter dictionary per row
    would cost more than the insert itself."""
    rows = sorted(
        (gram, product_id) for product_id, folded in titles for gram in title_grams(folded)
    )
    mark = "?" if session.get_bind().dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO trust_title_grams (gram, product_id) VALUES ({mark}, {mark})"
    cursor = session.connection().connection.cursor()
    try:
        for start in range(0, len(rows), BATCH * 10):
            cursor.executemany(sql, rows[start : start + BATCH * 10])
    finally:
        cursor.close()
