"""What merchants and operators send and read for merchants and products."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shopwarden.schema_types import Identifier, PositiveMoneyText

MerchantStatus = Literal["open", "closing", "closed"]
Origin = Literal["self_built", "distributed"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MerchantCreate(Strict):
    id: Identifier
    name: str = Field(min_length=1, max_length=200)
    wallet_upgraded: bool = False


class MerchantUpdate(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    status: MerchantStatus | None = None
    wallet_upgraded: bool | None = None


class MerchantOut(BaseModel):
    id: str
    name: str
    status: MerchantStatus
    wallet_upgraded: bool
    created_at: datetime
    status_changed_at: datetime


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
    listed: bool = False
    promised_shipping_hours: int | None = Field(default=None, ge=1, le=24 * 30)
    flash_purchase: bool = False
    skus: list[SkuIn] = Field(min_length=1, max_length=500)

    @field_validator("skus")
    @classmethod
    def _unique_skus(cls, skus: list[SkuIn]) -> list[SkuIn]:
        return _unique_sku_ids(skus)


class ProductUpdate(Strict):
    title: str | None = Field(default=None, min_length=1, max_length=300)
    category: str | None = Field(default=None, min_length=1, max_length=64)
    origin: Origin | None = None
    listed: bool | None = None
    promised_shipping_hours: int | None = Field(default=None, ge=1, le=24 * 30)
    flash_purchase: bool | None = None
    skus: list[SkuIn] | None = Field(default=None, min_length=1, max_length=500)

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
