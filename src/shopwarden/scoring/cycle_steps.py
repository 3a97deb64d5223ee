"""The governance cycle's score step: the daily snapshot and its consumers (SCORE-5, SCORE-6).

The cycle sees only the database, so the facts are found where this database's last batch of
facts went (``facts.service.recorded_facts_root``); with no facts ingested yet there is
nothing to score and the step says so.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shopwarden.context import Context
from shopwarden.cycle.registry import cycle_step
from shopwarden.errors import NotFound
from shopwarden.facts.service import recorded_facts_root
from shopwarden.scoring.snapshots import take_snapshots


@cycle_step("score-snapshots", "SCORE-5", "SCORE-6")
def score_snapshots(ctx: Context, *, as_of: datetime) -> dict[str, Any]:
    root = recorded_facts_root(ctx)
    if root is None:
        return {"snapshots": 0, "note": "no order facts ingested yet"}
    try:
        return take_snapshots(ctx, as_of=as_of, root=root)
    except NotFound as error:  # no score policy in force at as_of
        return {"snapshots": 0, "note": error.detail}


STEPS = (score_snapshots,)
