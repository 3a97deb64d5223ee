"""The checks of an ingest, as DuckDB SQL built from the schema (``model.py``).

The raw rows arrive as text (``raw``: ``_row`` plus one VARCHAR per column). ``typed_sql``
parses each column; ``reason_sql`` gives each row its first failing check, in the order of
``model.REASONS``, as a reason code and a detail a person can act on. Building the SQL from
the schema keeps one list of columns for the checks, the storage and the docs.
"""

from __future__ import annotations

from shopwarden.facts.model import (
    COLUMNS,
    CROSS_CHECKS,
    EARLIEST_INSTANT,
    IDENTIFIER_PATTERN,
    LATEST_INSTANT,
    Column,
    CrossCheck,
)

_ZONE = r"\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|z|[+-]\d{2}(:?\d{2})?)$"  # a time, then its zone
_INTEGER = r"^\s*[+-]?\d{1,18}\s*$"


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _parse(column: Column) -> str:
    raw = f'"{column.name}"'
    if column.kind == "int":
        return f"CASE WHEN regexp_matches({raw}, {_q(_INTEGER)}) THEN TRY_CAST({raw} AS BIGINT) END"
    if column.kind == "bool":
        return f"TRY_CAST(trim({raw}) AS BOOLEAN)"
    if column.kind == "instant":
        return f"date_trunc('second', TRY_CAST({raw} AS TIMESTAMPTZ))"
    return raw


def typed_sql() -> str:
    """``typed``: each raw column as ``r_<name>`` and its parsed value as ``<name>``."""
    parts = ["_row"]
    for column in COLUMNS:
        parts.append(f'"{column.name}" AS "r_{column.name}"')
        parts.append(f'{_parse(column)} AS "{column.name}"')
    return "SELECT " + ",\n  ".join(parts) + "\nFROM raw"


Check = tuple[str, str, str]
"""(condition, reason, detail expression) of one check, as SQL."""


def _checks() -> list[Check]:
    """Every check, in the order the reasons are listed (a row's first failure is its reason)."""
    found = [_missing(c) for c in COLUMNS if c.required]
    for c in COLUMNS:
        found += _unparsed(c)
    found += [_bad_identifier(c) for c in COLUMNS if c.kind == "id"]
    found += [_unknown_value(c) for c in COLUMNS if c.values]
    for c in COLUMNS:
        found += _ranges(c)
    found += [_cross_check(check) for check in CROSS_CHECKS]
    return found


def _missing(c: Column) -> Check:
    return (f'"r_{c.name}" IS NULL', "missing_value", _q(f"{c.name} is empty"))


def _unparsed(c: Column) -> list[Check]:
    """A value given that is not of its column's type, or an instant without its zone."""
    raw = f'"r_{c.name}"'
    found: list[Check] = []
    if c.kind in ("int", "bool", "instant"):
        found.append(
            (
                f'{raw} IS NOT NULL AND "{c.name}" IS NULL',
                "bad_type",
                f"{_q(f'{c.name} is not a {_type_name(c)}: ')} || {raw}",
            )
        )
    if c.kind == "instant":
        found.append(
            (
                f"{raw} IS NOT NULL AND NOT regexp_matches(trim({raw}), {_q(_ZONE)})",
                "no_time_zone",
                f"{_q(c.name + ' has no time zone: ')} || {raw}",
            )
        )
    return found


def _bad_identifier(c: Column) -> Check:
    return (
        f'NOT regexp_matches("{c.name}", {_q(IDENTIFIER_PATTERN)})',
        "bad_identifier",
        f'{_q(c.name + " is not an id: ")} || "{c.name}"',
    )


def _unknown_value(c: Column) -> Check:
    listed = ", ".join(_q(v) for v in c.values)
    message = _q(f"{c.name} must be one of {', '.join(c.values)}: ")
    return (f'"{c.name}" NOT IN ({listed})', "unknown_value", f'{message} || "{c.name}"')


def _cross_check(check: CrossCheck) -> Check:
    later, earlier = f'"{check.column}"', f'"{check.other}"'
    if check.reason == "time_order":
        condition = f"{later} < {earlier}"
        detail = f'{_q(f"{check.column} comes before {check.other}: ")} || "r_{check.column}"'
    else:
        condition = f"{later} IS NOT NULL AND {earlier} IS NULL"
        detail = _q(f"{check.column} is given without {check.other}")
    return (condition, check.reason, detail)


def _type_name(column: Column) -> str:
    return {"int": "whole number", "bool": "true/false", "instant": "instant"}[column.kind]


def _ranges(column: Column) -> list[Check]:
    name = f'"{column.name}"'
    if column.kind == "int" and column.low is not None and column.high is not None:
        message = _q(f"{column.name} must be {column.low}..{column.high}: ")
        return [
            (
                f"{name} NOT BETWEEN {column.low} AND {column.high}",
                "out_of_range",
                f'{message} || "r_{column.name}"',
            )
        ]
    if column.kind == "instant":
        low, high = f"TIMESTAMPTZ {_q(EARLIEST_INSTANT)}", f"TIMESTAMPTZ {_q(LATEST_INSTANT)}"
        return [
            (
                f"({name} < {low} OR {name} >= {high})",
                "out_of_range",
                f'{_q(f"{column.name} is outside 2000..2099: ")} || "r_{column.name}"',
            )
        ]
    return []


REFERENCE_CHECKS: tuple[Check, ...] = (
    (
        "_check_merchants AND _known_merchant IS NULL",
        "unknown_merchant",
        "'no merchant ' || merchant_id || ' in the catalog'",
    ),
    (
        "_product_merchant IS NOT NULL AND _product_merchant <> merchant_id",
        "product_of_other_merchant",
        "'product ' || product_id || ' belongs to merchant ' || _product_merchant",
    ),
    (
        "_product_merchant IS NULL AND _merchant_has_products",
        "unknown_product",
        "'merchant ' || merchant_id || ' has no product ' || product_id || ' in the catalog'",
    ),
)
_REFERENCE_COLUMNS = (
    "_check_merchants",
    "_known_merchant",
    "_product_merchant",
    "_merchant_has_products",
)


def checked_sql() -> str:
    """``checked``: typed rows with ``reason`` and ``detail`` (NULL when the row is good).

    Needs ``typed`` and the catalog's ``known_merchants(merchant_id)``,
    ``known_products(product_id, merchant_id)`` and ``refs(check_merchants)``.
    """
    checks = [*_checks(), *REFERENCE_CHECKS]
    reason = "\n    ".join(f"WHEN {cond} THEN {_q(code)}" for cond, code, _ in checks)
    detail = "\n    ".join(f"WHEN {cond} THEN {text}" for cond, _, text in checks)
    return f"""
WITH joined AS (
  SELECT t.*,
    refs.check_merchants AS _check_merchants,
    km.merchant_id AS _known_merchant,
    kp.merchant_id AS _product_merchant,
    mp.merchant_id IS NOT NULL AS _merchant_has_products
  FROM typed t
  CROSS JOIN refs
  LEFT JOIN known_merchants km ON km.merchant_id = t.merchant_id
  LEFT JOIN known_products kp ON kp.product_id = t.product_id
  LEFT JOIN (SELECT DISTINCT merchant_id FROM known_products) mp
    ON mp.merchant_id = t.merchant_id
)
SELECT * EXCLUDE ({", ".join(_REFERENCE_COLUMNS)}),
  CASE {reason} END AS reason,
  CASE {detail} END AS detail
FROM joined
"""


def ranked_sql() -> str:
    """``ranked``: a good row whose order appeared on an earlier good row is a duplicate."""
    return """
SELECT * REPLACE (
    CASE WHEN reason IS NULL AND first_row < _row THEN 'duplicate_in_file' ELSE reason END
        AS reason,
    CASE WHEN reason IS NULL AND first_row < _row
        THEN 'order ' || order_id || ' first appears at row ' || first_row ELSE detail END
        AS detail
)
FROM (
    SELECT *, min(_row) OVER (PARTITION BY order_id, reason IS NULL) AS first_row FROM checked
)
"""


def compared_sql() -> str:
    """``compared``: good rows against ``stored`` rows of the same order (``stored_state``)."""
    names = [c.name for c in COLUMNS]
    differs = " OR ".join(f'r."{n}" IS DISTINCT FROM s."{n}"' for n in names)
    which = ", ".join(f'CASE WHEN r."{n}" IS DISTINCT FROM s."{n}" THEN \'{n}\' END' for n in names)
    return f"""
SELECT r.* REPLACE (
    CASE WHEN r.reason IS NULL AND s.order_id IS NOT NULL AND ({differs})
        THEN 'conflicts_with_stored' ELSE r.reason END AS reason,
    CASE WHEN r.reason IS NULL AND s.order_id IS NOT NULL AND ({differs})
        THEN 'order ' || r.order_id || ' is stored with other ' || concat_ws(', ', {which})
        ELSE r.detail END AS detail
),
    r.reason IS NULL AND s.order_id IS NOT NULL AND NOT ({differs}) AS already_stored
FROM ranked r
LEFT JOIN stored s ON s.order_id = r.order_id
"""
