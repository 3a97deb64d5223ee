"""Rights switched on and off on products (TRUST-1, TRUST-2), and the product listener.

A merchant switches the rights of its own products, an operator any product's. The badge is
decided again in the same unit of work: enabling the last missing right of a product whose
identity meets the thresholds grants it there and then, disabling a required one removes it.
A product created or edited reaches trust through ``on_product_changed`` the same way (its
title re-indexed for look-up, its identity perhaps changed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import delete, insert

from shopwarden.catalog.tables import ProductRow
from shopwarden.context import Context
from shopwarden.db.lookup import get_or_raise
from shopwarden.errors import InvalidInput
from shopwarden.trust import badges
from shopwarden.trust.index import catch_up, mirror
from shopwarden.trust.standings import FAMILY, policy_at
from shopwarden.trust.tables import TrustProductRow, TrustRightRow


def on_product_changed(ctx: Context, *, product: ProductRow) -> None:
    """Mirror the product (title index, identity) and decide its badge again (TRUST-2)."""
    mirror(ctx.session, product)
    now = ctx.now()
    if ctx.has_policy(FAMILY, now):
        badges.decide(ctx, as_of=now, policy=policy_at(ctx, as_of=now), product_ids=[product.id])


def set_rights(
    ctx: Context, *, product_id: str, rights: Mapping[str, bool], actor: str
) -> TrustProductRow:
    """Switch ``rights`` (code → enabled) on the product, then decide its badge (TRUST-2).
    A code outside the policy's catalogue is refused and nothing changes."""
    now = ctx.now()
    policy = policy_at(ctx, as_of=now)
    unknown = sorted(set(rights) - set(policy.params.rights))
    if unknown:
        known = ", ".join(policy.params.rights)
        raise InvalidInput(
            f"unknown right {', '.join(unknown)}; the catalogue has: {known}",
            field="rights",
            rule="TRUST-1",
        )
    product = get_or_raise(ctx.session, ProductRow, product_id, what="product", field="product_id")
    row, _ = mirror(ctx.session, product)
    for code, enabled in sorted(rights.items()):
        right = ctx.session.get(TrustRightRow, (product_id, code))
        if right is None:
            right = TrustRightRow(product_id=product_id, right_code=code)
            ctx.session.add(right)
        if right.enabled is not enabled:
            right.enabled, right.changed_at, right.changed_by = enabled, now, actor
    ctx.session.flush()
    badges.decide(ctx, as_of=now, policy=policy, product_ids=[product_id])
    ctx.session.refresh(row)
    return row


def enable_everywhere(
    ctx: Context, *, product_ids: Sequence[str], rights: Sequence[str], actor: str
) -> int:
    """Switch ``rights`` on for many products at once (a bulk onboarding), then decide every
    badge that changes: a few statements whatever the number of products."""
    now = ctx.now()
    policy = policy_at(ctx, as_of=now)
    unknown = sorted(set(rights) - set(policy.params.rights))
    if unknown:
        raise InvalidInput(f"unknown right {', '.join(unknown)}", field="rights", rule="TRUST-1")
    catch_up(ctx.session)
    ids = sorted(set(product_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        ctx.session.execute(
            delete(TrustRightRow).where(
                TrustRightRow.product_id.in_(chunk), TrustRightRow.right_code.in_(list(rights))
            )
        )
    rows = [
        {
            "product_id": p,
            "right_code": code,
            "enabled": True,
            "changed_at": now,
            "changed_by": actor,
        }
        for p in ids
        for code in rights
    ]
    if rows:
        ctx.session.execute(insert(TrustRightRow), rows)
    return len(badges.decide(ctx, as_of=now, policy=policy))
