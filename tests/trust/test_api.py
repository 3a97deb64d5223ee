"""Trust purchase through the API on SQLite and PostgreSQL: the badge granted by the last
right, removed by a right or a missed threshold; look-up; the merchant view; who sees what."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.conftest import Api
from tests.trust.conftest import REQUIRED, cycle, marketplace, switch


@pytest.mark.rule("TRUST-2")
def test_the_last_required_right_grants_the_badge(api: Api, tmp_path: Path) -> None:
    marketplace(api, tmp_path)
    report = cycle(api)
    assert report["identities_measured"] == 3, report
    for code in REQUIRED[:-1]:
        answer = switch(api, "p1", api.m1, **{code: True})
        assert answer.status_code == 200, answer.text
        assert answer.json()["badge"] is False
    body = answer.json()
    assert [r["code"] for r in body["rights_missing"]] == [REQUIRED[-1]]
    assert body["thresholds_met"] is True, body
    answer = switch(api, "p1", api.m1, **{REQUIRED[-1]: True})
    assert answer.json()["badge"] is True, answer.json()
    assert answer.json()["rights_missing"] == []
    decisions = api.client.get(
        "/v1/decisions", params={"rule_id": "TRUST-2"}, headers=api.m1
    ).json()
    assert [d["outcome"] for d in decisions] == ["granted"]
    print(decisions[0]["explanation"])
