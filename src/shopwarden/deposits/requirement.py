"""What the merchant must hold as its cash deposit, from the facts (DEP-2, DEP-3, DEP-6).

The categories it sells in (those of its listed products), whether insurance cover runs, and
compensation still owed to consumers; the rule that decides is ``rules.required_cash``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from shopwarden.catalog.tables import ProductRow
from shopwarden.context import Context
from shopwarden.decisions.model import Decision
from shopwarden.deposits import policies, rules
from shopwarden.deposits.tables import AfterSalesRow, CoverRow, EnrolmentRow
from shopwarden.money import Money


def cover_at(ctx: Context, *, merchant_id: str, at: datetime) -> CoverRow | None:
    """The insurance cover running at ``at`` (DEP-6), if any."""
    return ctx.session.scalar(
        select(CoverRow)
        .where(CoverRow.merchant_id == merchant_id, CoverRow.starts_at <= at, CoverRow.ends_at > at)
        .limit(1)
    )


def unpaid_compensation(ctx: Context, *, merchant_id: str) -> Money:
    """Compensation the deposit could not pay and the consumers are still owed (DEP-3)."""
    total = ctx.session.scalar(
        select(func.coalesce(func.sum(AfterSalesRow.unpaid), 0)).where(
            AfterSalesRow.merchant_id == merchant_id
        )
    )
    return Money(int(total or 0))


def listed_categories(ctx: Context, *, merchant_id: str) -> list[str]:
    """DEP-2: the categories the merchant sells in are those of its listed products."""
    statement = select(ProductRow.category_code).where(
        ProductRow.merchant_id == merchant_id, ProductRow.listed.is_(True)
    )
    return sorted(set(ctx.session.scalars(statement)))


def required(ctx: Context, *, merchant_id: str, as_of: datetime) -> tuple[Money, Decision]:
    """DEP-2; nothing is required of a merchant not under consumer protection."""
    if ctx.session.get(EnrolmentRow, merchant_id) is None:
        policy = policies.in_force(ctx, as_of=as_of)
        return rules.ZERO, policy.decide(
            "DEP-2",
            merchant_id,
            f"merchant {merchant_id} cash deposit",
            "not_enrolled",
            "no deposit paid yet: nothing is required to stay frozen",
            rules.info("consumer protection", "not enrolled"),
        )
    return category_requirement(ctx, merchant_id=merchant_id, as_of=as_of)


def category_requirement(
    ctx: Context, *, merchant_id: str, as_of: datetime
) -> tuple[Money, Decision]:
    """DEP-2 for a merchant under consumer protection (or about to be)."""
    return rules.required_cash(
        listed_categories(ctx, merchant_id=merchant_id),
        ctx.categories,
        cover_active=cover_at(ctx, merchant_id=merchant_id, at=as_of) is not None,
        policy=policies.in_force(ctx, as_of=as_of),
        merchant_id=merchant_id,
    )
