"""A merchant's score as the API and the CLI both show it (SCORE-1..6).

One use case for both, so the same data gives the same words: the day's snapshot when the
cycle took one (``source: snapshot``), else computed from the facts (``source: live``) with what
the score feeds (SCORE-6). An unknown merchant is refused, never answered with an empty score.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from shopwarden.catalog.tables import MerchantRow
from shopwarden.context import UnitOfWork
from shopwarden.errors import NotFound
from shopwarden.scoring.consumer_rules import ScoreContext, all_decisions
from shopwarden.scoring.documents import score_document
from shopwarden.scoring.service import parameters, policy_in_force, score_merchant
from shopwarden.scoring.snapshots import snapshot_document, snapshot_for
from shopwarden.scoring.window_rules import score_window


def merchant_score(
    units: UnitOfWork, *, root: Path, merchant_id: str, as_of: datetime, engine: str = "duckdb"
) -> dict[str, Any]:
    """The score for the day of ``as_of``, with its breakdown and consumers. The facts engine
    runs after the unit of work has ended: no database transaction waits on it."""
    with units() as ctx:
        listed = ctx.session.get(MerchantRow, merchant_id) is not None
        version = policy_in_force(ctx.policies, as_of)
        day = score_window(as_of, parameters(version).window_days).day.isoformat()
        stored = snapshot_for(ctx, merchant_id=merchant_id, day=day)
        if stored is not None:
            return snapshot_document(stored)
    score = score_merchant(
        root, version=version, as_of=as_of, merchant_id=merchant_id, engine=engine
    )
    if not listed and score.result.scored_orders == 0:
        # Facts may be ingested before the catalog knows a merchant; one known to neither
        # is an error, never an empty score.
        raise NotFound(
            f"no merchant {merchant_id}: not in the catalog, no scored orders in the window",
            field="merchant_id",
        )
    document = score_document(score)
    context = ScoreContext(merchant_id, version.version, score.window.label())
    decisions = all_decisions(parameters(version), score.result, context)
    document["consumers"] = {d.subject: d.outcome for d in decisions}
    return document
