"""The double-entry ledger (DEP-15): accounts, transfers, two-phase holds, idempotency keys."""
