"""An API over a real database on each backend, with tokens for an operator and two merchants."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shopwarden.api.app import create_app
from shopwarden.auth.service import create_token
from shopwarden.bootstrap import Container, bootstrap
from shopwarden.catalog import service as catalog
from shopwarden.catalog.schemas import MerchantCreate
from shopwarden.clock import SimulatedClock
from shopwarden.settings import Settings


@dataclass
class Api:
    client: TestClient
    container: Container
    clock: SimulatedClock
    operator: dict[str, str]
    m1: dict[str, str]
    m2: dict[str, str]


def make_container(database_url: str, home: Path, clock: SimulatedClock) -> Container:
    container = bootstrap(Settings(home=home, database_url=database_url), clock=clock)
    with container.unit_of_work() as ctx:
        for merchant_id in ("m1", "m2"):
            data = MerchantCreate(id=merchant_id, name=f"Store {merchant_id}")
            catalog.create_merchant(ctx, data=data)
    return container


def bearer(container: Container, role: str, merchant_id: str | None = None) -> dict[str, str]:
    with container.unit_of_work() as ctx:
        token = create_token(ctx, role=role, merchant_id=merchant_id)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api(database_url: str, tmp_path: Path, clock: SimulatedClock) -> Iterator[Api]:
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
