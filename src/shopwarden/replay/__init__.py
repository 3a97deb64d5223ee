"""Scenario replay: a merchant's timeline, run through the real HTTP API on a simulated clock."""
