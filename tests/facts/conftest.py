"""A workspace (SQLite in a temporary folder) with merchants m1 and m2 and m1's product."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from shopwarden.bootstrap import Container, bootstrap
from shopwarden.catalog import service as catalog
from shopwarden.catalog.schemas import MerchantCreate, ProductCreate, SkuIn
from shopwarden.clock import SimulatedClock
from shopwarden.money import Money
from shopwarden.settings import Settings


@pytest.fixture
def workspace(tmp_path: Path, sqlite_template: Path) -> Iterator[Container]:
    """An empty catalog: a facts-only workspace (its database copied from the migrated one)."""
    clock = SimulatedClock(datetime.fromisoformat("2024-04-01T09:00:00+08:00"))
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(sqlite_template, home / "shopwarden.db")
    container = bootstrap(Settings(home=home), clock=clock)
    yield container
    container.close()


@pytest.fixture
def catalog_workspace(workspace: Container) -> Container:
    with workspace.unit_of_work() as ctx:
        for merchant_id in ("m1", "m2"):
            data = MerchantCreate(id=merchant_id, name=f"Store {merchant_id}")
            catalog.create_merchant(ctx, data=data)
        catalog.create_product(
            ctx,
            data=ProductCreate(
                id="m1-p1",
                merchant_id="m1",
                title="Tea",
                category=workspace.categories.categories[-1].code,
                skus=[SkuIn(sku_id="default", price=Money(9900))],
            ),
        )
    return workspace
