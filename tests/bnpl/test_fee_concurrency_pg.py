"""Concurrent BNPL fee charges on PostgreSQL never take a wallet below zero (BNPL-6, DEP-15)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from shopwarden.bnpl.orders import NotOffered
from shopwarden.catalog.service import sync_categories
from shopwarden.catalog.tree import load_tree
from shopwarden.clock import SimulatedClock
from shopwarden.db.engine import Database
from shopwarden.families import PLATFORM_ACCOUNTS, POLICY_SCHEMAS
from shopwarden.ledger.accounts import ensure_platform_accounts
from shopwarden.ledger.verify import verify_ledger
from shopwarden.policy.store import PolicyStore
from tests.bnpl.conftest import World

pytestmark = [pytest.mark.postgres, pytest.mark.rule("BNPL-6")]
ORDERS = 24


@pytest.fixture
def pg_world(postgres_url: str, clock: SimulatedClock) -> Iterator[World]:
    database = Database(postgres_url, pool_size=ORDERS)
    with database.transaction() as session:
        sync_categories(session, load_tree())
        ensure_platform_accounts(session, clock, PLATFORM_ACCOUNTS)
    yield World(database, clock, PolicyStore.load(schemas=POLICY_SCHEMAS))
    database.dispose()


def test_concurrent_fee_charges_never_overdraw_the_wallet(pg_world: World) -> None:
    pg_world.merchant("m1", wallet="5.00")
    pg_world.enable("m1")
    pg_world.product("p1", "m1", "100.00")
    start = threading.Barrier(ORDERS)

    def place(n: int) -> str:
        start.wait()
        try:
            pg_world.place(f"o{n:02d}", "m1", "p1", "100.00")  # fee 1.00 each
        except NotOffered as refused:
            assert refused.rule == "BNPL-6"
            return "refused"
        return "placed"

    with ThreadPoolExecutor(ORDERS) as pool:
        outcomes = list(pool.map(place, range(ORDERS)))
    assert outcomes.count("placed") == 5
    assert pg_world.balance("merchant:m1:wallet") == "0.00"
    assert pg_world.balance("platform:bnpl_fee_revenue") == "5.00"
    with pg_world.tx() as session:
        assert verify_ledger(session) == []
