"""Parameters of the ``violations`` policy family: violation measures (VIO-1..6, seed 003).

A measure type is data: the actions it forbids while in force, whether it takes the
violator's products off sale when it starts, and the weight it puts on the exposure of the
violator's short videos. The list of measure types is open (the seed says 等, "and so on"):
an operator publishes a version with another measure type, made of these actions, without a
change of code. The actions form a closed vocabulary, because each one is enforced at the
point the action is attempted (a product path here, or another system asking
``GET /v1/violations/enforcement``); a misspelt action in a policy file would silently forbid
nothing, so it is refused on load.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, Field, model_validator

from shopwarden.policy.types import Code, Duration, Multiplier, PolicyModel, unique

Action = Literal[
    "create_product",  # publish or upload a new product (VIO-1)
    "list_product",  # put a product on sale (VIO-1)
    "relist_product",  # put a product that a measure took off sale back on sale (VIO-1)
    "promote_product",  # market or promote the violator's products (VIO-1)
    "live_sell",  # promote or sell goods or services in an e-commerce live stream (VIO-2)
    "short_video_sell",  # promote or sell goods or services in an e-commerce short video (VIO-2)
    "store_entry",  # the store entry on the violator's profile (VIO-2)
    "private_message",  # send private messages from the violator's profile (VIO-3)
]
ACTIONS: tuple[str, ...] = get_args(Action)

# The actions the product paths of this system attempt; the others happen in other systems.
PRODUCT_ACTIONS: tuple[str, ...] = ("create_product", "list_product", "relist_product")


class Measure(PolicyModel):
    """One violation measure type and what it does while in force (VIO-1..5)."""

    rule: Annotated[str, Field(pattern=r"^VIO-\d+$")]
    description: str = Field(min_length=1)
    forbids: Annotated[tuple[Action, ...], AfterValidator(unique)]
    delist_on_start: bool = Field(default=False, strict=True)  # VIO-1 takes products off sale
    # VIO-4: exposure of the violator's short videos is multiplied by this factor.
    exposure_factor: Annotated[Multiplier, Field(le=1)] | None = None

    @model_validator(mode="after")
    def _does_something(self) -> Measure:
        if not self.forbids and not self.delist_on_start and self.exposure_factor is None:
            raise ValueError("a measure must forbid an action, delist, or weigh exposure")
        return self


class ViolationsPolicy(PolicyModel):
    measures: dict[Code, Measure] = Field(min_length=1)
    appeal_deadline: Duration  # VIO-6: from the case's opening
