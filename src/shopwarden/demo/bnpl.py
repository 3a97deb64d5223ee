"""The BNPL part of ``shopwarden demo``: stores enable BNPL (or are refused), 1.0 stores are
upgraded, consumers buy now and pay later, and the daily cycle confirms and settles.

Deterministic for a seed: consumer ids decide credit and debits (``bad-`` and ``nopay-``
prefixes of the deterministic provider), and every choice comes from the demo's own RNG.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from shopwarden.bnpl import rules
from shopwarden.bnpl.fulfilment import Fulfilment
from shopwarden.bnpl.invoices import Invoices
from shopwarden.bnpl.orders import CONFIRMED, PLACED, SETTLED, SHIPPED, CheckoutRequest, Orders
from shopwarden.bnpl.policy import BnplPolicy
from shopwarden.bnpl.stores import Stores
from shopwarden.bnpl.tables import OrderRow, ProductFlagRow
from shopwarden.bootstrap import Container
from shopwarden.catalog.tables import MerchantRow
from shopwarden.errors import RuleRefused
from shopwarden.money import Money


@dataclass
class BnplDemo:
    container: Container
    seed: int
    merchant_ids: list[str]
    rng: random.Random = field(init=False)
    enabled: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    paused: str | None = None
    days: int = 0
    started: datetime | None = None

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed * 7 + 6)

    # -- start ---------------------------------------------------------------------------------
    def setup(self) -> None:
        """Two in three stores click "enable"; one in ten of the rest had BNPL 1.0."""
        c = self.container
        self.started = c.clock.now()
        policy = c.policies.in_force(rules.FAMILY, c.clock.now()).parameters_as(BnplPolicy)
        legacy: list[str] = []
        with c.db.transaction() as session:
            stores = Stores(session, c.clock, c.policies)
            for merchant_id in self.merchant_ids:
                roll = self.rng.random()
                if roll < 0.66:
                    try:
                        stores.enable(
                            merchant_id, agreement_version=policy.agreement_version, accepted=True
                        )
                    except RuleRefused:
                        self.counts["enable refused: wallet not upgraded"] += 1
                        continue
                    self.enabled.append(merchant_id)
                elif roll < 0.70:
                    stores.register_legacy(
                        merchant_id, enabled_at=c.clock.now() - timedelta(days=300)
                    )
                    legacy.append(merchant_id)
        with c.db.transaction() as session:
            upgraded = Stores(session, c.clock, c.policies).upgrade_legacy(legacy)
        self.enabled += [s.merchant_id for s in upgraded]
        self.counts["1.0 stores upgraded"] = len(upgraded)

    # -- every day ------------------------------------------------------------------------------
    def trade_one_day(self) -> None:
        """Orders at flagged products; shipments, confirmations, refunds; a pause and resume."""
        c = self.container
        self.days += 1
        with c.db.transaction() as session:
            orders = Orders(session, c.clock, c.policies)
            self._advance_orders(session, Fulfilment(session, c.clock, c.policies))
            self._place_orders(session, orders)
            self._pause_or_resume(session)

    def _place_orders(self, session: Session, orders: Orders) -> None:
        offered = session.execute(
            select(
                ProductFlagRow.merchant_id,
                ProductFlagRow.product_id,
                ProductFlagRow.highest_price_cents,
            )
            .where(ProductFlagRow.flagged.is_(True))
            .order_by(ProductFlagRow.product_id)
        ).all()
        by_store: dict[str, list[tuple[str, int]]] = {}
        for merchant_id, product_id, price in offered:
            by_store.setdefault(merchant_id, []).append((product_id, price or 1))
        for merchant_id in sorted(set(self.enabled)):
            if merchant_id not in by_store or self.rng.random() > 0.4:
                continue
            product_id, price = self.rng.choice(by_store[merchant_id])
            consumer = self._consumer()
            request = CheckoutRequest(merchant_id, product_id, consumer, Money(price))
            decided = orders.checkout(request)
            if not decided.offered:
                for reason in decided.reasons:
                    self.counts[f"not offered: {reason.code}"] += 1
                continue
            self.counts["orders placed"] += 1
            order = orders.place(f"bnpl-{self.days:03d}-{merchant_id}", request)
            self.counts["fees"] += order.fee_cents

    def _consumer(self) -> str:
        n = self.rng.randint(1, 5000)
        roll = self.rng.random()
        return f"bad-{n}" if roll < 0.05 else f"nopay-{n}" if roll < 0.10 else f"c{n}"

    def _advance_orders(self, session: Session, fulfilment: Fulfilment) -> None:
        open_orders = session.scalars(
            select(OrderRow)
            .where(OrderRow.status.in_([PLACED, SHIPPED, CONFIRMED, SETTLED]))
            .order_by(OrderRow.id)
        ).all()
        for order in open_orders:
            roll = self.rng.random()
            if roll < 0.005 and order.refunded_cents < order.amount_cents:
                fulfilment.refund(order.id)  # after-sales as usual; the fee stays (BNPL-6)
                self.counts["refunds"] += 1
            elif order.status == PLACED and roll < 0.9:
                fulfilment.ship(order.id)
            elif order.status == SHIPPED and roll < 0.3:
                fulfilment.confirm_receipt(order.id, by="consumer")

    def _pause_or_resume(self, session: Session) -> None:
        c = self.container
        stores = Stores(session, c.clock, c.policies)
        if self.days == 10 and self.enabled:
            self.paused = self.enabled[0]
            stores.pause(self.paused)
            self.counts["stores paused (day 10)"] += 1
        elif self.days == 20 and self.paused:
            stores.resume(self.paused)
            self.counts["stores resumed (day 20)"] += 1

    # -- the end -------------------------------------------------------------------------------
    def finish(self) -> dict[str, str]:
        """Ask for the first month's fee invoices, then sum up."""
        c = self.container
        month = rules.Month.of(self.started or c.clock.now())
        invoiced = 0
        with c.db.transaction() as session:
            for merchant_id in sorted(set(self.enabled)):
                try:
                    Invoices(session, c.clock, c.policies).request(merchant_id, str(month))
                    invoiced += 1
                except RuleRefused as refused:
                    reason = (
                        "month not over"
                        if "once the natural month" in refused.detail
                        else "no fees"
                    )
                    self.counts[f"invoices for {month} refused: {reason}"] += 1
            return dict(self._rows(session, month, invoiced))

    def _rows(self, session: Session, month: rules.Month, invoiced: int) -> list[tuple[str, str]]:
        def total(where: ColumnElement[bool]) -> tuple[int, int]:
            amount = func.coalesce(func.sum(OrderRow.amount_cents), 0)
            row = session.execute(select(func.count(), amount).where(where)).one()
            return int(row[0]), int(row[1])

        flagged = session.scalar(select(func.count()).where(ProductFlagRow.flagged.is_(True))) or 0
        products = session.scalar(select(func.count()).select_from(ProductFlagRow)) or 0
        settled = total(OrderRow.settled_at.is_not(None))
        failed = session.execute(
            select(func.count(), func.coalesce(func.sum(OrderRow.claim_cents), 0)).where(
                OrderRow.debit_status == "failed"
            )
        ).one()
        wallets = session.scalar(
            select(func.count())
            .select_from(MerchantRow)
            .where(MerchantRow.wallet_upgraded.is_(True))
        )
        upgraded = self.counts["1.0 stores upgraded"]
        rows = [
            (
                "BNPL stores on 2.0: enabled + upgraded from 1.0",
                f"{len(set(self.enabled)) - upgraded} + {upgraded} ({wallets} wallets upgraded)",
            ),
            *(
                (f"BNPL {what}", str(n))
                for what, n in sorted(self.counts.items())
                if what not in ("fees", "1.0 stores upgraded")
            ),
            ("BNPL products flagged / decided", f"{flagged} / {products}"),
            ("BNPL fees charged (1 %, never refunded)", Money(self.counts["fees"]).to_text()),
            (
                "BNPL debits failed: platform claims on consumers",
                f"{failed[0]} ({Money(int(failed[1]))})",
            ),
            ("BNPL orders settled", f"{settled[0]} ({Money(settled[1])})"),
            (f"BNPL invoices issued for {month}", str(invoiced)),
        ]
        return rows
