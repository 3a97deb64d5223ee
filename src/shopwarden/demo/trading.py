"""The demo's own marketplace: seeding merchants and products, and each day's trading.

Set-based where the ledger allows it: the opening balances and each day's sales proceeds and
fees go through :meth:`Ledger.post_batch` (one call each, a fixed number of statements), so
the demo spends its time on governance, not on one ledger call per transfer. The random
draws happen in the same order as when every transfer was posted on its own, so a seed still
gives the same marketplace.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from shopwarden.bootstrap import Container
from shopwarden.catalog import service as catalog
from shopwarden.catalog.schemas import MerchantCreate, ProductCreate, SkuIn
from shopwarden.ledger.model import (
    HoldRequest,
    TransferRequest,
    merchant_account_code,
    platform_account_code,
    transfer,
)
from shopwarden.ledger.service import Ledger
from shopwarden.ledger.tables import AccountRow
from shopwarden.money import Money

NAMES = ["Tea", "Silk", "Jade", "Panda", "Lotus", "Bamboo", "Dragon", "Harbor", "Maple", "Cloud"]
KINDS = ["Store", "Shop", "Studio", "Goods", "Market", "House"]
PRICES = [990, 1990, 4990, 9900, 19900, 49900, 50000, 50001, 129900]


@dataclass
class Tally:
    """What the trading did, for the demo's summary."""

    merchants: int = 0
    products: int = 0
    holds_posted: int = 0
    holds_voided: int = 0
    refused: int = 0


@dataclass(frozen=True)
class _Hold:
    merchant_id: str
    amount: Money
    post_half: bool


def seed_catalog(
    container: Container,
    rng: random.Random,
    count: int,
    leaves: list[str],
    tally: Tally,
    advance: Callable[[], object],
) -> list[str]:
    """``count`` merchants with 2..12 products each, and their opening balances (one batch)."""
    ids: list[str] = []
    openings: list[TransferRequest] = []
    with container.unit_of_work() as ctx:
        for n in range(1, count + 1):
            merchant_id = f"m{n:05d}"
            name = f"{rng.choice(NAMES)} {rng.choice(KINDS)} {n}"
            upgraded = rng.random() < 0.7
            catalog.create_merchant(
                ctx, data=MerchantCreate(id=merchant_id, name=name, wallet_upgraded=upgraded)
            )
            products = [
                _product(rng, merchant_id, name, p, leaves) for p in range(rng.randint(2, 12))
            ]
            for product in products:
                catalog.create_product(ctx, data=product)
            tally.products += len(products)
            openings.append(
                transfer(
                    platform_account_code("bank"),
                    merchant_account_code(merchant_id, "wallet"),
                    Money(rng.randint(50_000, 2_000_000)),
                    "opening balance paid in",
                    idempotency_key=f"demo:opening:{merchant_id}",
                )
            )
            ids.append(merchant_id)
            tally.merchants += 1
            advance()
        ctx.ledger.post_batch(openings)
    return ids


def _product(
    rng: random.Random, merchant_id: str, name: str, p: int, leaves: list[str]
) -> ProductCreate:
    price = rng.choice(PRICES)
    return ProductCreate(
        id=f"{merchant_id}-p{p:03d}",
        merchant_id=merchant_id,
        title=f"{name} item {p}",
        category=rng.choice(leaves),
        origin="distributed" if rng.random() < 0.2 else "self_built",
        listed=rng.random() < 0.85,
        promised_shipping_hours=rng.choice([24, 48, 72, None]),
        flash_purchase=rng.random() < 0.05,
        skus=[SkuIn(sku_id="default", price=Money(price))],
    )


def trade_one_day(container: Container, rng: random.Random, ids: list[str], tally: Tally) -> None:
    """Sales proceeds in, a platform fee out (one batch), and refund holds posted or voided.

    A refund hold is refused when the wallet's available money (before the day, plus the
    day's sales, less its fee) does not cover it: each wallet is touched by its own
    merchant's movements only, so that is what posting one transfer at a time would find.
    """
    day = container.clock.now().date().isoformat()
    with container.db.transaction() as session:
        ledger = Ledger(session, container.clock)
        available = _available(session, ids)
        movements: list[TransferRequest] = []
        holds: list[_Hold] = []
        for merchant_id in ids:
            wallet = merchant_account_code(merchant_id, "wallet")
            sales = Money(rng.randint(0, 500_000))
            if sales.is_positive():
                movements.append(_sales(wallet, sales, f"demo:sales:{merchant_id}:{day}"))
            fee = sales.cents // 50 if sales.cents >= 50 else 0
            if fee:
                movements.append(_fee(wallet, Money(fee), f"demo:fee:{merchant_id}:{day}"))
            if rng.random() < 0.1:
                amount = Money(rng.randint(1_000, 200_000))
                if available.get(wallet, 0) + sales.cents - fee < amount.cents:
                    tally.refused += 1
                    continue
                holds.append(_Hold(merchant_id, amount, rng.random() < 0.5))
        ledger.post_batch(movements)
        for hold in holds:
            _refund_hold(ledger, hold, day, tally)


def _available(session: object, ids: list[str]) -> dict[str, int]:
    """Every demo wallet's available money (posted less reserved), read in one query."""
    codes = [merchant_account_code(m, "wallet") for m in ids]
    statement = select(AccountRow.code, AccountRow.posted - AccountRow.pending_out).where(
        AccountRow.code.in_(codes)
    )
    return {code: int(value) for code, value in session.execute(statement)}  # type: ignore[attr-defined]


def _sales(wallet: str, amount: Money, key: str) -> TransferRequest:
    bank = platform_account_code("bank")
    return transfer(bank, wallet, amount, "sales proceeds settled", idempotency_key=key)


def _fee(wallet: str, amount: Money, key: str) -> TransferRequest:
    revenue = platform_account_code("fee_revenue")
    return transfer(wallet, revenue, amount, "technical service fee", idempotency_key=key)


def _refund_hold(ledger: Ledger, hold: _Hold, day: str, tally: Tally) -> None:
    wallet = merchant_account_code(hold.merchant_id, "wallet")
    placed = ledger.hold(
        HoldRequest(
            wallet,
            platform_account_code("bank"),
            hold.amount,
            "refund reserved during after-sales",
            idempotency_key=f"demo:hold:{hold.merchant_id}:{day}",
        )
    )
    if hold.post_half:
        ledger.post_hold(placed.id, amount=Money(hold.amount.cents // 2))
        tally.holds_posted += 1
    else:
        ledger.void_hold(placed.id)
        tally.holds_voided += 1
