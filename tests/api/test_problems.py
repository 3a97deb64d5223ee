"""The HTTP status of each domain error is the API's mapping, not the error's (issue 11)."""

from __future__ import annotations

import pytest

from shopwarden import errors
from shopwarden.api.problems import status_of
from shopwarden.errors import ShopwardenError

EXPECTED = {
    errors.ShopwardenError: 400,
    errors.InvalidInput: 422,
    errors.PolicyInvalid: 422,
    errors.NotFound: 404,
    errors.Unauthorized: 401,
    errors.Forbidden: 403,
    errors.Conflict: 409,
    errors.AlreadyExists: 409,
    errors.IdempotencyKeyReused: 409,
    errors.RuleRefused: 422,
    errors.InsufficientFunds: 422,
}


@pytest.mark.parametrize("kind", list(EXPECTED), ids=lambda kind: kind.__name__)
def test_each_error_answers_its_status(kind: type[ShopwardenError]) -> None:
    assert status_of(kind("refused")) == status_of(kind) == EXPECTED[kind]


def test_every_error_of_the_domain_is_mapped() -> None:
    declared = {
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, ShopwardenError)
    }
    assert declared == set(EXPECTED)


def test_a_new_subclass_answers_as_its_nearest_mapped_base() -> None:
    class Gone(errors.NotFound):
        slug = "gone"

    assert status_of(Gone("no such thing")) == 404


def test_the_domain_errors_carry_no_http_status() -> None:
    assert not any(hasattr(kind, "status") for kind in EXPECTED)
