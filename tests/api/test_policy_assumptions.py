"""The API shows what the sources do not give, and takes an operator's replacement of an
assumed version (issue 10 item 5; policies.md)."""

from __future__ import annotations

import re

import pytest

from shopwarden.policy.loader import BUNDLED_DIR
from tests.api.conftest import Api

SCORE_NEW = (BUNDLED_DIR / "score" / "2023-12-15.yaml").read_text(encoding="utf-8")


def _replacement() -> str:
    text = re.sub(r"(?m)^version: .*$", 'version: "2023-06-01-operator"', SCORE_NEW)
    text = re.sub(r"(?m)^effective_from: .*$", 'effective_from: "2023-06-01T00:00:00+08:00"', text)
    return re.sub(r"(?m)^(source: .*)$", r'\1\nreplaces: "2023-06-01"', text)


@pytest.mark.rule("POL-4")
def test_a_version_shows_its_assumptions(api: Api) -> None:
    old = api.client.get("/v1/policies/score/2023-06-01", headers=api.m1).json()
    assert "not taken from the sources" in old["assumption"]
    assert {a["path"] for a in old["assumptions"]} >= {"parameters.bands", "effective_from"}
    new = api.client.get("/v1/policies/score/2023-12-15", headers=api.m1).json()
    assert new["assumption"] is None and new["replaces"] is None
    assert "parameters.consumers" in {a["path"] for a in new["assumptions"]}
    listed = api.client.get("/v1/policies", params={"family": "score"}, headers=api.m1).json()
    assert [(v["version"], v["assumption"] is not None, v["assumed_values"]) for v in listed] == [
        ("2023-06-01", True, 7),
        ("2023-12-15", False, 7),
    ]


@pytest.mark.rule("POL-2")
def test_an_operator_replaces_the_assumed_score_version(api: Api) -> None:
    headers = {**api.operator, "Content-Type": "application/yaml"}
    as_merchant = api.client.post("/v1/policies", content=_replacement(), headers=api.m1)
    assert as_merchant.status_code == 403
    published = api.client.post("/v1/policies", content=_replacement(), headers=headers)
    assert published.status_code == 201, published.text
    assert published.json()["replaces"] == "2023-06-01"
    in_force = api.client.get(
        "/v1/policies/score/in-force",
        params={"as_of": "2023-10-01T00:00:00+08:00"},
        headers=api.m1,
    ).json()
    assert in_force["version"] == "2023-06-01-operator"
    old = api.client.get("/v1/policies/score/2023-06-01", headers=api.m1).json()
    assert old["replaced_by"] == "2023-06-01-operator"
    listed = api.client.get("/v1/policies", params={"family": "score"}, headers=api.m1).json()
    assert [(v["version"], v["replaced_by"], v["in_force"]) for v in listed] == [
        ("2023-06-01", "2023-06-01-operator", False),
        ("2023-06-01-operator", None, False),
        ("2023-12-15", None, True),
    ]
    again = api.client.post("/v1/policies", content=_replacement(), headers=headers)
    assert again.status_code == 409
