"""The one context every use case receives, and the unit of work that makes it.

A use case in any domain is a function ``verb(ctx, *, …)``: ``ctx`` carries the open session
(everything done through it commits together or not at all), the clock, the policy book, the
category tree and the hooks other domains subscribed; every other parameter is keyword-only.
Only the composition root (``bootstrap.py``) builds a context, so a use case never reaches for
a container, a global, or ``session.info``, and a test builds the same world the API does.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy.orm import Session

from shopwarden.clock import Clock
from shopwarden.decisions.model import Decision
from shopwarden.decisions.service import record_decision
from shopwarden.errors import NotFound
from shopwarden.ledger.service import Ledger
from shopwarden.policy.store import PolicyStore

if TYPE_CHECKING:  # types only: the catalog itself works through contexts
    from shopwarden.catalog.tables import ProductRow
    from shopwarden.catalog.tree_model import CategoryTree

P = TypeVar("P", bound=BaseModel)


class ProductListener(Protocol):
    """Re-decides what depends on a product (BNPL flag, deposit requirement) when it changes."""

    def __call__(self, ctx: Context, *, product: ProductRow) -> None: ...


class ListingGuard(Protocol):
    """Refuses a listing action a rule forbids (a violation measure, VIO-1): raises
    ``RuleRefused`` naming the rule, the field, and in ``extra`` the case and the end time."""

    def __call__(
        self, ctx: Context, *, merchant_id: str, action: str, product_id: str | None
    ) -> None: ...


@dataclass(frozen=True)
class Hooks:
    """What domains asked to hear about, wired by the composition root (``families.py``)."""

    product_changed: tuple[ProductListener, ...] = ()
    listing_guards: tuple[ListingGuard, ...] = ()


@dataclass(frozen=True)
class Versioned(Generic[P]):
    """A family's parameters with the version that produced them, for the decision record."""

    version: str
    parameters: P


@dataclass(frozen=True)
class Context:
    """Everything a use case may touch, for one unit of work."""

    session: Session
    clock: Clock
    policies: PolicyStore
    categories: CategoryTree
    hooks: Hooks = Hooks()

    def now(self) -> datetime:
        return self.clock.now()

    @property
    def ledger(self) -> Ledger:
        """The ledger over this unit of work's session (DEP-15); cheap, stateless."""
        return Ledger(self.session, self.clock)

    def policy(self, family: str, model: type[P], as_of: datetime) -> Versioned[P]:
        """The ``family`` version in force at ``as_of`` (POL-1), typed as ``model``."""
        version = self.policies.in_force(family, as_of)
        return Versioned(version.version, version.parameters_as(model))

    def policy_version(self, family: str, model: type[P], version: str) -> Versioned[P]:
        """A named version: terms fixed when agreed keep the version they were agreed under."""
        found = self.policies.get(family, version)
        return Versioned(found.version, found.parameters_as(model))

    def has_policy(self, family: str, as_of: datetime) -> bool:
        """Whether any version of ``family`` is in force at ``as_of`` (a step skips if not)."""
        try:
            self.policies.in_force(family, as_of)
        except NotFound:
            return False
        return True

    def record(self, decision: Decision, *, as_of: datetime, key: str) -> bool:
        """Store ``decision`` once under ``key``; says whether it is new."""
        _, new = record_decision(self.session, self.clock, decision, as_of=as_of, dedupe_key=key)
        return new

    def product_changed(self, product: ProductRow) -> None:
        """Tell every subscribed domain that ``product`` was created or edited."""
        for listener in self.hooks.product_changed:
            listener(self, product=product)

    def check_listing(
        self, *, merchant_id: str, action: str, product_id: str | None = None
    ) -> None:
        """Ask every listing guard before a product path creates or lists (VIO-1): one that
        forbids ``action`` (``create_product``, ``list_product``) raises ``RuleRefused``."""
        for guard in self.hooks.listing_guards:
            guard(self, merchant_id=merchant_id, action=action, product_id=product_id)


UnitOfWork = Callable[[], AbstractContextManager[Context]]
"""Opens a unit of work: ``with units() as ctx:`` commits when the block ends without error."""
