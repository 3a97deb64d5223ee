"""The API of tests/api on each backend, and what the trust tests share: products, order
facts ingested, the cycle at an instant, rights switched."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from shopwarden.facts.ingest import ingest_file
from shopwarden.facts.storage import facts_dir
from tests.api import conftest as api_conftest
from tests.api.conftest import Api
from tests.trust.orders import Batch, write_orders

api = api_conftest.api  # the fixture of tests/api, for the tests of this folder too

REQUIRED = (
    "seven_day_return",
    "return_shipping_insurance",
    "counterfeit_compensation",
    "shipping_time_guarantee",
)
CYCLE_AT = "2024-03-08T00:00:00+08:00"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def product(
    api: Api, product_id: str, *, merchant_id: str = "m1", title: str, origin: str = "self_built"
) -> None:
    body = {
        "id": product_id,
        "merchant_id": merchant_id,
        "title": title,
        "category": "mobile_phones",
        "origin": origin,
        "listed": True,
        "skus": [{"sku_id": "s1", "price": "99.00"}],
    }
    response = api.client.post("/v1/products", json=body, headers=api.operator)
    assert response.status_code == 201, response.text


def ingest(api: Api, tmp_path: Path, batches: list[Batch], name: str = "orders") -> None:
    path = write_orders(tmp_path / f"{name}.csv", batches)
    report = ingest_file(
        api.container.unit_of_work, root=facts_dir(api.container.settings.home), path=path
    )
    assert report.quarantined == 0, report.as_dict()


def cycle(api: Api, when: str = CYCLE_AT) -> dict[str, Any]:
    """Run the cycle at ``when``; the trust step's report."""
    api.clock.advance_to(at(when))
    response = api.client.post("/v1/cycle/runs", json={"as_of": when}, headers=api.operator)
    assert response.status_code == 200, response.text
    (step,) = [s for s in response.json()["steps"] if s["step"] == "trust-badges"]
    return dict(step)


def switch(api: Api, product_id: str, token: dict[str, str], **rights: bool) -> Any:
    return api.client.put(
        f"/v1/trust/products/{product_id}/rights", json={"rights": rights}, headers=token
    )


def marketplace(api: Api, tmp_path: Path, *, owner_orders: int = 100) -> None:
    """m1 sells its own phone case (货主, good orders) and promotes earphones (带货, too few
    orders and a complaint); m2 sells a case of its own."""
    product(api, "p1", title="防摔手机壳 iPhone 15")
    product(api, "p2", title="蓝牙耳机 Pro", origin="distributed")
    product(api, "p9", merchant_id="m2", title="透明手机壳")
    ingest(
        api,
        tmp_path,
        [Batch("m1", "p1", owner_orders), Batch("m1", "p2", 10, complaints=1)],
    )
