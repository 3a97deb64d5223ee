"""The policy book: which version is in force (POL-1), and how a new one gets in (POL-2, POL-4).

Publishing is tried at a fixed "now" on a store whose workspace is a temporary directory; the
file it writes is loaded again by a fresh store, as after a restart.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from shopwarden.clock import SHANGHAI
from shopwarden.errors import Conflict, NotFound, PolicyInvalid
from shopwarden.families import POLICY_SCHEMAS
from shopwarden.platform_policy import PlatformPolicy
from shopwarden.policy.loader import BUNDLED_DIR, parse_policy
from shopwarden.policy.model import PolicyVersion
from shopwarden.policy.store import PolicyStore
from shopwarden.scoring.policy import ScorePolicy

NOW = datetime(2024, 3, 1, 9, 0, tzinfo=SHANGHAI)
SCORE = (BUNDLED_DIR / "score" / "2023-12-15.yaml").read_text(encoding="utf-8")
PLATFORM = (BUNDLED_DIR / "platform" / "2022-01-01.yaml").read_text(encoding="utf-8")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def with_header(text: str, **fields: object) -> str:
    """The policy text with header lines replaced, e.g. ``effective_from=<datetime>``."""
    for key, value in fields.items():
        written = (
            "null"
            if value is None
            else f'"{value.isoformat() if isinstance(value, datetime) else value}"'
        )
        text, count = re.subn(rf"(?m)^{key}: .*$", f"{key}: {written}", text)
        assert count == 1, key
    return text


def score_text(version: str, effective_from: datetime, **fields: object) -> str:
    return with_header(SCORE, version=version, effective_from=effective_from, **fields)


def version_of(text: str, origin: str = "test.yaml") -> PolicyVersion:
    return parse_policy(text, schemas=POLICY_SCHEMAS, origin=origin)


@pytest.fixture
def store(tmp_path: Path) -> PolicyStore:
    return PolicyStore.load(schemas=POLICY_SCHEMAS, workspace_dir=tmp_path / "policies")


@pytest.mark.rule("POL-4")
def test_publishing_with_exactly_7_days_notice_is_accepted(store, tmp_path):
    text = score_text(
        "2024-03-08", NOW + timedelta(days=7), published_at="2020-01-01T00:00:00+08:00"
    )
    published = store.publish(text, now=NOW)
    assert published.published_at == NOW  # the file's own published_at is ignored
    assert published.origin == "workspace:score/2024-03-08.yaml"  # no server path shown
    assert (tmp_path / "policies" / "score" / "2024-03-08.yaml").is_file()
    assert store.get("score", "2024-03-08") == published


@pytest.mark.rule("POL-4")
def test_publishing_with_6_days_23_hours_59_minutes_notice_is_refused(store, tmp_path):
    effective = NOW + timedelta(days=6, hours=23, minutes=59)
    with pytest.raises(PolicyInvalid) as caught:
        store.publish(score_text("2024-03-08", effective), now=NOW)
    error = caught.value
    assert (error.rule, error.field) == ("POL-4", "effective_from")
    assert "effective_from" in error.detail and "POL-4" in error.detail
    assert "6d 23h 59m" in error.detail and "7d" in error.detail
    assert not (tmp_path / "policies").exists()  # nothing written
    assert [v.version for v in store.versions("score")] == ["2023-06-01", "2023-12-15"]


@pytest.mark.rule("POL-4")
def test_merchants_see_a_version_from_its_publication_on(store):
    store.publish(score_text("2024-03-08", NOW + timedelta(days=7)), now=NOW)
    visible_before = store.versions("score", published_by=NOW - timedelta(seconds=1))
    visible_at = store.versions("score", published_by=NOW)
    assert [v.version for v in visible_before] == ["2023-06-01", "2023-12-15"]
    assert [v.version for v in visible_at] == ["2023-06-01", "2023-12-15", "2024-03-08"]
    assert store.in_force("score", NOW).version == "2023-12-15"  # visible, not yet in force
    assert store.in_force("score", NOW + timedelta(days=7)).version == "2024-03-08"


@pytest.mark.rule("POL-4")
def test_the_notice_period_is_the_platform_policy_in_force_at_publication(tmp_path):
    longer = with_header(
        PLATFORM,
        version="2024-01-01",
        published_at=at("2023-12-01T00:00:00"),
        effective_from=at("2024-01-01T00:00:00"),
    ).replace('notice_period: "7d"', 'notice_period: "10d"')
    (tmp_path / "platform.yaml").write_text(longer, encoding="utf-8")
    store = PolicyStore.load(
        schemas=POLICY_SCHEMAS, directories=[tmp_path], workspace_dir=tmp_path / "ws"
    )
    assert store.notice_period(NOW) == timedelta(days=10)
    assert store.notice_period(at("2023-12-31T23:59:59")) == timedelta(days=7)
    with pytest.raises(PolicyInvalid, match="at least 10d notice"):
        store.publish(score_text("2024-03-09", NOW + timedelta(days=8)), now=NOW)


@pytest.mark.rule("POL-4")
def test_a_book_holding_a_version_with_short_notice_is_refused():
    short = version_of(
        score_text("2024-03-08", at("2024-03-01T00:00:00"), published_at=at("2024-02-25T00:00:00"))
    )
    with pytest.raises(PolicyInvalid) as caught:
        PolicyStore([short], schemas=POLICY_SCHEMAS)
    assert caught.value.rule == "POL-4" and "test.yaml: effective_from" in caught.value.detail


@pytest.mark.rule("POL-2")
def test_publishing_an_existing_version_id_is_refused(store):
    with pytest.raises(Conflict) as caught:
        store.publish(score_text("2023-12-15", NOW + timedelta(days=30)), now=NOW)
    assert caught.value.rule == "POL-2" and caught.value.field == "version"


@pytest.mark.rule("POL-2")
def test_publishing_a_version_effective_in_the_past_is_refused(store):
    with pytest.raises(PolicyInvalid) as caught:
        store.publish(score_text("2024-02-01", at("2024-02-01T00:00:00")), now=NOW)
    assert (caught.value.rule, caught.value.field) == ("POL-2", "effective_from")
    assert "never changed" in caught.value.detail


@pytest.mark.rule("POL-2")
def test_publishing_a_version_starting_with_another_is_refused_as_overlap(store):
    start = NOW + timedelta(days=10)
    store.publish(score_text("2024-03-11", start), now=NOW)
    with pytest.raises(PolicyInvalid) as caught:
        store.publish(score_text("2024-03-11b", start), now=NOW)
    assert (caught.value.rule, caught.value.field) == ("POL-2", "effective_from")
    assert "overlaps score@2024-03-11" in caught.value.detail


@pytest.mark.rule("POL-2")
def test_a_version_whose_explicit_end_runs_past_the_next_start_overlaps(store):
    store.publish(score_text("2024-04-01", at("2024-04-01T00:00:00")), now=NOW)
    spanning = score_text(
        "2024-03-15", at("2024-03-15T00:00:00"), effective_until=at("2024-04-02T00:00:00")
    )
    with pytest.raises(PolicyInvalid, match="overlaps") as caught:
        store.publish(spanning, now=NOW)
    assert caught.value.rule == "POL-2"
    ending_in_time = score_text(
        "2024-03-15", at("2024-03-15T00:00:00"), effective_until=at("2024-04-01T00:00:00")
    )
    assert store.publish(ending_in_time, now=NOW).effective_until == at("2024-04-01T00:00:00")


@pytest.mark.rule("POL-2")
def test_a_published_version_is_written_to_the_workspace_and_loads_again(store, tmp_path):
    published = store.publish(score_text("2024-03-08", NOW + timedelta(days=7)), now=NOW)
    assert published.origin == "workspace:score/2024-03-08.yaml"
    assert (tmp_path / "policies" / "score" / "2024-03-08.yaml").is_file()
    reloaded = PolicyStore.load(schemas=POLICY_SCHEMAS, workspace_dir=tmp_path / "policies")
    again = reloaded.get("score", "2024-03-08")
    assert again.document() == published.document()
    assert again.parameters == published.parameters
    assert reloaded.in_force("score", NOW + timedelta(days=7)).version == "2024-03-08"


def test_publishing_needs_a_workspace_and_never_overwrites_a_file(tmp_path):
    with pytest.raises(Conflict, match="no workspace"):
        PolicyStore.load(schemas=POLICY_SCHEMAS).publish(
            score_text("2024-03-08", NOW + timedelta(days=7)), now=NOW
        )
    stray = tmp_path / "score" / "2024-03-08.yaml"
    stray.parent.mkdir()
    stray.write_text("left here by hand", encoding="utf-8")
    # The constructor does not read the workspace, so the store does not know the stray file.
    store = PolicyStore(
        PolicyStore.load(schemas=POLICY_SCHEMAS).versions(),
        schemas=POLICY_SCHEMAS,
        workspace_dir=tmp_path,
    )
    with pytest.raises(Conflict, match="published already"):
        store.publish(score_text("2024-03-08", NOW + timedelta(days=7)), now=NOW)
    assert stray.read_text(encoding="utf-8") == "left here by hand"


@pytest.mark.rule("POL-2")
def test_a_book_with_a_version_id_twice_is_refused():
    first = version_of(SCORE, origin="a.yaml")
    twice = version_of(score_text("2023-12-15", at("2024-06-01T00:00:00")), origin="b.yaml")
    with pytest.raises(
        PolicyInvalid, match=r"score@2023-12-15 is defined twice: in a.yaml and in b.yaml"
    ):
        PolicyStore([first, twice], schemas=POLICY_SCHEMAS)


@pytest.mark.rule("POL-1")
def test_in_force_respects_an_explicit_end_and_reports_the_gap():
    ending = version_of(with_header(SCORE, effective_until=at("2024-01-01T00:00:00")))
    store = PolicyStore([ending], schemas=POLICY_SCHEMAS)
    assert store.in_force("score", at("2023-12-31T23:59:59")) == ending
    with pytest.raises(NotFound, match="no score policy in force at 2024-01-01T00:00:00"):
        store.in_force("score", at("2024-01-01T00:00:00"))
    with pytest.raises(NotFound, match="no score policy in force"):
        store.in_force("score", at("2023-12-14T23:59:59"))
    assert ending.in_force_at(at("2023-12-15T00:00:00"))
    assert not ending.in_force_at(at("2024-01-01T00:00:00"))


def test_lookups(store):
    current = store.get("score", "2023-12-15")
    earlier = store.previous(current)
    assert earlier is not None and earlier.version == "2023-06-01"
    assert store.previous(earlier) is None
    assert current.ref == "score@2023-12-15"
    with pytest.raises(NotFound, match="no score policy version '1999'"):
        store.get("score", "1999")
    with pytest.raises(NotFound, match="no policy family 'scores'"):
        store.versions("scores")
    families = [v.family for v in store.versions()]
    assert families == sorted(families)


@pytest.mark.rule("POL-2")
def test_the_store_accepts_the_families_it_is_given_and_no_other():
    """The composition root names the families; the policy package knows none (issue 11)."""
    score = version_of(SCORE)
    only_score = {"score": ScorePolicy}
    assert PolicyStore([score], schemas=only_score).families() == ["score"]
    with pytest.raises(PolicyInvalid, match="unknown family 'score'; known: platform"):
        PolicyStore([score], schemas={"platform": PlatformPolicy})
    with pytest.raises(PolicyInvalid, match="score parameters are a PlatformPolicy"):
        PolicyStore([score], schemas={"score": PlatformPolicy})
    with pytest.raises(NotFound, match="no policy family 'deposits'; known: score"):
        PolicyStore([], schemas=only_score).versions("deposits")
    refused = "family: unknown family 'score'; known: platform"
    with pytest.raises(PolicyInvalid, match=refused):
        parse_policy(SCORE, origin="test.yaml", schemas={"platform": PlatformPolicy})
