"""``shopwarden policy ...``: the versioned policy book (POL-1..4)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from shopwarden.cli.common import open_container
from shopwarden.cli.output import emit
from shopwarden.clock import shanghai_text
from shopwarden.policy.model import PolicyVersion

policy_app = typer.Typer(help="Versioned policies (POL-1..4).", no_args_is_help=True)


@policy_app.command("list")
def policy_list(
    family: Annotated[str | None, typer.Option(help="Only this family.")] = None,
) -> None:
    """Every version, with the one in force now marked."""
    with open_container(migrate=False) as container:
        policies = container.policies
        now = container.clock.now()
    listed = sorted(
        [*policies.versions(family), *policies.replaced(family)],
        key=lambda v: (v.family, v.effective_from, v.replaced_by is None),
    )
    rows = [
        {
            "family": version.family,
            "version": version.version,
            "revised_on": version.revised_on.isoformat(),
            "effective_from": shanghai_text(version.effective_from),
            "in_force": policies.in_force(version.family, now).version == version.version,
            "replaced_by": version.replaced_by,
            "assumed": _assumed(version),
        }
        for version in listed
    ]
    emit(rows, title="policies")


def _assumed(version: PolicyVersion) -> str:
    """How much of a version the sources do not give: all of it, or how many values."""
    if version.assumption is not None:
        return "whole version"
    count = len(version.assumptions)
    return "" if not count else f"{count} value" if count == 1 else f"{count} values"


@policy_app.command("show")
def policy_show(family: str, version: str) -> None:
    """The version's document; what the sources do not give is named first, on stderr."""
    with open_container(migrate=False) as container:
        found = container.policies.get(family, version)
    notes = Console(stderr=True)
    if found.assumption is not None:
        notes.print(
            f"ASSUMED VERSION: {found.assumption}",
            markup=False,
        )
    if found.replaced_by is not None:
        notes.print(f"replaced by {family}@{found.replaced_by}", markup=False)
    for path, reason in {a.path: a.reason for a in found.assumptions}.items():
        notes.print(f"assumption: {path}: {reason}", markup=False)
    emit(found.document(), title=found.ref)


@policy_app.command("diff")
def policy_diff(family: str, version: str) -> None:
    """What changed against the version before it."""
    from shopwarden.policy.diff import diff_versions

    with open_container(migrate=False) as container:
        after = container.policies.get(family, version)
        before = container.policies.previous(after)
    changes = [
        {"change": c.change, "path": c.path, "before": c.before, "after": c.after}
        for c in diff_versions(before, after)
    ]
    document = {
        "family": family,
        "before": before.version if before else None,
        "after": version,
        "changes": changes,
    }
    emit(document, title=f"{family}: {document['before'] or '(none)'} -> {version}")


@policy_app.command("publish")
def policy_publish(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Publish a new version into the workspace; refused with less than 7 days' notice (POL-4)."""
    with open_container(migrate=False) as container:
        published = container.policies.publish(
            file.read_text(encoding="utf-8"), now=container.clock.now()
        )
    emit(
        {"published": published.ref, "effective_from": shanghai_text(published.effective_from)},
        title="published",
    )
