"""Consumer credit and the consumer's debit, behind one interface (BNPL-4, BNPL-7).

The platform asks a credit service (WeChat Pay or Sesame credit; for the merchant the two are
the same) whether a consumer may buy now and pay later, and asks it to debit the consumer when
receipt is confirmed. A deployment registers its adapter with :func:`use_credit_provider`; the
default is :class:`DeterministicCreditProvider`, which needs no network and always answers the
same for the same consumer id, so scenarios, tests and the demo are reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from shopwarden.money import Money


@dataclass(frozen=True, slots=True)
class CreditStanding:
    good: bool
    detail: str


@dataclass(frozen=True, slots=True)
class DebitResult:
    ok: bool
    reference: str  # the provider's reference of the attempt
    detail: str


class CreditProvider(Protocol):
    """What BNPL needs from a credit service. ``provider`` names the consumer's choice."""

    def credit_standing(self, consumer_id: str, *, provider: str) -> CreditStanding: ...

    def debit(
        self, consumer_id: str, amount: Money, *, provider: str, reference: str
    ) -> DebitResult:
        """Debit the consumer; the same ``reference`` must never debit twice."""
        ...


@dataclass(frozen=True)
class DeterministicCreditProvider:
    """A provider for tests and the demo, decided by the consumer id alone.

    - credit is not good for ids in ``bad_credit`` or starting with ``bad_credit_prefix``
      (default ``"bad-"``);
    - the debit fails for ids in ``failing_debits`` or starting with ``failing_debit_prefix``
      (default ``"nopay-"``): such a consumer passes the credit check but does not pay;
    - everyone else has good credit and pays.
    """

    bad_credit: frozenset[str] = field(default_factory=frozenset)
    failing_debits: frozenset[str] = field(default_factory=frozenset)
    bad_credit_prefix: str = "bad-"
    failing_debit_prefix: str = "nopay-"

    def credit_standing(self, consumer_id: str, *, provider: str) -> CreditStanding:
        bad = consumer_id in self.bad_credit or consumer_id.startswith(self.bad_credit_prefix)
        if bad:
            return CreditStanding(False, f"{provider}: credit of {consumer_id} is not good")
        return CreditStanding(True, f"{provider}: credit of {consumer_id} is good")

    def debit(
        self, consumer_id: str, amount: Money, *, provider: str, reference: str
    ) -> DebitResult:
        fails = consumer_id in self.failing_debits or consumer_id.startswith(
            self.failing_debit_prefix
        )
        if fails:
            return DebitResult(False, reference, f"{provider}: debit of {amount} declined")
        return DebitResult(True, reference, f"{provider}: debited {amount}")


_current: list[CreditProvider] = [DeterministicCreditProvider()]


def credit_provider() -> CreditProvider:
    """The provider the API, the CLI and the cycle use."""
    return _current[0]


def use_credit_provider(provider: CreditProvider) -> CreditProvider:
    """Register ``provider``; returns the one it replaces (so a test can put it back)."""
    previous = _current[0]
    _current[0] = provider
    return previous
