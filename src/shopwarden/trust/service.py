"""Trust purchase use cases that are not about one product: deciding every badge now, and the
rights catalogue (TRUST-1, TRUST-2, TRUST-4)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shopwarden.context import Context
from shopwarden.trust import badges, index
from shopwarden.trust.rules import right_states
from shopwarden.trust.standings import measure_standings, policy_at


def decide_all(ctx: Context, *, as_of: datetime) -> dict[str, Any]:
    """Mirror products new to trust, measure every merchant identity, grant and remove every
    badge that no longer matches (the daily cycle's step, or an operator asking now)."""
    policy = policy_at(ctx, as_of=as_of)
    mirrored = index.catch_up(ctx.session)
    measured = measure_standings(ctx, as_of=as_of, policy=policy)
    changes = badges.decide(ctx, as_of=as_of, policy=policy)
    granted = sum(c.decision.outcome == "granted" for c in changes)
    return {
        "mirrored": mirrored,
        "identities_measured": measured,
        "granted": granted,
        "removed": len(changes) - granted,
    }


def catalogue(ctx: Context, *, as_of: datetime) -> dict[str, Any]:
    """Every right of the policy in force, and whether the badge requires it."""
    policy = policy_at(ctx, as_of=as_of)
    return {
        "policy_version": policy.version,
        "rights": [
            {k: getattr(s, k) for k in ("code", "name_zh", "name_en", "kind", "required")}
            for s in right_states(policy.params, ())
        ],
    }
