"""Imports every domain's tables so that the metadata (and Alembic) sees all of them.

A new domain adds its ``tables`` module here and a migration under ``db/migrations/versions``.
"""

from shopwarden.auth import tables as _auth
from shopwarden.bnpl import tables as _bnpl  # noqa: F401  (BNPL tables, issue 6)
from shopwarden.catalog import tables as _catalog
from shopwarden.cycle import tables as _cycle
from shopwarden.db.base import Base
from shopwarden.decisions import tables as _decisions
from shopwarden.deposits import tables as _deposits  # noqa: F401  (deposits, issue 4)
from shopwarden.facts import tables as _facts
from shopwarden.ledger import tables as _ledger
from shopwarden.payments import tables as _payments  # noqa: F401  (incoming payments, DEP-15)
from shopwarden.scoring import tables as _scoring

metadata = Base.metadata
TABLE_MODULES = (_auth, _catalog, _cycle, _decisions, _ledger, _facts, _scoring)
