"""The shopping experience score (SCORE): dimensions, indicators, bands and its consumers."""
