"""Example values for the OpenAPI document, built from its own JSON schemas.

An explicit ``example``/``examples`` of a schema wins; otherwise a value is made from the
schema (enum, const, bounds, pattern, format) with a name hint (``merchant_id`` is ``m1``), so
every example is valid against the schema it illustrates.
"""

from __future__ import annotations

import re
from typing import Any

SCHEMA_REF = "#/components/schemas/"

_NAME_EXAMPLES: dict[str, Any] = {
    "merchant_id": "m1",
    "product_id": "p1",
    "consumer_id": "c1",
    "order_id": "o1",
    "case_id": "case1",
    "campaign_id": "camp1",
    "sku_id": "sku1",
    "category": "apparel",
    "code": "apparel",
    "family": "deposits",
    "version": "2023-01-01",
    "account": "merchant:m1:wallet",
    "debit": "merchant:m1:wallet",
    "credit": "platform:bank",
    "payout_account": "bank:6222000000000001",
    "purpose": "marketing",
    "amount": "100.00",
    "month": "2024-02",
    "as_of": "2024-03-01T09:00:00+08:00",
    "name": "Store m1",
    "title": "Summer dress",
    "reason": "the documents do not match",
    "Idempotency-Key": "7d9f1c2e-pay-1",
}
_STRING_CANDIDATES = (
    "m1",
    "100.00",
    "0.003",
    "2024-02",
    "2024-03-01",
    "2024-03-01T09:00:00+08:00",
    "merchant:m1:wallet",
    "example",
)
_FORMATS = {
    "date-time": "2024-03-01T09:00:00+08:00",
    "date": "2024-03-01",
    "time": "09:00:00+08:00",
    "email": "ops@example.com",
    "uri": "https://example.com/",
    "uuid": "6f1c8a52-6a3e-4d0e-9a53-2b7c1e1f0a11",
}


class Examples:
    """Builds an example value from a JSON schema of this document."""

    def __init__(self, components: dict[str, Any]) -> None:
        self.components = components

    def value(self, schema: dict[str, Any], name: str = "", depth: int = 0) -> Any:
        if depth > 12:
            return None
        if "$ref" in schema:
            target = self.components[schema["$ref"].removeprefix(SCHEMA_REF)]
            return self.value(target, name, depth + 1)
        if "example" in schema:
            return schema["example"]
        if schema.get("examples"):
            return schema["examples"][0]
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            return schema["enum"][0]
        if "properties" in schema:
            return self._object(schema, depth)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                options = [o for o in schema[key] if o.get("type") != "null"] or schema[key]
                return self.value(options[0], name, depth + 1)
        if "allOf" in schema:
            return self.value(schema["allOf"][0], name, depth + 1)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind == "object" or "properties" in schema:
            return self._object(schema, depth)
        if kind == "array":
            item = self.value(schema.get("items", {}), name.removesuffix("s"), depth + 1)
            return [item] * max(1, int(schema.get("minItems", 1)))
        if kind == "string":
            return self._string(schema, name)
        if kind in ("integer", "number"):
            if "default" in schema and schema["default"] is not None:
                return schema["default"]
            low = schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1)
            value = max(1, low)
            if "maximum" in schema:
                value = min(value, schema["maximum"])
            return int(value) if kind == "integer" else float(value)
        if kind == "boolean":
            default = schema.get("default")
            return default if isinstance(default, bool) else True
        if kind == "null":
            return None
        return _NAME_EXAMPLES.get(name, "example")

    def _object(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        properties: dict[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", []))
        for key in ("oneOf", "anyOf"):  # a choice of forms: the first one's fields
            if schema.get(key):
                required |= set(schema[key][0].get("required", []))
        chosen = [n for n in properties if n in required] or list(properties)
        result = {n: self.value(properties[n], n, depth + 1) for n in chosen}
        extra = schema.get("additionalProperties")
        if not result and isinstance(extra, dict) and extra:
            result["key"] = self.value(extra, "", depth + 1)
        return result

    @staticmethod
    def _string(schema: dict[str, Any], name: str) -> str:
        if schema.get("format") in _FORMATS:
            return _FORMATS[schema["format"]]
        low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
        pattern = schema.get("pattern")
        hinted = _NAME_EXAMPLES.get(name)
        candidates = ([hinted] if isinstance(hinted, str) else []) + list(_STRING_CANDIDATES)
        for candidate in candidates:
            if len(candidate) < low or (high is not None and len(candidate) > high):
                continue
            if pattern is None or re.search(pattern, candidate):
                return candidate
        return "x" * max(low, 1)
