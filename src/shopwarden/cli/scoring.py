"""``shopwarden score MERCHANT`` and ``shopwarden simulate``: the score from the command line."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from shopwarden.cli.common import open_container, parse_instant

console = Console()
Engine = Annotated[str, typer.Option(help="duckdb (default) or spark.")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="ISO instant with its zone.")]


def _as_of(text: str | None) -> datetime | None:
    """``--as-of``, checked before anything opens; None means now, by the container's clock."""
    return None if text is None else parse_instant(text, field="as_of")


def score(
    merchant: Annotated[str, typer.Argument(help="The merchant's id.")],
    as_of: AsOf = None,
    engine: Engine = "duckdb",
    as_json: Annotated[bool, typer.Option("--json", help="Print the document as JSON.")] = False,
) -> None:
    """A merchant's shopping experience score with its breakdown (SCORE-1..5)."""
    from shopwarden.facts.storage import facts_dir
    from shopwarden.scoring.documents import score_document
    from shopwarden.scoring.service import policy_in_force, score_merchant

    given = _as_of(as_of)
    with open_container() as container:
        when = given or container.clock.now()
        version = policy_in_force(container.policies, when)
        result = score_merchant(
            facts_dir(container.settings.home),
            version=version,
            as_of=when,
            merchant_id=merchant,
            engine=engine,
        )
    document = score_document(result)
    if as_json:
        console.print_json(json.dumps(document))
        return
    _print_score(document)


def _print_score(doc: dict[str, Any]) -> None:
    window = doc["window"]
    console.print(
        f"merchant {doc['merchant_id']}, window {window['first_day']} .. {window['last_day']} "
        f"(Asia/Shanghai), policy score@{doc['policy']['version']}",
        markup=False,
    )
    if doc["status"] != "scored":
        console.print(
            f"no score yet: insufficient data ({doc['scored_orders']} scored orders, "
            f"fewer than {doc['min_scored_orders']})"
        )
    else:
        console.print(
            f"score {doc['score']}  (weighted total {doc['total']}, band {doc['band']}, "
            f"{doc['scored_orders']} scored orders)"
        )
    table = Table("dimension / indicator", "value", "mapped 0-5", "share", "contribution")
    for dimension in doc["dimensions"]:
        table.add_row(
            f"[bold]{dimension['name']}[/]",
            "",
            dimension["score"] or "no data",
            dimension["share"],
            dimension["contribution"],
        )
        for indicator in dimension["indicators"]:
            table.add_row(
                f"  {indicator['name']}",
                indicator["value"] or "no data",
                indicator["mapped"] or "",
                indicator["share"],
                indicator["contribution"],
            )
    console.print(table)


def simulate(
    policy: Annotated[str, typer.Option(help="A draft score policy file, or a version id.")],
    as_of: AsOf = None,
    engine: Engine = "duckdb",
) -> None:
    """What if a draft score policy were in force? Changes nothing (SCORE-3, SCORE-6)."""
    from shopwarden.facts.storage import facts_dir
    from shopwarden.scoring.whatif import draft_version
    from shopwarden.scoring.whatif import simulate as run

    given = _as_of(as_of)
    with open_container() as container:
        when = given or container.clock.now()
        draft = draft_version(container.policies, policy)
        report = run(
            facts_dir(container.settings.home),
            policies=container.policies,
            draft=draft,
            as_of=when,
            engine=engine,
        )
    console.print(
        f"as of {report['as_of']}: score@{report['current']} -> draft {report['draft']}, "
        f"{report['merchants']} merchants with orders in the window",
        markup=False,
    )
    bands = report["band_changes"]
    console.print(f"band changes: {bands['changed']}")
    for move, count in bands["moves"].items():
        console.print(f"  {move}: {count}")
    for campaign, change in report["campaigns"].items():
        console.print(f"campaign {campaign}: +{change['gained']} eligible, -{change['lost']}")
    access = report["distribution_program"]
    console.print(f"distribution program: +{access['gained']} access, -{access['lost']}")
    levels = report["merchant_levels"]
    console.print(f"merchant levels: {levels['up']} up, {levels['down']} down")
    console.print_json(json.dumps(report))


def register(app: typer.Typer) -> None:
    app.command()(score)
    app.command()(simulate)
