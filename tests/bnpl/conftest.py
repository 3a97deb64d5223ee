"""A BNPL world on a real database (SQLite and PostgreSQL): categories, platform accounts,
the bundled policies, and helpers that read like a merchant's day."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from shopwarden.api.app import create_app
from shopwarden.bnpl import flags, orders, stores
from shopwarden.bnpl.orders import CheckoutRequest
from shopwarden.catalog import service as catalog
from shopwarden.catalog.schemas import MerchantCreate, ProductCreate, SkuIn
from shopwarden.catalog.service import sync_categories
from shopwarden.catalog.tree import load_tree
from shopwarden.clock import SimulatedClock
from shopwarden.context import Context, Hooks
from shopwarden.db.engine import Database
from shopwarden.families import PLATFORM_ACCOUNTS, POLICY_SCHEMAS
from shopwarden.ledger.accounts import ensure_platform_accounts
from shopwarden.ledger.model import merchant_account_code, platform_account_code, transfer
from shopwarden.ledger.service import Ledger
from shopwarden.money import Money
from shopwarden.policy.store import PolicyStore
from tests.api.conftest import Api, bearer, make_container

AGREEMENT = "bnpl-service-agreement-2.0"
TREE = load_tree()
HOOKS = Hooks(product_changed=(flags.on_product_changed,))  # BNPL's listener: flags at once


@dataclass
class World:
    db: Database
    clock: SimulatedClock
    policies: PolicyStore

    @contextmanager
    def tx(self) -> Iterator[Session]:
        with self.db.transaction() as session:
            yield session

    @contextmanager
    def ctx(self, policies: PolicyStore | None = None) -> Iterator[Context]:
        """One unit of work, as the composition root makes it (with ``policies`` instead)."""
        with self.db.transaction() as session:
            yield Context(session, self.clock, policies or self.policies, TREE, HOOKS)

    def at(self, instant: str) -> datetime:
        moment = datetime.fromisoformat(instant)
        self.clock.advance_to(moment)
        return self.clock.now()

    def merchant(self, merchant_id: str, *, upgraded: bool = True, wallet: str = "0.00") -> None:
        with self.ctx() as ctx:
            catalog.create_merchant(
                ctx,
                data=MerchantCreate(
                    id=merchant_id, name=f"Store {merchant_id}", wallet_upgraded=upgraded
                ),
            )
            if Money.parse(wallet).is_positive():
                self.pay_in(merchant_id, wallet, session=ctx.session)

    def pay_in(self, merchant_id: str, amount: str, *, session: Session | None = None) -> None:
        request = transfer(
            platform_account_code("bank"),
            merchant_account_code(merchant_id, "wallet"),
            Money.parse(amount),
            "paid in",
        )
        if session is not None:
            Ledger(session, self.clock).post(request)
            return
        with self.tx() as own:
            Ledger(own, self.clock).post(request)

    def product(
        self,
        product_id: str,
        merchant_id: str,
        *prices: str,
        category: str = "mobile_phones",
        listed: bool = True,
        origin: str = "self_built",
    ) -> None:
        skus = [
            SkuIn(sku_id=f"s{i}", price=Money.parse(p)) for i, p in enumerate(prices or ["100.00"])
        ]
        with self.ctx() as ctx:
            catalog.create_product(
                ctx,
                data=ProductCreate(
                    id=product_id,
                    merchant_id=merchant_id,
                    title=product_id,
                    category=category,
                    origin=origin,  # type: ignore[arg-type]
                    listed=listed,
                    skus=skus,
                ),
            )

    def enable(self, merchant_id: str) -> None:
        with self.ctx() as ctx:
            stores.enable(ctx, merchant_id=merchant_id, agreement_version=AGREEMENT, accepted=True)

    def place(
        self, order_id: str, merchant_id: str, product_id: str, amount: str, consumer: str = "c1"
    ) -> None:
        with self.ctx() as ctx:
            orders.place(
                ctx,
                order_id=order_id,
                request=CheckoutRequest(merchant_id, product_id, consumer, Money.parse(amount)),
            )

    def balance(self, code: str) -> str:
        with self.tx() as session:
            return Money(Ledger(session, self.clock).balance(code).posted).to_text()


@pytest.fixture
def api(database_url: str, tmp_path: Path, clock: SimulatedClock) -> Iterator[Api]:
    """The HTTP API over a real database, with tokens for an operator, m1 and m2."""
    container = make_container(database_url, tmp_path, clock)
    with TestClient(create_app(container)) as client:
        yield Api(
            client,
            container,
            clock,
            bearer(container, "operator"),
            bearer(container, "merchant", "m1"),
            bearer(container, "merchant", "m2"),
        )
    container.close()


@pytest.fixture
def world(db: Database, clock: SimulatedClock) -> World:
    with db.transaction() as session:
        sync_categories(session, load_tree())
        ensure_platform_accounts(session, clock, PLATFORM_ACCOUNTS)
    return World(db, clock, PolicyStore.load(schemas=POLICY_SCHEMAS))
