"""Rights changes racing on PostgreSQL (TRUST-2): two requests about one product decide its
badge one after the other, so the badge always matches the rights it is left with."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pytest

from shopwarden.catalog import service as catalog
from shopwarden.catalog.schemas import ProductCreate
from shopwarden.clock import SimulatedClock
from shopwarden.trust import rights
from shopwarden.trust.tables import TrustProductRow, TrustRightRow, TrustStandingRow
from tests.api.conftest import make_container
from tests.trust.conftest import REQUIRED

pytestmark = [pytest.mark.postgres]


def race(calls: list[Callable[[], object]]) -> None:
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], object]) -> object:
        start.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        list(pool.map(run, calls))


@pytest.mark.rule("TRUST-2")
def test_enabling_the_last_right_while_another_is_disabled(
    postgres_url: str, tmp_path: Path
) -> None:
    clock = SimulatedClock(datetime.fromisoformat("2024-03-08T09:00:00+08:00"))
    container = make_container(postgres_url, tmp_path, clock)
    with container.unit_of_work() as ctx:
        data = ProductCreate.model_validate(
            {
                "id": "p1",
                "merchant_id": "m1",
                "title": "防摔手机壳",
                "category": "mobile_phones",
                "skus": [{"sku_id": "s1", "price": "9.00"}],
            }
        )
        catalog.create_product(ctx, data=data)
        ctx.session.add(
            TrustStandingRow(
                merchant_id="m1",
                identity="goods_owner",
                met=True,
                thresholds=[
                    {
                        "code": "paid_orders",
                        "measure": "paid_orders",
                        "value": "100",
                        "basis": "",
                        "op": ">=",
                        "target": "100",
                        "met": True,
                        "gap": None,
                        "window": None,
                    }
                ],
                policy_version="2023-02-27",
                as_of=ctx.now(),
                measured_at=ctx.now(),
            )
        )

    def switch(**changes: bool) -> Callable[[], object]:
        def call() -> object:
            with container.unit_of_work() as ctx:
                return rights.set_rights(ctx, product_id="p1", rights=changes, actor="test")

        return call

    for _ in range(8):
        switch(**dict.fromkeys(REQUIRED[:-1], True), **{REQUIRED[-1]: False})()
        race([switch(**{REQUIRED[-1]: True}), switch(**{REQUIRED[0]: False})])
        with container.unit_of_work() as ctx:
            enabled = {r.right_code for r in ctx.session.query(TrustRightRow) if r.enabled}
            holds = ctx.session.get(TrustProductRow, "p1").holds  # type: ignore[union-attr]
        assert REQUIRED[0] not in enabled and REQUIRED[-1] in enabled
        assert holds is False
    container.close()
