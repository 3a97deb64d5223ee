"""Parameters of the ``violations`` policy family: violation measures (VIO-1..6, seed 003).

A measure is data: the actions it forbids while in force. The actions form a closed
vocabulary, because each one is enforced by code at the point the action is attempted; a
misspelt action in a policy file would silently forbid nothing, so it is refused on load.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from shopwarden.policy.types import Code, Duration, Multiplier, PolicyModel, unique

Action = Literal[
    "list_product",  # put a product on sale, a delisted one included
    "publish_product",  # publish a new product
    "live_sell",  # promote or sell goods in an e-commerce live stream
    "short_video_sell",  # promote or sell goods in an e-commerce short video
    "store_entry",  # the store entry on the violator's profile
    "private_message",  # send private messages from the profile
]


class Measure(PolicyModel):
    """One violation measure and what it forbids while in force (VIO-5)."""

    rule: Annotated[str, Field(pattern=r"^VIO-\d+$")]
    description: str = Field(min_length=1)
    forbids: Annotated[tuple[Action, ...], AfterValidator(unique)]
    delist_on_start: bool = Field(default=False, strict=True)  # VIO-1 takes products off sale
    # VIO-4: exposure of the violating short videos is multiplied by this factor.
    exposure_factor: Annotated[Multiplier, Field(le=1)] | None = None


class ViolationsPolicy(PolicyModel):
    measures: dict[Code, Measure] = Field(min_length=1)
    appeal_deadline: Duration  # VIO-6
