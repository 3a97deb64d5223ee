"""Relational state: engine, sessions (the unit of work), table base and migrations."""
