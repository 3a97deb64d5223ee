"""Imports every domain's tables so that the metadata (and Alembic) sees all of them.

A new domain adds its ``tables`` module here and a migration under ``db/migrations/versions``.
"""

from shopwarden.auth import tables as _auth
from shopwarden.catalog import tables as _catalog
from shopwarden.cycle import tables as _cycle
from shopwarden.db.base import Base
from shopwarden.decisions import tables as _decisions
from shopwarden.ledger import tables as _ledger

metadata = Base.metadata
TABLE_MODULES = (_auth, _catalog, _cycle, _decisions, _ledger)
