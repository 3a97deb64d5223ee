"""The API of tests/api on each backend, with the hand-worked facts of hand_facts.py ingested
and the 2023 and 2024 editions of the campaign defined."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from shopwarden.facts.ingest import ingest_file
from shopwarden.facts.storage import facts_dir
from tests.api import conftest as api_conftest
from tests.api.conftest import Api
from tests.facts import conftest as facts_conftest
from tests.reports.hand_facts import write_files

api = api_conftest.api  # the fixture of tests/api, for the tests of this folder too
workspace = facts_conftest.workspace  # a facts-only workspace (SQLite), and one with m1, m2
catalog_workspace = facts_conftest.catalog_workspace

CAMPAIGN_2023 = {
    "id": "spring-2023",
    "name": "春节不打烊",
    "industry": "womens_clothing",
    "first_day": "2023-01-05",
    "last_day": "2023-01-21",
    "gmv_target": "900000.00",
}
CAMPAIGN_2024 = {
    "id": "spring-2024",
    "name": "春节不打烊",
    "industry": "womens_clothing",
    "first_day": "2024-01-13",
    "last_day": "2024-01-29",
    "gmv_target": "1600000.00",
    "segments": [{"name": "特色综合商圈", "categories": ["womens_coats"]}],
}


def create(api: Api, body: dict[str, Any]) -> Any:
    return api.client.post("/v1/reports/campaigns", json=body, headers=api.operator)


@pytest.fixture
def reported(api: Api, tmp_path: Path) -> Api:
    """Facts ingested (orders and live sessions), both editions defined."""
    root = facts_dir(api.container.settings.home)
    for path in write_files(tmp_path / "data"):
        report = ingest_file(api.container.unit_of_work, root=root, path=path)
        assert report.quarantined == 0, report.as_dict()
    for body in (CAMPAIGN_2023, CAMPAIGN_2024):
        response = create(api, body)
        assert response.status_code == 201, response.text
    return api
