"""The score's part of ``shopwarden demo``: order facts for the demo's catalog, then a summary.

The facts cover the month before the demo and the demo's month, so every daily cycle takes a
score snapshot (SCORE-5) and records what the score feeds (SCORE-6).
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import func, select

from shopwarden.bootstrap import Container
from shopwarden.catalog.tables import ProductRow
from shopwarden.decisions.tables import DecisionRow
from shopwarden.facts.generator import ProductSpec
from shopwarden.facts.service import generate_facts
from shopwarden.facts.storage import facts_dir
from shopwarden.scoring.tables import ScoreSnapshotRow

FACTS_START = date(2024, 1, 31)  # the demo starts 2024-03-01: a full window before it
FACTS_DAYS = 75  # through the deposits part's cycles in April
ORDERS_PER_MERCHANT = 600


def generate_score_facts(container: Container, seed: int) -> None:
    """Order facts for every merchant and product of the demo's catalog."""
    with container.unit_of_work() as ctx:
        rows = ctx.session.execute(
            select(
                ProductRow.merchant_id,
                ProductRow.id,
                ProductRow.promised_shipping_hours,
                ProductRow.flash_purchase,
            ).order_by(ProductRow.merchant_id, ProductRow.id)
        ).all()
    catalog: dict[str, list[ProductSpec]] = {}
    for merchant_id, product_id, hours, flash in rows:
        catalog.setdefault(merchant_id, []).append(ProductSpec(product_id, hours or 48, flash))
    generate_facts(
        container.unit_of_work,
        root=facts_dir(container.settings.home),
        merchants=len(catalog),
        orders=ORDERS_PER_MERCHANT * len(catalog),
        days=FACTS_DAYS,
        seed=seed,
        start=FACTS_START,
        catalog=list(catalog.items()),
    )


def score_summary(container: Container) -> dict[str, str]:
    """Rows for the demo's summary: snapshots, the last day's bands, SCORE-6 decisions."""
    with container.unit_of_work() as ctx:
        session = ctx.session
        snapshots = session.scalar(select(func.count()).select_from(ScoreSnapshotRow)) or 0
        last = session.scalar(select(func.max(ScoreSnapshotRow.day)))
        bands = Counter(
            band or "insufficient data"
            for band in session.scalars(
                select(ScoreSnapshotRow.band).where(ScoreSnapshotRow.day == last)
            )
        )
        decisions = (
            session.scalar(
                select(func.count())
                .select_from(DecisionRow)
                .where(DecisionRow.rule_id == "SCORE-6")
            )
            or 0
        )
    spread = ", ".join(f"{band} {count}" for band, count in sorted(bands.items()))
    return {
        "score snapshots (SCORE-5)": str(snapshots),
        f"score bands on {last}": spread or "none",
        "score consumer decisions (SCORE-6)": str(decisions),
    }
