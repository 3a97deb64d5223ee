"""The deposits part of ``shopwarden demo``: two weeks of deposits after the trading month.

Merchants pay their cash deposits; some buy insurance, some open with a risk deposit, some
join campaigns. Each day operators compensate consumers from deposits, merchants top up at
their own pace, the cycle escalates unmet top-ups (badges at 3 days, shield at 5) and lifts
shields a day after the top-up, and a closing merchant's refund is applied for, reviewed and
paid out. Deterministic for a seed; every step goes through the deposit use cases.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy import func, select

from shopwarden.bootstrap import Container
from shopwarden.catalog import service as catalog
from shopwarden.catalog.schemas import MerchantUpdate
from shopwarden.clock import SimulatedClock
from shopwarden.context import Context
from shopwarden.decisions.tables import DecisionRow
from shopwarden.deposits import aftersales, campaigns, cash, insurance, refunds, risk, shield
from shopwarden.deposits.accounts import CASH, WALLET, held
from shopwarden.deposits.merchants import merchant
from shopwarden.deposits.policies import in_force
from shopwarden.deposits.requirement import category_requirement
from shopwarden.deposits.schemas import CampaignIn
from shopwarden.deposits.tables import CampaignRow, ObligationRow, RefundRow
from shopwarden.errors import ShopwardenError
from shopwarden.money import Money

DAYS = 14
Action = Callable[[Context], Any]
SHOWN_OUTCOMES = (
    "shortfall",
    "badges_revoked",
    "shielded",
    "badges_restored",
    "shield_lifted",
    "paid_by_insurer",
    "approved",
)


class _Part:
    def __init__(self, container: Container, rng: random.Random) -> None:
        self.container = container
        self.rng = rng
        self.counts: Counter[str] = Counter()

    def run(self, what: str, action: Action) -> Any:
        """One use case in its own unit of work; a refusal is counted, not fatal."""
        try:
            with self.container.unit_of_work() as ctx:
                result = action(ctx)
        except ShopwardenError:
            self.counts[f"{what} (refused)"] += 1
            return None
        self.counts[what] += 1
        return result

    def read(self, action: Action) -> Any:
        with self.container.unit_of_work() as ctx:
            return action(ctx)


def run_deposits_part(
    container: Container, clock: SimulatedClock, rng: random.Random, merchant_ids: list[str]
) -> dict[str, str]:
    """Play the deposits fortnight; returns the summary rows (what → value)."""
    part = _Part(container, rng)
    start = clock.now()
    for merchant_id in merchant_ids:
        _open(part, merchant_id)
    for day in range(1, DAYS + 1):
        clock.advance_to(start + timedelta(days=day - 1, hours=10))
        _compensations(part, merchant_ids, day)
        _top_ups_and_orders(part, day)
        _campaign_orders(part, day)
        if day == 9:
            _close_and_apply(part, _leaver(part, merchant_ids))
        if day == 11:
            _approve_refunds(part)
        clock.advance_to(start + timedelta(days=day))
        container.run_cycle(clock.now())
    return _summary(part)


def _open(part: _Part, merchant_id: str) -> None:
    key = f"demo:deposits:{merchant_id}"
    needed, wallet = part.read(
        lambda c: (
            category_requirement(c, merchant_id=merchant_id, as_of=c.now())[0],
            held(c, merchant_id=merchant_id, purpose=WALLET),
        )
    )
    amount = max(needed, Money(100_000))
    if wallet >= amount:
        pay = partial(cash.pay, merchant_id=merchant_id, amount=amount, source="wallet", key=key)
        part.run("cash deposits paid", pay)
    rng = part.rng
    if rng.random() < 0.1:
        part.run(
            "insurance covers bought",
            partial(insurance.buy, merchant_id=merchant_id, source="external", key=f"{key}:cover"),
        )
    if rng.random() < 0.05:
        tier = rng.choice(["low", "medium", "high"])

        def open_risk(c: Context) -> None:
            row = risk.assess(c, merchant_id=merchant_id, tier=tier)
            amount = Money(row.amount)
            risk.pay(
                c, merchant_id=merchant_id, amount=amount, source="external", key=f"{key}:risk"
            )

        part.run("risk deposits paid", open_risk)
    if rng.random() < 0.04:
        ends = part.container.clock.now() + timedelta(days=10)
        kind = rng.choice(["tiantiantemai", "juhuasuan"])
        option = "premium" if kind == "juhuasuan" else None
        data = CampaignIn(
            id=f"{kind[:2]}-{merchant_id}",
            merchant_id=merchant_id,
            kind=kind,  # type: ignore[arg-type]
            ends_at=ends,
            juhuasuan_option=option,  # type: ignore[arg-type]
            source="external",
        )
        enrol = partial(campaigns.enrol, data=data, key=f"{key}:camp")
        part.run(f"{kind} campaigns joined", enrol)


def _compensate(c: Context, merchant_id: str, case_id: str, claimed: Money) -> None:
    consumer = f"consumer of {case_id}"
    aftersales.open_case(
        c, case_id=case_id, merchant_id=merchant_id, consumer=consumer, claimed=claimed
    )
    aftersales.compensate(c, case_id=case_id, amount=claimed, key=f"demo:{case_id}")


def _compensations(part: _Part, merchant_ids: list[str], day: int) -> None:
    """Operators compensate consumers from the deposits of a few merchants (DEP-3, DEP-6)."""
    for merchant_id in part.rng.sample(merchant_ids, k=max(1, len(merchant_ids) // 25)):
        claimed = Money(part.rng.randint(5_000, 150_000))
        if part.read(partial(_cash_held, merchant_id=merchant_id)).is_positive():
            case_id = f"demo-{merchant_id}-{day}"
            part.run(
                "compensations paid",
                partial(_compensate, merchant_id=merchant_id, case_id=case_id, claimed=claimed),
            )


def _cash_held(c: Context, merchant_id: str) -> Money:
    return held(c, merchant_id=merchant_id, purpose=CASH)


def _open_top_ups(c: Context) -> list[tuple[str, Money, int]]:
    statement = select(ObligationRow).where(ObligationRow.status == "open")
    return [
        (o.merchant_id, Money(o.amount_due), (c.now() - o.opened_at).days)
        for o in c.session.scalars(statement)
    ]


def _settle(c: Context, merchant_id: str, order_id: str, amount: Money) -> Any:
    merchant(c, merchant_id=merchant_id)
    return shield.settle(
        c,
        merchant_id=merchant_id,
        order_id=order_id,
        amount=amount,
        ordered_at=c.now(),
        key=f"demo:{order_id}",
    )


def _top_ups_and_orders(part: _Part, day: int) -> None:
    """Each merchant has its own pace (0..7 days); until it tops up, its orders keep coming."""
    for merchant_id, amount, age in part.read(_open_top_ups):
        if age >= int(merchant_id[-2:]) % 8:
            key = f"demo:topup:{merchant_id}:{day}"
            part.run(
                "top-ups made",
                partial(
                    cash.pay, merchant_id=merchant_id, amount=amount, source="external", key=key
                ),
            )
            continue
        order_id = f"demo-order-{merchant_id}-{day}"
        proceeds = Money(part.rng.randint(1_000, 90_000))
        settle = partial(_settle, merchant_id=merchant_id, order_id=order_id, amount=proceeds)
        result = part.run("orders settled with a top-up open", settle)
        if result and result["held"]:
            part.counts["orders held under settlement guarantee"] += 1


def _running_campaigns(c: Context) -> list[str]:
    statement = select(CampaignRow.id).where(
        CampaignRow.status == "running", CampaignRow.kind == "tiantiantemai"
    )
    return list(c.session.scalars(statement))


def _campaign_order(c: Context, campaign_id: str, order_id: str, amount: Money) -> None:
    campaigns.add_order(c, campaign_id=campaign_id, order_id=order_id, amount=amount)
    key = f"demo:{campaign_id}:{order_id}"
    campaigns.confirm(c, campaign_id=campaign_id, order_id=order_id, amount=None, key=key)


def _campaign_orders(part: _Part, day: int) -> None:
    for campaign_id in part.read(_running_campaigns):
        amount = Money(part.rng.randint(1_000, 50_000))
        order = partial(_campaign_order, campaign_id=campaign_id, order_id=f"d{day}", amount=amount)
        part.run("campaign orders confirmed (fee deducted)", order)


def _refundable(c: Context, merchant_id: str) -> Money:
    found = refunds.holdings(c, merchant_id=merchant_id)
    return found.refundable(in_force(c, as_of=c.now()))


def _leaver(part: _Part, merchant_ids: list[str]) -> str:
    """The first merchant with something to get back leaves: its refund goes through."""
    for merchant_id in merchant_ids:
        if part.read(partial(_refundable, merchant_id=merchant_id)).is_positive():
            return merchant_id
    return merchant_ids[0]


def _close_and_apply(part: _Part, merchant_id: str) -> None:
    def close(c: Context) -> None:
        catalog.update_merchant(c, merchant_id=merchant_id, data=MerchantUpdate(status="closing"))

    part.run("stores closing", close)
    refundable = part.read(partial(_refundable, merchant_id=merchant_id))
    if refundable.is_positive():
        account = f"alipay:{merchant_id}@example.com"
        apply = partial(
            refunds.apply, merchant_id=merchant_id, payout_account=account, amount=refundable
        )
        part.run("refunds applied for", apply)


def _pending_refunds(c: Context) -> list[int]:
    return list(c.session.scalars(select(RefundRow.id).where(RefundRow.status == "pending")))


def _approve(c: Context, refund_id: int) -> Any:
    return refunds.approve(c, refund_id=refund_id, key=f"demo:refund:{refund_id}")


def _approve_refunds(part: _Part) -> None:
    for refund_id in part.read(_pending_refunds):
        part.run("refunds approved and paid out", partial(_approve, refund_id=refund_id))


def _summary(part: _Part) -> dict[str, str]:
    statement = (
        select(DecisionRow.outcome, func.count())
        .where(DecisionRow.policy_family == "deposits")
        .group_by(DecisionRow.outcome)
    )
    decided: dict[str, int] = part.read(
        lambda c: {o: int(n) for o, n in c.session.execute(statement)}
    )
    rows = {f"deposits: {what}": str(n) for what, n in sorted(part.counts.items())}
    rows["deposits: governance cycles run"] = str(DAYS)
    for outcome in SHOWN_OUTCOMES:
        rows[f"deposits: decisions {outcome}"] = str(decided.get(outcome, 0))
    return rows
