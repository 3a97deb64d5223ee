"""The governance cycle: the daily and weekly rules, run as of an instant."""
