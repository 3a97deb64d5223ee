"""The one composition root: settings, database, clock and policy store.

The CLI, the API, the replay runner and the tests all build their world here. Nothing
connects to a database at import time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from shopwarden.catalog.service import sync_categories
from shopwarden.catalog.tree import CategoryTree, load_tree
from shopwarden.clock import Clock, SystemClock
from shopwarden.db.engine import Database
from shopwarden.db.migrate import upgrade
from shopwarden.ledger.accounts import ensure_platform_accounts
from shopwarden.policy.store import PolicyStore
from shopwarden.settings import Settings


@dataclass
class Container:
    settings: Settings
    db: Database
    clock: Clock
    policies: PolicyStore
    categories: CategoryTree
    extras: dict[str, object] = field(default_factory=dict)

    def close(self) -> None:
        self.db.dispose()


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    policy_dirs: Sequence[Path] = (),
    bundled_policies: bool = True,
    migrate: bool = True,
) -> Container:
    """Build everything the service needs; ``migrate`` brings the schema and category tree up."""
    settings = settings or Settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url
    if migrate:
        upgrade(url)
    db = Database(url)
    tree = load_tree()
    clock = clock or SystemClock()
    if migrate:
        with db.transaction() as session:
            sync_categories(session, tree)
            ensure_platform_accounts(session, clock)
    policies = PolicyStore.load(
        bundled=bundled_policies,
        directories=policy_dirs,
        workspace_dir=settings.workspace_policy_dir,
    )
    db.session_info.update(clock=clock, policies=policies, categories=tree)
    return Container(settings=settings, db=db, clock=clock, policies=policies, categories=tree)
