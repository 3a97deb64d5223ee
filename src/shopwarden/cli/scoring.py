"""``shopwarden score MERCHANT`` and ``shopwarden simulate``: the score from the command line."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from shopwarden.cli.common import open_container, parse_instant
from shopwarden.cli.output import JSON_HELP, emit, render

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
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """A merchant's shopping experience score: the day's snapshot, else computed from the
    facts, with its breakdown and what it feeds (traffic weight, campaigns)."""
    from shopwarden.facts.storage import facts_dir
    from shopwarden.scoring.views import merchant_score

    given = _as_of(as_of)
    with open_container() as container:
        document = merchant_score(
            container.unit_of_work,
            root=facts_dir(container.settings.home),
            merchant_id=merchant,
            as_of=given or container.clock.now(),
            engine=engine,
        )
    if as_json:
        emit(document, as_json=True)
        return
    _print_score(document)


def _print_score(doc: dict[str, Any]) -> None:
    window = doc["window"]
    console.print(
        f"merchant {doc['merchant_id']}, window {window['first_day']} .. {window['last_day']} "
        f"(Asia/Shanghai), policy score@{doc['policy']['version']}, {doc['source']}",
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
    if doc.get("consumers"):
        console.print(render(doc["consumers"], title="what the score feeds (SCORE-6)"))


def simulate(
    policy: Annotated[
        str, typer.Option(help="A draft score policy file (YAML), or a version id in the book.")
    ],
    as_of: AsOf = None,
    engine: Engine = "duckdb",
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """What if a draft score policy were in force? Who changes band and what it does to their
    traffic weight, campaigns, distribution access and level. Changes nothing (SCORE-3, 6)."""
    from shopwarden.facts.storage import facts_dir
    from shopwarden.scoring.whatif import draft_version
    from shopwarden.scoring.whatif import simulate as run

    given = _as_of(as_of)
    with open_container() as container:
        when = given or container.clock.now()
        draft = draft_version(container.policies, policy, now=when)
        report = run(
            facts_dir(container.settings.home),
            policies=container.policies,
            draft=draft,
            as_of=when,
            engine=engine,
        )
    if as_json:
        emit(report, as_json=True)
        return
    _print_simulation(report)


def _print_simulation(report: dict[str, Any]) -> None:
    console.print(
        f"as of {report['as_of']}: score@{report['current']} -> draft {report['draft']}, "
        f"{report['merchants']} merchants with orders in the window",
        markup=False,
    )
    moves = [
        {
            "band": f"{m['from']} -> {m['to']}",
            "merchants": m["merchants"],
            "traffic weight": f"{m['traffic_weight_from']} -> {m['traffic_weight_to']}",
        }
        for m in report["band_changes"]["moves"]
    ]
    console.print(render(moves, title=f"band changes: {report['band_changes']['changed']}"))
    consumers = [
        {"consumer": f"campaign {name}", "gained": c["gained"], "lost": c["lost"]}
        for name, c in report["campaigns"].items()
    ]
    access = report["distribution_program"]
    consumers.append(
        {"consumer": "distribution program", "gained": access["gained"], "lost": access["lost"]}
    )
    levels = report["merchant_levels"]
    consumers.append({"consumer": "merchant level", "gained": levels["up"], "lost": levels["down"]})
    console.print(render(consumers, title="what the score feeds (SCORE-6)"))


def register(app: typer.Typer) -> None:
    app.command()(score)
    app.command()(simulate)
