"""What changed between two versions of a family, as merchants read it (POL-4).

The comparison runs over :meth:`PolicyVersion.document`, the same text a merchant sees, so a
change is reported in the units the policy is written in ("1000.00", "3d"). Mappings are
followed key by key and lists of mappings item by item (``parameters.bands[1].mapping``); any
other list (a table of points, a list of codes) is one value, compared whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from shopwarden.policy.loader import format_path
from shopwarden.policy.model import PolicyVersion

HEADER_FIELDS = ("title", "rules", "effective_until")

ChangeKind = Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class Change:
    path: str
    change: ChangeKind
    before: Any
    after: Any


def diff_versions(before: PolicyVersion | None, after: PolicyVersion) -> list[Change]:
    """Changes from ``before`` to ``after``, header first, then parameters in file order.

    With no ``before`` (the first version of a family) everything is ``added``.
    """
    old = _flatten_version(before) if before is not None else {}
    new = _flatten_version(after)
    changes: list[Change] = []
    for path, value in new.items():
        if path not in old:
            changes.append(Change(path, "added", None, value))
        elif old[path] != value:
            changes.append(Change(path, "changed", old[path], value))
    changes += [Change(path, "removed", old[path], None) for path in old if path not in new]
    return changes


def _flatten_version(version: PolicyVersion) -> dict[str, Any]:
    document = version.document()
    flat = {name: document[name] for name in HEADER_FIELDS}
    _flatten(document["parameters"], ("parameters",), flat)
    return flat


def _flatten(value: Any, loc: tuple[int | str, ...], into: dict[str, Any]) -> None:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            _flatten(item, (*loc, key), into)
    elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        for index, item in enumerate(value):
            _flatten(item, (*loc, index), into)
    else:
        into[format_path(loc)] = value
