"""The one composition root: settings, database, clock, policy book, families, contexts.

The CLI, the API, the replay runner, the demo and the tests all build their world here, and
only here is a use case's :class:`~shopwarden.context.Context` made (``unit_of_work``). Nothing
connects to a database at import time. Which rule families run, with their policies, tables,
cycle steps and product listeners, is ``families.py``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from shopwarden.catalog.service import sync_categories
from shopwarden.catalog.tree import CategoryTree, load_tree
from shopwarden.clock import Clock
from shopwarden.context import Context, Hooks
from shopwarden.cycle.registry import CycleStep
from shopwarden.cycle.service import CycleResult, run_cycle
from shopwarden.db.engine import Database
from shopwarden.db.migrate import upgrade
from shopwarden.families import CYCLE_STEPS, HOOKS, PLATFORM_ACCOUNTS, POLICY_SCHEMAS
from shopwarden.ledger.accounts import ensure_platform_accounts
from shopwarden.policy.store import PolicyStore
from shopwarden.settings import Settings
from shopwarden.workspace_clock import WorkspaceClock


@dataclass
class Container:
    settings: Settings
    db: Database
    clock: Clock
    policies: PolicyStore
    categories: CategoryTree
    steps: tuple[CycleStep, ...] = CYCLE_STEPS
    hooks: Hooks = HOOKS
    extras: dict[str, object] = field(default_factory=dict)

    def context(self, session: Session) -> Context:
        """The context of a unit of work already open on ``session``."""
        return Context(session, self.clock, self.policies, self.categories, self.hooks)

    @contextmanager
    def unit_of_work(self) -> Iterator[Context]:
        """One transaction: everything done through the context commits together, or nothing."""
        with self.db.transaction() as session:
            yield self.context(session)

    def run_cycle(self, as_of: datetime) -> CycleResult:
        """The governance cycle as of ``as_of`` with this deployment's steps, once per instant."""
        return run_cycle(self.unit_of_work, steps=self.steps, as_of=as_of)

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
    clock = clock or WorkspaceClock(settings.home)
    if migrate:
        with db.transaction() as session:
            sync_categories(session, tree)
            ensure_platform_accounts(session, clock, PLATFORM_ACCOUNTS)
    policies = PolicyStore.load(
        schemas=POLICY_SCHEMAS,
        bundled=bundled_policies,
        directories=policy_dirs,
        workspace_dir=settings.workspace_policy_dir,
    )
    return Container(settings=settings, db=db, clock=clock, policies=policies, categories=tree)
