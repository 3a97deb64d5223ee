"""One version of one policy family: the header of a policy file and its typed parameters.

A version is immutable (POL-2): it is read once from its file and never edited; a change of
rules is a new version with a later ``effective_from``. Which version is in force among many
is the store's question (``store.py``); a version alone only knows its own validity span.
Which parameter model a family has is not known here either: the loader and the store are
given the families' schemas by the composition root and check a version against them.

What the source documents do not say is marked as such, machine-readably, wherever a version
is shown: ``assumption`` says the whole version is illustrative (the seeds do not give it),
``assumptions`` lists the field paths of single values that are this project's choice, each
with a one-line reason. Only a version marked ``assumption`` may later be replaced by an
operator's version for the same span (``replaces``; see ``store.py``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, TypeVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SerializeAsAny,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from shopwarden.clock import ensure_aware

P = TypeVar("P", bound=BaseModel)

VersionId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
"""A version id doubles as a file name, so it is letters, digits and ``._-`` only."""

RuleId = Annotated[str, StringConstraints(pattern=r"^[A-Z]+-\d+$")]

FieldPath = Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]*(\.[a-z0-9_]+|\[\d+\])*$")]
"""Where a value is in a policy document: ``parameters.bands[1].mapping``, ``effective_from``."""


class Assumption(BaseModel):
    """One value of a version that the sources do not give: where it is and why we chose it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: FieldPath
    reason: str = Field(min_length=1)


class PolicyVersion(BaseModel):
    """A dated rule set (POL-1): when it was revised, published, and in force."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    family: str
    version: VersionId
    title: str = Field(min_length=1)
    revised_on: date
    published_at: AwareDatetime
    effective_from: AwareDatetime
    effective_until: AwareDatetime | None = None  # exclusive
    rules: tuple[RuleId, ...] = Field(min_length=1)
    source: str | None = None
    # The whole version is an illustrative assumption, not taken from the sources: why.
    assumption: str | None = Field(default=None, min_length=1)
    # Single values not taken from the sources, by field path (checked by the loader).
    assumptions: tuple[Assumption, ...] = ()
    # This version replaces an assumed version of the same span (store.py).
    replaces: VersionId | None = None
    parameters: SerializeAsAny[BaseModel]
    origin: str
    # Set by the store, never by a file: the operator's version that replaced this one.
    replaced_by: VersionId | None = None

    @field_validator("assumptions")
    @classmethod
    def _one_reason_per_path(cls, assumptions: tuple[Assumption, ...]) -> tuple[Assumption, ...]:
        paths = [a.path for a in assumptions]
        twice = sorted({p for p in paths if paths.count(p) > 1})
        if twice:
            raise ValueError(f"a path is listed more than once: {', '.join(twice)}")
        return assumptions

    # effective_from - published_at >= notice is checked by the store (POL-4): the notice
    # period is itself policy, in the platform family.
    @field_validator("effective_until")
    @classmethod
    def _after_start(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        effective_from = info.data.get("effective_from")
        if value is not None and effective_from is not None and value <= effective_from:
            raise ValueError("effective_until (exclusive) must come after effective_from")
        return value

    @property
    def ref(self) -> str:
        """How a decision records the version that produced it (POL-2)."""
        return f"{self.family}@{self.version}"

    def in_force_at(self, as_of: datetime) -> bool:
        """Whether ``as_of`` falls in this version's own span, ignoring any successor."""
        as_of = ensure_aware(as_of)
        if as_of < self.effective_from:
            return False
        return self.effective_until is None or as_of < self.effective_until

    def parameters_as(self, model: type[P]) -> P:
        """The parameters typed as the family's model, for code that knows its family."""
        if not isinstance(self.parameters, model):
            held = type(self.parameters).__name__
            raise TypeError(f"{self.ref} holds {held}, not {model.__name__}")
        return self.parameters

    def document(self) -> dict[str, Any]:
        """The version as merchants read it (POL-4): JSON-ready, amounts and spans as text."""
        return {
            "family": self.family,
            "version": self.version,
            "title": self.title,
            "revised_on": self.revised_on.isoformat(),
            "published_at": self.published_at.isoformat(),
            "effective_from": self.effective_from.isoformat(),
            "effective_until": self.effective_until.isoformat() if self.effective_until else None,
            "rules": list(self.rules),
            "source": self.source,
            "assumption": self.assumption,
            "assumptions": [a.model_dump() for a in self.assumptions],
            "replaces": self.replaces,
            **({"replaced_by": self.replaced_by} if self.replaced_by is not None else {}),
            "parameters": self.parameters.model_dump(mode="json"),
        }

    def assumed_paths(self) -> dict[str, str]:
        """Each assumed value's path and reason; ``(version)`` when the whole version is."""
        found = {"(version)": self.assumption} if self.assumption is not None else {}
        return found | {a.path: a.reason for a in self.assumptions}
