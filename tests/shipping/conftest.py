"""The API of tests/api on each backend, and what the shipping tests share: facts for a week,
the cycle at an instant, an overdue shipment reported, money in a wallet."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from shopwarden.facts.ingest import ingest_file
from shopwarden.facts.storage import facts_dir
from tests.api import conftest as api_conftest
from tests.api.conftest import Api
from tests.shipping.weekly_facts import WeekSpec, write_week

api = api_conftest.api  # the fixture of tests/api, for the tests of this folder too

MEASURED = date(2024, 3, 4)  # Monday: the week measured
EXEMPT = date(2024, 3, 11)  # Monday: the week its exemption is for
NEXT = date(2024, 3, 18)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def ingest_week(api: Api, tmp_path: Path, specs: list[WeekSpec], week: date = MEASURED) -> None:
    path = write_week(tmp_path / f"week-{week}-{specs[0].merchant_id}.parquet", specs, week)
    report = ingest_file(
        api.container.unit_of_work, root=facts_dir(api.container.settings.home), path=path
    )
    assert report.quarantined == 0, report.as_dict()


def cycle(api: Api, when: str) -> dict[str, dict[str, Any]]:
    """Run the cycle at ``when``; the shipping steps' reports by step name."""
    api.clock.advance_to(at(when))
    response = api.client.post("/v1/cycle/runs", json={"as_of": when}, headers=api.operator)
    assert response.status_code == 200, response.text
    return {s["step"]: s for s in response.json()["steps"] if s["step"].startswith("shipping-")}


def report(
    api: Api, order_id: str, *, paid: str, hours: int = 48, merchant_id: str = "m1", **extra: Any
) -> Any:
    body = {
        "order_id": order_id,
        "merchant_id": merchant_id,
        "paid_at": paid,
        "promised_shipping_hours": hours,
        **extra,
    }
    return api.client.post(
        "/v1/shipping/overdue-shipments",
        json=body,
        headers={**api.operator, "Idempotency-Key": f"overdue-{order_id}"},
    )


def fund(api: Api, merchant_id: str, amount: str, key: str) -> None:
    response = api.client.post(
        "/v1/ledger/transactions",
        json={
            "debit": "platform:bank",
            "credit": f"merchant:{merchant_id}:wallet",
            "amount": amount,
            "description": "paid in",
        },
        headers={**api.operator, "Idempotency-Key": key},
    )
    assert response.status_code == 201, response.text


def balances(api: Api) -> dict[str, str]:
    accounts = api.client.get("/v1/ledger/accounts", headers=api.operator).json()
    return {a["code"]: a["posted"] for a in accounts}
