"""What changed against the version before (POL-4), in the terms of the policy text."""

from __future__ import annotations

import pytest

from shopwarden.families import POLICY_SCHEMAS
from shopwarden.policy.diff import Change, diff_versions
from shopwarden.policy.loader import BUNDLED_DIR, parse_policy
from shopwarden.policy.store import PolicyStore


@pytest.fixture(scope="module")
def store() -> PolicyStore:
    return PolicyStore.load(schemas=POLICY_SCHEMAS)


@pytest.mark.rule("POL-4")
@pytest.mark.rule("SCORE-3")
def test_the_score_revision_of_2023_12_changed_the_band_mapping(store):
    after = store.get("score", "2023-12-15")
    before = store.previous(after)
    assert before is not None
    changes = diff_versions(before, after)
    assert changes == [
        Change(
            "parameters.bands[1].mapping",
            "changed",
            [["4.5", "4.5"], ["4.85", "4.7"]],
            [["4.5", "4.5"], ["4.85", "4.85"]],
        ),
        Change(
            "parameters.bands[2].mapping",
            "changed",
            [["4.85", "4.7"], ["5", "5"]],
            [["4.85", "4.85"], ["5", "5"]],
        ),
    ]


@pytest.mark.rule("POL-4")
@pytest.mark.rule("VIO-3")
@pytest.mark.rule("VIO-4")
def test_the_violations_revision_added_mute_and_reduced_recommendation(store):
    after = store.get("violations", "2023-02-16")
    changes = {c.path: c for c in diff_versions(store.previous(after), after)}
    assert changes["parameters.measures.mute.forbids"] == Change(
        "parameters.measures.mute.forbids", "added", None, ["private_message"]
    )
    assert changes["parameters.measures.reduced_recommendation.exposure_factor"].after == "0.5"
    assert changes["rules"].change == "changed"
    assert all(c.change in {"added", "changed"} for c in changes.values())


def test_a_first_version_is_all_added_and_a_removed_key_is_reported(store):
    first = store.get("reports", "2023-01-01")
    assert [(c.path, c.change) for c in diff_versions(None, first)] == [
        ("title", "added"),
        ("rules", "added"),
        ("effective_until", "added"),
        ("parameters.measures", "added"),
        ("parameters.big_session_gmv_inclusive", "added"),
        ("parameters.max_campaign_days", "added"),
    ]
    text = (BUNDLED_DIR / "deposits" / "2023-01-01.yaml").read_text(encoding="utf-8")
    before = parse_policy(text, schemas=POLICY_SCHEMAS, origin="before.yaml")
    after = parse_policy(
        text.replace('      collectibles: "10000.00"\n', "").replace('"3d"', '"4d"'),
        origin="after.yaml",
        schemas=POLICY_SCHEMAS,
    )
    assert diff_versions(before, after) == [
        Change("parameters.consumer_protection.badges_revoked_after", "changed", "3d", "4d"),
        Change(
            "parameters.consumer_protection.category_requirements.collectibles",
            "removed",
            "10000.00",
            None,
        ),
    ]
