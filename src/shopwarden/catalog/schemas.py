"""What merchants and operators send and read for merchants and products."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from shopwarden.schema_types import Identifier, PositiveMoneyText, left_out, refuse_null

MerchantStatus = Literal["open", "closing", "closed"]
Origin = Literal["self_built", "distributed"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MerchantCreate(Strict):
    id: Identifier
    name: str = Field(min_length=1, max_length=200)
    wallet_upgraded: StrictBool = False


class MerchantUpdate(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    status: MerchantStatus | None = None
    wallet_upgraded: StrictBool | None = None


class MerchantOut(BaseModel):
    id: str
    name: str
    status: MerchantStatus
    wallet_upgraded: bool
    created_at: datetime
    status_changed_at: datetime


SKUS = "The product's SKUs; their sku_id values are unique within the product."


class SkuIn(Strict):
    sku_id: Identifier
    price: PositiveMoneyText


def _unique_sku_ids(skus: list[SkuIn]) -> list[SkuIn]:
    if len({s.sku_id for s in skus}) != len(skus):
        raise ValueError("sku_id values must be unique within a product")
    return skus


class ProductCreate(Strict):
    id: Identifier
    merchant_id: Identifier
    title: str = Field(min_length=1, max_length=300)
    category: str = Field(min_length=1, max_length=64)
    origin: Origin = "self_built"
    listed: StrictBool = False
    promised_shipping_hours: int | None = Field(default=None, ge=1, le=24 * 30)
    flash_purchase: StrictBool = False
    skus: list[SkuIn] = Field(min_length=1, max_length=500, description=SKUS)

    @field_validator("skus")
    @classmethod
    def _unique_skus(cls, skus: list[SkuIn]) -> list[SkuIn]:
        return _unique_sku_ids(skus)


class ProductUpdate(Strict):
    """What a PATCH changes: a field left out stays as it is. Only ``promised_shipping_hours``
    may be null (no promise); null for any other field is refused, and not in the schema."""

    title: str | None = left_out(min_length=1, max_length=300)
    category: str | None = left_out(min_length=1, max_length=64)
    origin: Origin | None = left_out()
    listed: StrictBool | None = left_out()
    promised_shipping_hours: int | None = Field(default=None, ge=1, le=24 * 30)
    flash_purchase: StrictBool | None = left_out()
    skus: list[SkuIn] | None = left_out(min_length=1, max_length=500, description=SKUS)

    _not_null = field_validator(
        "title", "category", "origin", "listed", "flash_purchase", "skus", mode="before"
    )(refuse_null)

    @field_validator("skus")
    @classmethod
    def _unique_skus(cls, skus: list[SkuIn] | None) -> list[SkuIn] | None:
        return _unique_sku_ids(skus) if skus else skus


class SkuOut(BaseModel):
    sku_id: str
    price: str


class ProductOut(BaseModel):
    id: str
    merchant_id: str
    title: str
    category: str
    origin: Origin
    listed: bool
    promised_shipping_hours: int | None
    flash_purchase: bool
    skus: list[SkuOut]
    highest_price: str
    created_at: datetime
    updated_at: datetime


class CategoryOut(BaseModel):
    code: str
    parent: str | None
    name_zh: str
    name_en: str
    path: list[str]
    depth: int
