"""Incoming payments: money a merchant brings in from outside, pending until an operator
confirms it (DEP-15)."""
