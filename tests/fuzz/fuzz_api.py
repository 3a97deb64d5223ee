"""Schemathesis against the ASGI app, with one role's token (run it through ``run.py``).

Not collected by the everyday suite (the name does not start with ``test_``): ``run.py``
creates a fresh PostgreSQL database and runs this module once per role, with
``SHOPWARDEN_FUZZ_DATABASE_URL``, ``SHOPWARDEN_FUZZ_ROLE`` (``operator`` or ``merchant``),
``SHOPWARDEN_FUZZ_EXAMPLES`` and ``SHOPWARDEN_FUZZ_SEED``. The app is migrated and seeded with a
couple of merchants, a product and money in a wallet, so generated requests reach real rows
(the operation examples of the OpenAPI document name them: ``m1``, ``p1``, ``apparel``).

Every operation is tested in the examples, coverage and fuzzing phases with every default check
of schemathesis, and one of ours: a schema-valid request must not be refused by request
validation (a 422 listing ``errors`` without a ``rule``), since the document says what the
server accepts. A 422 from a rule of the rule book (``rule-refused``, ``insufficient-funds``,
an unknown category ...) is an answer, documented, not a schema mismatch.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from schemathesis import Case, CheckContext, Response

from shopwarden.api.app import create_app
from shopwarden.auth.service import create_token
from shopwarden.bootstrap import Container, bootstrap
from shopwarden.clock import SimulatedClock
from shopwarden.settings import Settings

ROLE = os.environ.get("SHOPWARDEN_FUZZ_ROLE", "operator")
EXAMPLES = int(os.environ.get("SHOPWARDEN_FUZZ_EXAMPLES", "20"))
SEED = int(os.environ.get("SHOPWARDEN_FUZZ_SEED", "20261201"))
NOW = datetime.fromisoformat("2024-03-01T09:00:00+08:00")


def _token(container: Container, role: str, merchant_id: str | None = None) -> str:
    with container.unit_of_work() as ctx:
        return create_token(ctx, role=role, merchant_id=merchant_id)


def _seed(app: Any, operator: str) -> None:
    """Two merchants, a listed product, money in m1's wallet: rows the examples name."""
    headers = {"Authorization": f"Bearer {operator}"}
    with TestClient(app) as client:
        calls: list[tuple[str, str, dict[str, Any], dict[str, str]]] = [
            (
                "POST",
                "/v1/merchants",
                {"id": "m1", "name": "Store m1", "wallet_upgraded": True},
                {},
            ),
            ("POST", "/v1/merchants", {"id": "m2", "name": "Store m2"}, {}),
            (
                "POST",
                "/v1/products",
                {
                    "id": "p1",
                    "merchant_id": "m1",
                    "title": "Summer dress",
                    "category": "womens_dresses",
                    "listed": True,
                    "skus": [{"sku_id": "sku1", "price": "199.00"}],
                },
                {},
            ),
            (
                "POST",
                "/v1/ledger/transactions",
                {
                    "debit": "platform:bank",
                    "credit": "merchant:m1:wallet",
                    "amount": "10000.00",
                    "description": "seed: a wallet to pay from",
                },
                {"Idempotency-Key": "seed-wallet-m1"},
            ),
        ]
        for method, path, body, extra in calls:
            answer = client.request(method, path, json=body, headers={**headers, **extra})
            assert answer.status_code in (200, 201), (path, answer.status_code, answer.text)


def _app() -> tuple[Any, str]:
    url = os.environ["SHOPWARDEN_FUZZ_DATABASE_URL"]
    home = Path(tempfile.mkdtemp(prefix="shopwarden-fuzz-"))
    container = bootstrap(Settings(home=home, database_url=url), clock=SimulatedClock(NOW))
    app = create_app(container)
    operator = _token(container, "operator")
    _seed(app, operator)
    token = operator if ROLE == "operator" else _token(container, "merchant", "m1")
    return app, token


INEXPRESSIBLE = (
    # rules across fields or values that a JSON schema cannot state; each is in the field's or
    # the model's description, and refused naming the field
    "sku_id values must be unique",  # unique by a property of the items
    "code must be ",  # an account code names its owner and purpose
    "is outside 1970-01-01",  # instants lie in [1970, 3000) UTC; format date-time has no bounds
)


@schemathesis.check
def request_validation_agrees(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A request the schema allows is not refused by the request's own validation."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict) or not body.get("errors") or body.get("rule"):
        return None
    if str(body.get("type", "")).endswith(":policy-invalid"):
        return None  # the policy inside the text body is checked against its family's model
    if any(rule in str(body.get("detail")) for rule in INEXPRESSIBLE):
        return None
    if body.get("errors"):
        raise AssertionError(f"schema-valid request refused by validation: {body.get('detail')}")
    return None


APP, TOKEN = _app()
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "request-timeout": 60,  # seconds; a busy CI machine is slow, not broken
        # NUL is refused at the edge in any string (PostgreSQL cannot store it), which a JSON
        # schema cannot say for every string; the edge's own tests cover it
        "generation": {"max-examples": EXAMPLES, "database": "none", "allow-x00": False},
        "auth": {"openapi": {"HTTPBearer": {"bearer": TOKEN}}},
        "checks": {
            # a rule of the rule book may refuse valid input (422 with its rule);
            # request_validation_agrees checks that validation itself does not
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "422"]
            },
        },
    }
)
APP.openapi()  # built once here: under load, building it inside the loader's request can time out
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=CONFIG)


@schema.parametrize()
def test_api(case: Case) -> None:
    case.call_and_validate(additional_checks=[request_validation_agrees])
