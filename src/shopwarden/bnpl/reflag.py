"""Product flags in bulk (BNPL-2, BNPL-3): what to re-decide, and the basis it decides on.

Two paths decide a flag, and tests hold them equal: one product at once by the pure rule
(``flags.py``), and every product here: a new policy version or a changed category tree
re-decides every affected product with the set-based SQL of ``reflag_sql.py``
(:func:`reflag_all`).

The *basis* is the policy version and category tree the flags were last decided on in bulk;
single-product decisions use the same basis, so every flag row answers to one version until
the governance cycle moves them all to the next one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopwarden.bnpl import reflag_sql, rules
from shopwarden.bnpl.policy import BnplPolicy
from shopwarden.bnpl.reflag_sql import FLAGS
from shopwarden.bnpl.tables import FlagBasisRow
from shopwarden.catalog.tables import CategoryRow
from shopwarden.context import Context, Versioned
from shopwarden.errors import NotFound


@dataclass(frozen=True)
class ReflagResult:
    """What a bulk re-flag did; the cycle step reports it."""

    policy_version: str
    inserted: int
    redecided: int
    changed_categories: tuple[str, ...]
    unknown_excluded: tuple[str, ...] = field(default_factory=tuple)
    full: bool = False

    def report(self) -> dict[str, Any]:
        return {
            "policy_version": self.policy_version,
            "inserted": self.inserted,
            "redecided": self.redecided,
            "changed_categories": len(self.changed_categories),
            "unknown_excluded": list(self.unknown_excluded),
            "full": self.full,
        }


# --- the basis -------------------------------------------------------------------------------
def current_basis(session: Session) -> FlagBasisRow | None:
    return session.scalar(select(FlagBasisRow).order_by(FlagBasisRow.id.desc()).limit(1))


def basis_policy(session: Session, version: str) -> BnplPolicy:
    """The parameters a flag of ``version`` was decided with, as stored with its basis."""
    row = session.scalar(
        select(FlagBasisRow)
        .where(FlagBasisRow.policy_version == version)
        .order_by(FlagBasisRow.id.desc())
        .limit(1)
    )
    if row is None:
        raise NotFound(f"no BNPL flag basis for policy version {version}")
    return BnplPolicy.model_validate(row.parameters)


def ensure_basis(ctx: Context, *, as_of: datetime) -> FlagBasisRow:
    """The current basis; the first one is made from the policy in force, for every product."""
    basis = current_basis(ctx.session)
    if basis is None:
        reflag_all(ctx, as_of=as_of, full=True)
        basis = current_basis(ctx.session)
        assert basis is not None
    return basis


def tree_fingerprint(session: Session) -> str:
    """A hash of the category tree as stored: a moved or added category changes it."""
    rows = session.execute(select(CategoryRow.code, CategoryRow.path).order_by(CategoryRow.code))
    digest = hashlib.sha256()
    for code, path in rows:
        digest.update(f"{code}\t{path}\n".encode())
    return digest.hexdigest()


# --- bulk, set-based -------------------------------------------------------------------------
def reflag_all(
    ctx: Context,
    *,
    as_of: datetime,
    full: bool = False,
    policy: Versioned[BnplPolicy] | None = None,
) -> ReflagResult:
    """Re-decide every affected product's flag under ``policy`` (BNPL-2, BNPL-3); by default
    the version in force at ``as_of``.

    A new policy version re-decides every row; the same version with a changed tree only the
    rows in categories whose exclusion changed. Products without a flag row get one. ``full``
    also re-reads each product's facts from the catalog (for products changed outside it).
    """
    session = ctx.session
    terms = policy or ctx.policy(rules.FAMILY, BnplPolicy, as_of)
    version, parameters = terms.version, terms.parameters
    previous = current_basis(session)
    changed, unknown = reflag_sql.rebuild_exclusions(session, parameters)
    in_changed = FLAGS.c.category_code.in_(changed)
    if full:
        reflag_sql.refresh_facts(session)
        reflag_sql.place_in_tree(session)
    elif changed:
        reflag_sql.place_in_tree(session, in_changed)
    if full or previous is None or previous.policy_version != version:
        redecided = reflag_sql.redecide(session, parameters, version, as_of)
    elif changed:
        redecided = reflag_sql.redecide(session, parameters, version, as_of, in_changed)
    else:
        redecided = 0
    inserted = 0
    if reflag_sql.any_missing(session):
        inserted = reflag_sql.insert_missing(session, parameters, version, as_of)
    session.add(
        FlagBasisRow(
            policy_version=version,
            parameters=parameters.model_dump(mode="json"),
            tree_fingerprint=tree_fingerprint(session),
            as_of=as_of,
            products=inserted + redecided,
            recorded_at=as_of,
        )
    )
    session.flush()
    reflag_sql.expire_flags(session)
    return ReflagResult(version, inserted, redecided, changed, unknown, full)


def insert_missing_for(session: Session, merchant_ids: Sequence[str], as_of: datetime) -> int:
    """Flag rows, on the current basis, for these merchants' products that have none."""
    basis = current_basis(session)
    assert basis is not None, "ensure_basis first"
    policy = BnplPolicy.model_validate(basis.parameters)
    return reflag_sql.insert_missing(session, policy, basis.policy_version, as_of, merchant_ids)
