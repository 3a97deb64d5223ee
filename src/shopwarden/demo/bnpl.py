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

from shopwarden.bnpl import fulfilment, invoices, orders, rules, stores
from shopwarden.bnpl.invoice_rules import Month
from shopwarden.bnpl.orders import CONFIRMED, PLACED, SETTLED, SHIPPED, CheckoutRequest
from shopwarden.bnpl.policy import BnplPolicy
from shopwarden.bnpl.tables import OrderRow, ProductFlagRow
from shopwarden.bootstrap import Container
from shopwarden.catalog.tables import MerchantRow
from shopwarden.context import Context
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
        legacy: list[str] = []
        with c.unit_of_work() as ctx:
            policy = ctx.policy(rules.FAMILY, BnplPolicy, ctx.now()).parameters
            for merchant_id in self.merchant_ids:
                roll = self.rng.random()
                if roll < 0.66:
                    try:
                        stores.enable(
                            ctx,
                            merchant_id=merchant_id,
                            agreement_version=policy.agreement_version,
                            accepted=True,
                        )
                    except RuleRefused:
                        self.counts["enable refused: wallet not upgraded"] += 1
                        continue
                    self.enabled.append(merchant_id)
                elif roll < 0.70:
                    stores.register_legacy(
                        ctx, merchant_id=merchant_id, enabled_at=ctx.now() - timedelta(days=300)
                    )
                    legacy.append(merchant_id)
        with c.unit_of_work() as ctx:
            upgraded = stores.upgrade_legacy(ctx, merchant_ids=legacy)
        self.enabled += [s.merchant_id for s in upgraded]
        self.counts["1.0 stores upgraded"] = len(upgraded)

    # -- every day ------------------------------------------------------------------------------
    def trade_one_day(self) -> None:
        """Orders at flagged products; shipments, confirmations, refunds; a pause and resume."""
        self.days += 1
        with self.container.unit_of_work() as ctx:
            self._advance_orders(ctx)
            self._place_orders(ctx)
            self._pause_or_resume(ctx)

    def _place_orders(self, ctx: Context) -> None:
        offered = ctx.session.execute(
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
            decided = orders.checkout(ctx, request=request)
            if not decided.offered:
                for reason in decided.reasons:
                    self.counts[f"not offered: {reason.code}"] += 1
                continue
            self.counts["orders placed"] += 1
            order = orders.place(
                ctx, order_id=f"bnpl-{self.days:03d}-{merchant_id}", request=request
            )
            self.counts["fees"] += order.fee_cents

    def _consumer(self) -> str:
        n = self.rng.randint(1, 5000)
        roll = self.rng.random()
        return f"bad-{n}" if roll < 0.05 else f"nopay-{n}" if roll < 0.10 else f"c{n}"

    def _advance_orders(self, ctx: Context) -> None:
        open_orders = ctx.session.scalars(
            select(OrderRow)
            .where(OrderRow.status.in_([PLACED, SHIPPED, CONFIRMED, SETTLED]))
            .order_by(OrderRow.id)
        ).all()
        for order in open_orders:
            roll = self.rng.random()
            if roll < 0.005 and order.refunded_cents < order.amount_cents:
                fulfilment.refund(
                    ctx, order_id=order.id
                )  # after-sales as usual; the fee stays (BNPL-6)
                self.counts["refunds"] += 1
            elif order.status == PLACED and roll < 0.9:
                fulfilment.ship(ctx, order_id=order.id)
            elif order.status == SHIPPED and roll < 0.3:
                fulfilment.confirm_receipt(ctx, order_id=order.id, by="consumer")

    def _pause_or_resume(self, ctx: Context) -> None:
        if self.days == 10 and self.enabled:
            self.paused = self.enabled[0]
            stores.pause(ctx, merchant_id=self.paused)
            self.counts["stores paused (day 10)"] += 1
        elif self.days == 20 and self.paused:
            stores.resume(ctx, merchant_id=self.paused)
            self.counts["stores resumed (day 20)"] += 1

    # -- the end -------------------------------------------------------------------------------
    def finish(self) -> dict[str, str]:
        """Ask for the first month's fee invoices, then sum up."""
        c = self.container
        month = Month.of(self.started or c.clock.now())
        invoiced = 0
        with c.unit_of_work() as ctx:
            for merchant_id in sorted(set(self.enabled)):
                try:
                    invoices.request_invoice(ctx, merchant_id=merchant_id, month=str(month))
                    invoiced += 1
                except RuleRefused as refused:
                    reason = (
                        "month not over"
                        if "once the natural month" in refused.detail
                        else "no fees"
                    )
                    self.counts[f"invoices for {month} refused: {reason}"] += 1
            return dict(self._rows(ctx, month, invoiced))

    def _rows(self, ctx: Context, month: Month, invoiced: int) -> list[tuple[str, str]]:
        session = ctx.session

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
