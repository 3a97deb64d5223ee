"""Decisions with their explanation and policy version (POL-2, POL-3)."""
