"""Subset matching of an expected body against the body the API returned.

A dict matches when each expected key is present and matches; a list matches element by
element and must have the same length; anything else must be equal. The string ``"*"``
matches any present value.
"""

from __future__ import annotations

from typing import Any


def mismatches(expected: Any, got: Any, path: str = "body") -> list[str]:
    if expected == "*":
        return []
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return [f"{path}: expected an object, got {got!r}"]
        found: list[str] = []
        for key, value in expected.items():
            if key not in got:
                found.append(f"{path}.{key}: missing")
            else:
                found += mismatches(value, got[key], f"{path}.{key}")
        return found
    if isinstance(expected, list):
        if not isinstance(got, list) or len(got) != len(expected):
            return [f"{path}: expected a list of {len(expected)}, got {got!r}"]
        return [
            m
            for i, (e, g) in enumerate(zip(expected, got, strict=True))
            for m in mismatches(e, g, f"{path}[{i}]")
        ]
    if expected != got:
        return [f"{path}: expected {expected!r}, got {got!r}"]
    return []


def pick(document: Any, path: str) -> Any:
    """``"items.0.id"`` → document["items"][0]["id"]; for captures."""
    current = document
    for part in path.split("."):
        if isinstance(current, list):
            current = current[int(part)]
        elif isinstance(current, dict):
            current = current[part]
        else:
            raise KeyError(path)
    return current
