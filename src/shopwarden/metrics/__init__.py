"""Metrics over order facts as Ibis expressions: one expression, run by DuckDB or by Spark."""
