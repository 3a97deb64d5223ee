"""The shipping rules the governance cycle applies as of its instant (SHIP-2..5).

In order: the exemptions of every week that has ended lapse (SHIP-4), so what a carrying policy
carries over is known before the new week is granted; the first cycle of a week measures the
week before and grants the exemptions (SHIP-2, SHIP-3); then what merchants owe for advanced
penalties and compensation is collected from their wallets. Each step records its decisions
under dedupe keys and skips what is done, so a second run, or a later one, applies nothing
twice. The cycle sees only the database: with no order facts ingested yet, nothing is measured.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shopwarden.context import Context
from shopwarden.cycle.registry import cycle_step
from shopwarden.facts.service import recorded_facts_root
from shopwarden.shipping import overdue, weeks
from shopwarden.shipping.policies import FAMILY, policy_at
from shopwarden.shipping.week_rules import week_of

SKIPPED = {"skipped": "no shipping policy in force"}


@cycle_step("shipping-week-end", "SHIP-4")
def week_end(ctx: Context, *, as_of: datetime) -> dict[str, Any]:
    """Unused exemptions of ended weeks lapse at Sunday 24:00 and do not carry over."""
    rows = weeks.close_ended(ctx, as_of=as_of)
    return {
        "weeks_closed": len(rows),
        "lapsed": sum(r.lapsed for r in rows),
        "carried_over": sum(r.carried_out for r in rows),
    }


@cycle_step("shipping-exemptions", "SHIP-1", "SHIP-2", "SHIP-3")
def exemptions(ctx: Context, *, as_of: datetime) -> dict[str, Any]:
    """The week's first cycle grants the exemptions earned over the week before; a later one
    decides only merchants that are new since (the engine runs only when there are some)."""
    if not ctx.has_policy(FAMILY, as_of):
        return SKIPPED
    week = week_of(as_of, policy_at(ctx, as_of=as_of).params.week.starts_on)
    report: dict[str, Any] = {"week": week.first_day.isoformat()}
    if recorded_facts_root(ctx) is None:
        return report | {"evaluated": 0, "note": "no order facts ingested yet"}
    found = weeks.evaluate_everyone(ctx, week=week)
    return report | {"evaluated": len(found), "granted": sum(e.granted for e in found)}


@cycle_step("shipping-collect", "SHIP-4", "SHIP-5")
def collect(ctx: Context, *, as_of: datetime) -> dict[str, Any]:
    """What wallets could not pay of penalties and compensation, taken as money arrives."""
    return overdue.collect_owed(ctx, as_of=as_of)


STEPS = (week_end, exemptions, collect)
