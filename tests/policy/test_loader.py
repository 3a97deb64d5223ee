"""A bad policy file is refused whole, naming the file, the line, the field path and why.

Each case edits one line of a bundled default, so the rest of the file is known to be good and
the refusal can only come from the edit.
"""

from __future__ import annotations

import pytest

from shopwarden.errors import NotFound, PolicyInvalid
from shopwarden.families import POLICY_SCHEMAS
from shopwarden.policy.loader import BUNDLED_DIR, load_directory, load_file, parse_policy

DEPOSITS = (BUNDLED_DIR / "deposits" / "2023-01-01.yaml").read_text(encoding="utf-8")
SCORE = (BUNDLED_DIR / "score" / "2023-12-15.yaml").read_text(encoding="utf-8")


def edited(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"the edit must hit exactly one place: {old!r}"
    return text.replace(old, new)


def refusal(text: str, origin: str = "policies/deposits/bad.yaml") -> PolicyInvalid:
    with pytest.raises(PolicyInvalid) as caught:
        parse_policy(text, schemas=POLICY_SCHEMAS, origin=origin)
    return caught.value


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_a_bundled_file_parses():
    version = parse_policy(DEPOSITS, schemas=POLICY_SCHEMAS, origin="deposits.yaml")
    assert (version.ref, version.origin) == ("deposits@2023-01-01", "deposits.yaml")


def test_an_unknown_key_is_refused_with_its_path():
    text = edited(DEPOSITS, "    annual_fee:", "    anual_fee_typo: 1\n    annual_fee:")
    error = refusal(text)
    assert error.field == "parameters.insurance.anual_fee_typo"
    line = line_of(text, "anual_fee_typo")
    assert error.detail.startswith(f"policies/deposits/bad.yaml:{line}: ")
    assert "unknown key" in error.detail


def test_an_unknown_header_key_is_refused():
    error = refusal(edited(DEPOSITS, "title: Security deposits", "title: x\nowner: me"))
    assert error.field == "owner" and "unknown key" in error.detail


def test_money_written_as_an_unquoted_float_is_refused_with_a_hint_to_quote_it():
    text = edited(DEPOSITS, 'minimum: "1000.00"', "minimum: 1000.00")
    error = refusal(text)
    assert error.field == "parameters.consumer_protection.minimum"
    assert "policies/deposits/bad.yaml" in error.detail
    assert 'quoted text, e.g. "1000.00"' in error.detail
    assert f":{line_of(text, 'minimum: 1000.00')}: " in error.detail


def test_money_with_three_decimals_is_refused():
    error = refusal(edited(DEPOSITS, 'annual_fee: "30.00"', 'annual_fee: "30.001"'))
    assert error.field == "parameters.insurance.annual_fee"
    assert "more than 2 decimals" in error.detail and "bad.yaml" in error.detail


def test_a_rate_written_as_an_unquoted_float_is_refused():
    error = refusal(edited(DEPOSITS, 'premium_rate: "0.003"', "premium_rate: 0.003"))
    assert error.field == "parameters.juhuasuan.premium_rate"
    assert 'quoted text, e.g. "0.003"' in error.detail


def test_a_duration_must_be_text_like_3d():
    error = refusal(edited(DEPOSITS, 'shield_after: "5d"', 'shield_after: "5 days"'))
    assert error.field == "parameters.consumer_protection.shield_after"
    assert '"3d"' in error.detail


def test_dimension_weights_not_summing_to_one_are_refused():
    text = edited(SCORE, '    content:\n      weight: "0.10"', '    content:\n      weight: "0.15"')
    error = refusal(text, origin="score/bad.yaml")
    assert error.field == "parameters.dimensions"
    assert "weights must sum to 1, they sum to 1.05" in error.detail
    assert error.detail.startswith("score/bad.yaml:")


def test_indicator_weights_within_a_dimension_must_sum_to_one():
    error = refusal(edited(SCORE, 'weight: "0.60"', 'weight: "0.50"'), origin="score/bad.yaml")
    assert error.field == "parameters.dimensions.product.indicators"
    assert "indicator weights must sum to 1, they sum to 0.90" in error.detail


@pytest.mark.parametrize(
    "instant", ['"2023-12-15T00:00:00"', "2023-12-15 00:00:00"], ids=["quoted", "yaml-timestamp"]
)
def test_a_naive_datetime_is_refused(instant):
    text = edited(
        SCORE, 'effective_from: "2023-12-15T00:00:00+08:00"', f"effective_from: {instant}"
    )
    error = refusal(text, origin="score/bad.yaml")
    assert error.field == "effective_from"
    assert f"score/bad.yaml:{line_of(text, 'effective_from:')}: effective_from: " in error.detail
    assert "time zone" in error.detail


def test_a_piecewise_table_whose_x_does_not_strictly_increase_is_refused():
    text = edited(
        SCORE,
        '[["0.8", "0"], ["0.95", "4"], ["0.99", "5"]]',
        '[["0.8", "0"], ["0.95", "4"], ["0.95", "5"]]',
    )
    error = refusal(text, origin="score/bad.yaml")
    assert error.field == "parameters.dimensions.logistics.indicators.on_time_shipment_rate.table"
    assert "x must strictly increase: 0.95 follows 0.95" in error.detail
    line = line_of(text, '["0.95", "5"]')
    assert error.detail.startswith(f"score/bad.yaml:{line}: ")


def test_a_table_of_one_point_is_refused():
    text = edited(SCORE, '[["0.8", "0"], ["0.95", "4"], ["0.99", "5"]]', '[["0.8", "0"]]')
    assert "at least 2 points" in refusal(text).detail


@pytest.mark.rule("SCORE-3")
def test_bands_must_tile_the_scale_without_gaps():
    text = edited(SCORE, 'lower: "4.85"', 'lower: "4.9"')
    error = refusal(text)
    assert error.field == "parameters.bands[2].mapping"
    assert "must run exactly from lower 4.9" in error.detail


@pytest.mark.rule("DEP-2")
def test_a_category_may_not_require_less_than_the_minimum_deposit():
    error = refusal(edited(DEPOSITS, 'mobile_phones: "2000.00"', 'mobile_phones: "500.00"'))
    assert error.field == "parameters.consumer_protection.category_requirements"
    assert "below the minimum deposit 1000.00: mobile_phones" in error.detail


def test_a_key_written_twice_is_refused():
    error = refusal(edited(DEPOSITS, "  insurance:\n", "  refund: {}\n  insurance:\n"))
    assert "the key 'refund' is written twice" in error.detail


def test_an_unknown_family_is_refused():
    error = refusal(edited(DEPOSITS, "family: deposits", "family: depositz"))
    assert error.field == "family" and "unknown family 'depositz'" in error.detail


def test_an_unquoted_version_date_is_refused_with_a_hint():
    error = refusal(edited(DEPOSITS, 'version: "2023-01-01"', "version: 2023-01-01"))
    assert error.field == "version" and "quoted text" in error.detail


def test_every_problem_of_a_file_is_listed_in_line_order():
    text = edited(DEPOSITS, 'annual_fee: "30.00"', "annual_fee: 30.5")
    text = edited(text, "title: Security deposits", "title: ''")
    error = refusal(text)
    assert error.field == "title"  # the first in the file
    assert len(error.detail.splitlines()) == 2


def test_invalid_yaml_names_file_and_line():
    error = refusal(DEPOSITS + "  broken: [\n", origin="d.yaml")
    assert error.detail.startswith("d.yaml:") and "not valid YAML" in error.detail


def test_a_file_that_is_not_a_mapping_is_refused():
    assert "a policy file is a mapping" in refusal("- 1\n- 2\n").detail


def test_load_file_and_load_directory(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "x.yaml").write_text(DEPOSITS, encoding="utf-8")
    (tmp_path / "ignored.txt").write_text("not a policy", encoding="utf-8")
    assert [v.ref for v in load_directory(tmp_path, schemas=POLICY_SCHEMAS)] == [
        "deposits@2023-01-01"
    ]
    with pytest.raises(NotFound):
        load_file(tmp_path / "missing.yaml", schemas=POLICY_SCHEMAS)
    with pytest.raises(NotFound):
        load_directory(tmp_path / "missing", schemas=POLICY_SCHEMAS)
