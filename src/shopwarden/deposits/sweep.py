"""The cycle's shortfall sweep (DEP-3), read set-wise first.

Most enrolled merchants' due has not moved since they were last assessed: no deposits version
or cover lapse since, the requirement, the cash held and the compensation owed the same, so
what their open obligations say is what is due. :func:`settled_as_assessed` finds them with a
handful of queries over all merchants and asks the same pure rules ``obligations.reassess``
asks (``rules.required_cash``, ``rules.shortfall``, the catch-up's ``version_switches`` and
``cover_lapses``); the sweep then reassesses only the others, one by one, as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from shopwarden.catalog.tables import ProductRow
from shopwarden.context import Context
from shopwarden.deposits import obligation_rules, policies, rules
from shopwarden.deposits.accounts import CASH
from shopwarden.deposits.tables import AfterSalesRow, CoverRow, EnrolmentRow, ObligationRow
from shopwarden.ledger.model import merchant_account_code
from shopwarden.ledger.tables import AccountRow
from shopwarden.money import Money

Term = tuple[int, datetime, datetime]


@dataclass(frozen=True)
class _Facts:
    """What ``reassess`` reads per merchant, read for every merchant at once."""

    enrolments: dict[str, EnrolmentRow]
    categories: dict[str, set[str]]
    terms: dict[str, list[Term]]
    covered: set[str]
    held: dict[str, int]
    unpaid: dict[str, int]
    open_due: dict[str, int]


def settled_as_assessed(
    ctx: Context, *, merchant_ids: Sequence[str], as_of: datetime
) -> dict[str, bool]:
    """Of ``merchant_ids``, those ``reassess`` would change nothing for at ``as_of`` but their
    ``assessed_at``, which is set here; each mapped to whether it has an open obligation."""
    facts = _gather(ctx, merchant_ids, as_of)
    policy = policies.in_force(ctx, as_of=as_of)
    starts = [(v.version, v.effective_from) for v in ctx.policies.versions(rules.FAMILY)]
    settled: dict[str, bool] = {}
    for merchant_id in merchant_ids:
        enrolment = facts.enrolments.get(merchant_id)
        if enrolment is None:
            continue
        last = enrolment.assessed_at or enrolment.enrolled_at
        terms = facts.terms.get(merchant_id, [])
        if obligation_rules.version_switches(
            starts, assessed_at=last, as_of=as_of
        ) or obligation_rules.cover_lapses(terms, assessed_at=last, as_of=as_of):
            continue  # a catch-up assessment is due: reassess decides it
        needed, _ = rules.required_cash(
            sorted(facts.categories.get(merchant_id, ())),
            ctx.categories,
            cover_active=merchant_id in facts.covered,
            policy=policy,
            merchant_id=merchant_id,
        )
        due, _ = rules.shortfall(
            required=needed,
            held=Money(facts.held.get(merchant_id, 0)),
            unpaid=Money(facts.unpaid.get(merchant_id, 0)),
            policy=policy,
            merchant_id=merchant_id,
        )
        if due == Money(facts.open_due.get(merchant_id, 0)):
            settled[merchant_id] = merchant_id in facts.open_due
    for merchant_id in settled:  # what reassess does last
        enrolment = facts.enrolments[merchant_id]
        if enrolment.assessed_at is None or enrolment.assessed_at < as_of:
            enrolment.assessed_at = as_of
    return settled


def _gather(ctx: Context, merchant_ids: Sequence[str], as_of: datetime) -> _Facts:
    s = ctx.session
    categories: dict[str, set[str]] = {}
    listed = select(ProductRow.merchant_id, ProductRow.category_code).where(ProductRow.listed)
    for merchant_id, code in s.execute(listed.distinct()):
        categories.setdefault(merchant_id, set()).add(code)
    terms: dict[str, list[Term]] = {}
    for cover in s.scalars(select(CoverRow).order_by(CoverRow.id)):
        terms.setdefault(cover.merchant_id, []).append((cover.id, cover.starts_at, cover.ends_at))
    running = select(CoverRow.merchant_id).where(
        CoverRow.starts_at <= as_of, CoverRow.ends_at > as_of
    )
    cash = {merchant_account_code(m, CASH): m for m in merchant_ids}
    balances = select(AccountRow.code, AccountRow.posted - AccountRow.pending_out).where(
        AccountRow.purpose == CASH
    )
    unpaid = select(AfterSalesRow.merchant_id, func.sum(AfterSalesRow.unpaid)).group_by(
        AfterSalesRow.merchant_id
    )
    open_due = (
        select(ObligationRow.merchant_id, func.sum(ObligationRow.amount_due))
        .where(ObligationRow.status == "open")
        .group_by(ObligationRow.merchant_id)
    )
    return _Facts(
        enrolments={e.merchant_id: e for e in s.scalars(select(EnrolmentRow))},
        categories=categories,
        terms=terms,
        covered=set(s.scalars(running)),
        held={cash[code]: int(v) for code, v in s.execute(balances) if code in cash},
        unpaid={m: int(v or 0) for m, v in s.execute(unpaid)},
        open_due={m: int(v or 0) for m, v in s.execute(open_due)},
    )
