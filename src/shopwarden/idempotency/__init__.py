"""Requests that must take effect once: the first answer to each key, kept with the work."""
