"""Policy refusals through the API: every problem in ``errors[]`` with its field path, line and
reason, and never a path on the server (issue 15)."""

from __future__ import annotations

import pytest

from shopwarden.policy.loader import BUNDLED_DIR
from tests.api.conftest import Api

YAML = {"Content-Type": "application/yaml"}


def publish(api: Api, text: str) -> dict[str, object]:
    response = api.client.post(
        "/v1/policies", content=text.encode(), headers={**api.operator, **YAML}
    )
    body: dict[str, object] = response.json()
    body["_status"] = response.status_code
    return body


def no_server_path(body: dict[str, object]) -> None:
    text = str(body)
    assert str(BUNDLED_DIR) not in text and "/tmp" not in text and "site-packages" not in text


@pytest.mark.rule("POL-2")
def test_every_problem_of_a_policy_is_listed_with_its_line(api: Api) -> None:
    text = (BUNDLED_DIR / "platform" / "2022-01-01.yaml").read_text(encoding="utf-8")
    broken = text.replace('version: "2022-01-01"', 'version: "2099-01-01"\nbogus: 1').replace(
        "family: platform", "family: platform\nalso_bogus: 2"
    )
    body = publish(api, broken)
    assert body["_status"] == 422 and body["type"] == "urn:shopwarden:problem:policy-invalid"
    errors = body["errors"]
    assert isinstance(errors, list) and len(errors) >= 2
    fields = {e["field"] for e in errors}
    assert {"bogus", "also_bogus"} <= fields
    for error in errors:
        assert isinstance(error["line"], int) and error["line"] >= 1 and error["reason"]
    no_server_path(body)


def test_a_file_that_is_not_yaml_names_its_line(api: Api) -> None:
    body = publish(api, "family: platform\nversion: [\n")
    assert body["_status"] == 422
    (error,) = body["errors"]  # type: ignore[misc]
    assert error["field"] == "file" and error["line"] == 3


@pytest.mark.rule("POL-2")
def test_publishing_a_bundled_version_again_shows_no_server_path(api: Api) -> None:
    text = (BUNDLED_DIR / "platform" / "2022-01-01.yaml").read_text(encoding="utf-8")
    body = publish(api, text)
    assert body["_status"] in (409, 422)
    assert "platform@2022-01-01" in str(body["detail"]) or "2022-01-01" in str(body["detail"])
    no_server_path(body)
