"""The policy book: every version of every family, and which one is in force when (POL-1).

The store checks the book as a whole, because a file can be valid alone and still break it:

- a version id is used once per family;
- versions of one family do not overlap. They are ordered by ``effective_from``; a version
  without ``effective_until`` runs until the next one's ``effective_from``. Two versions
  overlap when they have the same ``effective_from``, or one has an explicit
  ``effective_until`` later than the other's ``effective_from`` while starting before it.
  A gap (an explicit end with no successor yet) is allowed: nothing is in force there;
- every version was published at least the notice period before it took effect (POL-4). The
  period is the ``platform`` family's ``notice_period`` in force when the version was
  published, or :data:`DEFAULT_NOTICE` before any platform version exists.

Publishing adds a version at run time and writes it to the workspace, so it survives a
restart; versions already in force are never replaced or edited (POL-2).

One exception, for values the sources never gave: a bundled version marked ``assumption`` (an
illustrative stand-in, e.g. the score rules before 2023-12-15) may be **replaced** by an
operator's version that says ``replaces: <version>`` and has the same ``effective_from`` and
``effective_until``. The replacement takes the assumed version's place for that whole span,
in the past too, because it records what the platform's rule actually was; the notice period
and the "already in force" refusal do not apply to it, and nothing else may start in the
past. The assumed version stays readable, marked ``replaced_by``, and decisions already
recorded keep naming it (POL-2: a decision names the version that produced it). A version
that is not marked ``assumption`` cannot be replaced.

The store knows no domain: the composition root gives it the parameter model of every family
(``schemas``), which files are validated against and a family must be one of.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from functools import cache
from itertools import pairwise
from pathlib import Path
from types import MappingProxyType
from typing import Protocol, runtime_checkable

import yaml
from pydantic import BaseModel

from shopwarden.clock import ensure_aware
from shopwarden.errors import Conflict, NotFound, PolicyInvalid
from shopwarden.policy.loader import (
    BUNDLED_DIR,
    Schemas,
    load_directory,
    parse_policy,
    unknown_family,
)
from shopwarden.policy.model import PolicyVersion
from shopwarden.policy.types import format_duration

PLATFORM = "platform"
"""The family of the rules about the rules: its ``notice_period`` is POL-4's notice."""

DEFAULT_NOTICE = timedelta(days=7)
"""POL-4's floor, used only until a ``platform`` version is in force to say otherwise."""


@runtime_checkable
class NoticeRules(Protocol):
    """What the store reads from the ``platform`` family's parameters (POL-4)."""

    @property
    def notice_period(self) -> timedelta: ...


class PolicyStore:
    """An immutable-per-version, append-only book of policy versions."""

    def __init__(
        self,
        versions: Iterable[PolicyVersion],
        *,
        schemas: Schemas,
        workspace_dir: Path | None = None,
    ) -> None:
        self._schemas: Schemas = MappingProxyType(dict(schemas))
        self._workspace_dir = workspace_dir
        self._lock = threading.Lock()
        self._by_family: dict[str, list[PolicyVersion]] = {}
        self._replaced: dict[str, list[PolicyVersion]] = {}
        versions = list(versions)
        for version in versions:
            self._check_schema(version)
        replacements = sorted((v for v in versions if v.replaces), key=lambda v: v.published_at)
        for version in versions:
            if version.replaces is None:
                self._check_new_id(version, error=PolicyInvalid)
                self._by_family.setdefault(version.family, []).append(version)
        for version in replacements:
            self._check_new_id(version, error=PolicyInvalid)
            self._replace(version, error=PolicyInvalid)
        for family_versions in self._by_family.values():
            family_versions.sort(key=_start)
            _check_no_overlap(family_versions)
        for family_versions in self._by_family.values():
            for version in family_versions:
                if version.replaces is None:
                    self._check_notice(version)

    @classmethod
    def load(
        cls,
        *,
        schemas: Schemas,
        bundled: bool = True,
        directories: Sequence[Path] = (),
        workspace_dir: Path | None = None,
    ) -> PolicyStore:
        """The bundled defaults, extra directories and the workspace's published versions,
        each validated against its family's model in ``schemas``."""
        versions = list(_bundled_versions(schemas)) if bundled else []
        for directory in directories:
            versions += load_directory(directory, schemas=schemas, label=directory.name)
        if workspace_dir is not None and workspace_dir.is_dir():
            versions += load_directory(workspace_dir, schemas=schemas, label=WORKSPACE)
        return cls(versions, schemas=schemas, workspace_dir=workspace_dir)

    @property
    def schemas(self) -> Schemas:
        """The parameter model of each family this store accepts (read-only)."""
        return self._schemas

    def families(self) -> list[str]:
        """The families the store accepts, by name."""
        return sorted(self._schemas)

    def versions(
        self, family: str | None = None, *, published_by: datetime | None = None
    ) -> list[PolicyVersion]:
        """Versions by family and start; ``published_by`` keeps what merchants see by then."""
        if family is not None and family not in self._schemas:
            raise NotFound(f"no policy family {family!r}; known: {', '.join(self._schemas)}")
        names = [family] if family is not None else self.families()
        cutoff = ensure_aware(published_by) if published_by is not None else None
        return [
            version
            for name in names
            for version in self._by_family.get(name, [])
            if cutoff is None or version.published_at <= cutoff
        ]

    def replaced(self, family: str | None = None) -> list[PolicyVersion]:
        """Assumed versions an operator replaced; readable, never in force any more."""
        names = [family] if family is not None else sorted(self._replaced)
        return [version for name in names for version in self._replaced.get(name, [])]

    def get(self, family: str, version: str) -> PolicyVersion:
        for candidate in [*self._by_family.get(family, []), *self._replaced.get(family, [])]:
            if candidate.version == version:
                return candidate
        raise NotFound(f"no {family} policy version {version!r}")

    def in_force(self, family: str, as_of: datetime) -> PolicyVersion:
        """The version with the latest ``effective_from`` at or before ``as_of`` (POL-1)."""
        ensure_aware(as_of)  # refuses a naive instant; the message keeps the caller's zone
        for version in reversed(self._by_family.get(family, [])):
            if version.effective_from <= as_of:
                if version.in_force_at(as_of):
                    return version
                break  # its explicit end has passed and no successor has started: a gap
        raise NotFound(f"no {family} policy in force at {as_of.isoformat()}")

    def previous(self, version: PolicyVersion) -> PolicyVersion | None:
        """The version of the same family that started last before this one, if any."""
        earlier = [
            v
            for v in self._by_family.get(version.family, [])
            if v.effective_from < version.effective_from
        ]
        return earlier[-1] if earlier else None

    def notice_period(self, published_at: datetime) -> timedelta:
        """The notice a version published at ``published_at`` must give (POL-4)."""
        try:
            platform = self.in_force(PLATFORM, published_at)
        except NotFound:
            return DEFAULT_NOTICE
        if not isinstance(platform.parameters, NoticeRules):
            held = type(platform.parameters).__name__
            raise TypeError(f"{platform.ref} holds {held}, which has no notice_period")
        return platform.parameters.notice_period

    def publish(self, text: str, *, now: datetime) -> PolicyVersion:
        """Add a new version published at ``now`` and write it to the workspace (POL-2, POL-4).

        The file's own ``published_at`` is ignored: publication is the moment it is accepted.
        """
        if self._workspace_dir is None:
            raise Conflict("this policy store has no workspace directory to publish into")
        ensure_aware(now)
        candidate = parse_policy(
            text, origin="<published policy>", schemas=self._schemas, published_at=now
        )
        target = self._workspace_dir / candidate.family / f"{candidate.version}.yaml"
        with self._lock:
            self._check_new_id(candidate, error=Conflict)
            if candidate.replaces is not None:
                return self._publish_replacement(candidate, target)
            if candidate.effective_from < now:
                raise PolicyInvalid(
                    f"{candidate.ref}: effective_from {candidate.effective_from.isoformat()} "
                    f"is before now ({now.isoformat()}); a version in force is never changed, "
                    "publish a new one that takes effect later (POL-2)",
                    field="effective_from",
                    rule="POL-2",
                )
            self._check_notice(candidate)
            existing = self._by_family.get(candidate.family, [])
            _check_no_overlap(sorted([*existing, candidate], key=_start))
            if target.exists():
                raise Conflict(
                    f"{candidate.ref} is published already; it is not overwritten", field="version"
                )
            _write_atomically(target, _published_text(candidate))
            version = candidate.model_copy(update={"origin": _workspace_origin(candidate)})
            self._by_family[version.family] = sorted([*existing, version], key=_start)
        return version

    def _publish_replacement(self, candidate: PolicyVersion, target: Path) -> PolicyVersion:
        """An operator's version for the span of an assumed one (see the module docstring)."""
        if target.exists():
            raise Conflict(
                f"{candidate.ref} is published already; it is not overwritten", field="version"
            )
        self._replace(candidate, error=Conflict, dry_run=True)
        _write_atomically(target, _published_text(candidate))
        version = candidate.model_copy(update={"origin": _workspace_origin(candidate)})
        self._replace(version, error=Conflict)
        return version

    def _replace(
        self,
        version: PolicyVersion,
        *,
        error: type[Conflict | PolicyInvalid],
        dry_run: bool = False,
    ) -> None:
        """Put ``version`` in the place of the assumed version it names in ``replaces``."""
        active = self._by_family.get(version.family, [])
        old = next((v for v in active if v.version == version.replaces), None)
        if old is None:
            replaced = self._replaced.get(version.family, [])
            gone = next((v for v in replaced if v.version == version.replaces), None)
            why = f"already replaced by {gone.replaced_by}" if gone else "no such version"
            raise error(
                f"{version.ref} replaces {version.family}@{version.replaces}: {why}",
                field="replaces",
                rule="POL-2",
            )
        if old.assumption is None:
            raise error(
                f"{version.ref} replaces {old.ref}, which is not marked as an assumption; only an "
                "illustrative version the sources do not give may be replaced, any other change "
                "is a new version with notice (POL-2, POL-4)",
                field="replaces",
                rule="POL-2",
            )
        if (version.effective_from, version.effective_until) != (
            old.effective_from,
            old.effective_until,
        ):
            raise error(
                f"{version.ref} replaces {old.ref} and must cover the same span: effective_from "
                f"{old.effective_from.isoformat()}, effective_until "
                f"{old.effective_until.isoformat() if old.effective_until else 'null'}",
                field="effective_from",
                rule="POL-2",
            )
        if dry_run:
            return
        self._by_family[version.family] = sorted(
            [*(v for v in active if v is not old), version], key=_start
        )
        self._replaced.setdefault(version.family, []).append(
            old.model_copy(update={"replaced_by": version.version})
        )

    def _check_schema(self, version: PolicyVersion) -> None:
        """A version of a family the store accepts, its parameters of that family's model."""
        schema = self._schemas.get(version.family)
        if schema is None:
            raise PolicyInvalid(
                f"{version.origin}: family: {unknown_family(version.family, self._schemas)}",
                field="family",
            )
        if not isinstance(version.parameters, schema):
            raise PolicyInvalid(
                f"{version.origin}: parameters: {version.family} parameters are a "
                f"{schema.__name__}",
                field="parameters",
            )

    def _check_new_id(
        self, version: PolicyVersion, *, error: type[Conflict | PolicyInvalid]
    ) -> None:
        known = [*self._by_family.get(version.family, []), *self._replaced.get(version.family, [])]
        for existing in known:
            if existing.version == version.version:
                raise error(
                    f"{version.ref} is defined twice: in {existing.origin} and in "
                    f"{version.origin}; versions are immutable, a change needs a new version id "
                    "(POL-2)",
                    field="version",
                    rule="POL-2",
                )

    def _check_notice(self, version: PolicyVersion) -> None:
        required = self.notice_period(version.published_at)
        given = version.effective_from - version.published_at
        if given < required:
            raise PolicyInvalid(
                f"{version.origin}: effective_from: {version.ref} takes effect "
                f"{_span(given)} after its publication at {version.published_at.isoformat()}; "
                f"a new version needs at least {format_duration(required)} notice (POL-4)",
                field="effective_from",
                rule="POL-4",
            )


def _start(version: PolicyVersion) -> datetime:
    return version.effective_from


def _check_no_overlap(ordered: list[PolicyVersion]) -> None:
    for before, after in pairwise(ordered):
        until = before.effective_until
        runs_on = until is not None and until > after.effective_from
        if before.effective_from == after.effective_from or runs_on:
            raise PolicyInvalid(
                f"{after.origin}: effective_from: {after.ref} starting "
                f"{after.effective_from.isoformat()} overlaps {before.ref} ({before.origin}), "
                "which is still in force then; one version of a family at a time (POL-2)",
                field="effective_from",
                rule="POL-2",
            )


def _span(duration: timedelta) -> str:
    """A short human reading of a span, e.g. ``6d 23h 59m``."""
    if duration < timedelta(0):
        return "-" + _span(-duration)
    minutes = int(duration.total_seconds()) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n]
    return " ".join(parts) or "0m"


def _published_text(version: PolicyVersion) -> str:
    header = f"# Published {version.published_at.isoformat()} through PolicyStore.publish.\n"
    return header + yaml.safe_dump(version.document(), sort_keys=False, allow_unicode=True)


def _write_atomically(target: Path, text: str) -> None:
    """A reader (or a crash) never sees half a policy file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, target)


def _bundled_versions(schemas: Schemas) -> tuple[PolicyVersion, ...]:
    return _parsed_bundle(tuple(schemas.items()))


@cache
def _parsed_bundle(schemas: tuple[tuple[str, type[BaseModel]], ...]) -> tuple[PolicyVersion, ...]:
    """Parsed once per process and set of schemas: the bundled files do not change while it
    runs."""
    return tuple(load_directory(BUNDLED_DIR, schemas=dict(schemas), label="bundled"))


WORKSPACE = "workspace"


def _workspace_origin(version: PolicyVersion) -> str:
    """How a published version's file is named in messages (never its server path)."""
    return f"{WORKSPACE}:{version.family}/{version.version}.yaml"
