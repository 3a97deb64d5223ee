"""What the trust purchase zone shows (TRUST-3, TRUST-4, TRUST-5): a product's status and
what it still needs, the look-up by id or name, and the merchant's view of both identities.

The look-up by name intersects the index of title characters and character pairs (``index.py``)
and confirms the candidates with a ``LIKE`` on the lower-cased title, so it reads a few index
ranges, never every product. A merchant sees its own products only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, true
from sqlalchemy.orm import Session, aliased

from shopwarden.catalog.tables import ProductRow
from shopwarden.context import Context
from shopwarden.errors import InvalidInput
from shopwarden.trust.policy import IDENTITIES
from shopwarden.trust.rules import (
    IDENTITY_NAMES,
    RightState,
    all_met,
    benefits,
    channel_holds,
    missing_rights,
    right_states,
)
from shopwarden.trust.search_model import MAX_FRAGMENT, fold, like_pattern, query_grams
from shopwarden.trust.standings import Policy, policy_at
from shopwarden.trust.tables import (
    TrustProductRow,
    TrustRightRow,
    TrustStandingRow,
    TrustTitleGramRow,
)


def find_ids(session: Session, *, text: str, merchant_id: str | None, limit: int) -> list[str]:
    """Products whose id is ``text`` or whose title contains it, any case (TRUST-3)."""
    fragment = fold(text.strip())
    if not fragment or len(fragment) > MAX_FRAGMENT:
        raise InvalidInput(f"give 1 to {MAX_FRAGMENT} characters to look up", field="q")
    exact = select(TrustProductRow.product_id).where(TrustProductRow.product_id == text.strip())
    ids = list(session.scalars(_own(exact, merchant_id)))
    by_name = session.scalars(_own(by_title(fragment), merchant_id).limit(limit + len(ids)))
    return list(dict.fromkeys([*ids, *by_name]))[:limit]


def by_title(fragment: str) -> Select[Any]:
    """The index look-up: products holding every chosen gram of ``fragment`` (a join per gram
    on the (gram, product) key), confirmed by ``LIKE`` on the lower-cased title."""
    grams = query_grams(fragment)
    first = aliased(TrustTitleGramRow)
    statement = select(first.product_id).where(first.gram == grams[0])
    for gram in grams[1:]:
        other = aliased(TrustTitleGramRow)
        statement = statement.join(
            other, (other.product_id == first.product_id) & (other.gram == gram)
        )
    return (
        statement.join(TrustProductRow, TrustProductRow.product_id == first.product_id)
        .where(TrustProductRow.title_folded.like(like_pattern(fragment), escape="\\"))
        .order_by(first.product_id)
    )


def _own(statement: Select[Any], merchant_id: str | None) -> Select[Any]:
    if merchant_id is None:
        return statement
    return statement.where(TrustProductRow.merchant_id == merchant_id)


def lookup(
    ctx: Context, *, text: str, merchant_id: str | None, as_of: datetime, limit: int = 20
) -> list[dict[str, Any]]:
    """Each product found: its status, rights enabled and missing, metrics to improve."""
    ids = find_ids(ctx.session, text=text, merchant_id=merchant_id, limit=limit)
    policy = policy_at(ctx, as_of=as_of)
    return product_statuses(ctx.session, ids, policy)


def product_statuses(
    session: Session, product_ids: Sequence[str], policy: Policy
) -> list[dict[str, Any]]:
    if not product_ids:
        return []
    rows = session.execute(
        select(TrustProductRow, ProductRow.title)
        .join(ProductRow, ProductRow.id == TrustProductRow.product_id)
        .where(TrustProductRow.product_id.in_(list(product_ids)))
    ).all()
    found = {r[0].product_id: (r[0], r[1]) for r in rows}
    rights = _enabled(session, list(found))
    standings = _standings(session, {row.merchant_id for row, _ in found.values()})
    return [
        _status(row, title, right_states(policy.params, rights[pid]), standings, policy)
        for pid in product_ids
        if pid in found
        for row, title in [found[pid]]
    ]


def _status(
    row: TrustProductRow,
    title: str,
    states: list[RightState],
    standings: dict[tuple[str, str], TrustStandingRow],
    policy: Policy,
) -> dict[str, Any]:
    standing = standings.get((row.merchant_id, row.identity))
    thresholds = list(standing.thresholds) if standing else []
    return {
        "product_id": row.product_id,
        "merchant_id": row.merchant_id,
        "title": title,
        "identity": row.identity,
        "identity_name": IDENTITY_NAMES[row.identity],
        "status": "badge" if row.holds else "no_badge",
        "badge": row.holds,
        "decided_at": row.decided_at,
        "rights_enabled": [_right(s) for s in states if s.enabled],
        "rights_missing": [_right(s) for s in missing_rights(states)],
        "thresholds_met": bool(standing and standing.met),
        "measured_at": standing.as_of if standing else None,
        "metrics_to_improve": [t for t in thresholds if not t["met"]],
        "policy_version": policy.version,
    }


def _right(state: RightState) -> dict[str, Any]:
    return {
        "code": state.code,
        "name_zh": state.name_zh,
        "name_en": state.name_en,
        "kind": state.kind,
        "required": state.required,
    }


def _enabled(session: Session, product_ids: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    rows = session.execute(
        select(TrustRightRow.product_id, TrustRightRow.right_code).where(
            TrustRightRow.product_id.in_(product_ids), TrustRightRow.enabled == true()
        )
    )
    for product_id, code in rows:
        found[product_id].append(code)
    return found


def _standings(session: Session, merchants: set[str]) -> dict[tuple[str, str], TrustStandingRow]:
    rows = session.scalars(
        select(TrustStandingRow).where(TrustStandingRow.merchant_id.in_(sorted(merchants)))
    )
    return {(r.merchant_id, r.identity): r for r in rows}


def merchant_view(ctx: Context, *, merchant_id: str, as_of: datetime) -> dict[str, Any]:
    """Both identities against the thresholds side by side, product and right counts, the
    store and live room, and what the badge brings (TRUST-1, TRUST-4, TRUST-5)."""
    policy = policy_at(ctx, as_of=as_of)
    standings = _standings(ctx.session, {merchant_id})
    counts = _product_counts(ctx.session, merchant_id, policy)
    identities = [_identity(i, standings.get((merchant_id, i)), counts[i]) for i in IDENTITIES]
    return {
        "merchant_id": merchant_id,
        "policy_version": policy.version,
        "identities": identities,
        "channels": _channels(identities, counts, policy),
        "benefits": {
            "for_badge_holders": benefits(policy.params, True),
            "now": benefits(policy.params, any(i["products"]["badged"] for i in identities)),
        },
    }


def _identity(
    identity: str, standing: TrustStandingRow | None, counts: dict[str, Any]
) -> dict[str, Any]:
    return {
        "identity": identity,
        "identity_name": IDENTITY_NAMES[identity],
        "measured": standing is not None,
        "measured_at": standing.as_of if standing else None,
        "met": bool(standing and all_met(standing.thresholds)),
        "thresholds": list(standing.thresholds) if standing else [],
        "products": counts,
    }


def _product_counts(
    session: Session, merchant_id: str, policy: Policy
) -> dict[str, dict[str, Any]]:
    """Per identity: products, listed, badged, and per right how many have it enabled; the
    products missing at least one required right."""
    return {i: _identity_counts(session, merchant_id, i, policy) for i in IDENTITIES}


def _identity_counts(
    session: Session, merchant_id: str, identity: str, policy: Policy
) -> dict[str, Any]:
    p = TrustProductRow
    mine = (p.merchant_id == merchant_id) & (p.identity == identity)
    total, listed, badged, listed_badged = session.execute(
        select(
            func.count(),
            func.count().filter(p.listed == true()),
            func.count().filter(p.holds == true()),
            func.count().filter((p.listed == true()) & (p.holds == true())),
        ).where(mine)
    ).one()
    enabled_rows = session.execute(
        select(TrustRightRow.right_code, func.count())
        .join(p, p.product_id == TrustRightRow.product_id)
        .where(mine, TrustRightRow.enabled == true())
        .group_by(TrustRightRow.right_code)
    )
    enabled = {code: count for code, count in enabled_rows}
    required = list(policy.params.required_rights)
    has_all = select(func.count()).where(
        TrustRightRow.product_id == p.product_id,
        TrustRightRow.enabled == true(),
        TrustRightRow.right_code.in_(required),
    ).scalar_subquery() == len(required)
    complete = session.scalar(select(func.count()).where(mine, has_all)) or 0
    return {
        "total": total,
        "listed": listed,
        "badged": badged,
        "listed_badged": listed_badged,
        "missing_required_rights": total - complete,
        "rights_enabled": {code: enabled.get(code, 0) for code in policy.params.rights},
    }


def _channels(
    identities: list[dict[str, Any]], counts: dict[str, dict[str, Any]], policy: Policy
) -> dict[str, Any]:
    """TRUST-1 (Default): the store on the goods owner's own products; the live room on every
    identity the merchant has listed products under."""
    shares = policy.params.channels
    owner = identities[0]
    store = channel_holds(
        thresholds_met=owner["met"],
        badged=counts["goods_owner"]["listed_badged"],
        listed=counts["goods_owner"]["listed"],
        share=shares.store_product_share,
    )
    selling = [i for i in identities if i["products"]["listed"]]
    live = channel_holds(
        thresholds_met=bool(selling) and all(i["met"] for i in selling),
        badged=sum(c["listed_badged"] for c in counts.values()),
        listed=sum(c["listed"] for c in counts.values()),
        share=shares.live_room_product_share,
    )
    return {
        "store": {"badge": store, "product_share": str(shares.store_product_share)},
        "live_room": {"badge": live, "product_share": str(shares.live_room_product_share)},
    }
