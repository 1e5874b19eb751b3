"""What Earshot makes of each shop shape: build time, marts, voice, tags and demand signals.

    python bench/shapes_report.py [--shapes half_year_demand unfamiliar_tags ...]

Builds every named shop of ``sandbox/shapes.py`` (generated at the XS scale,
served by the twins, loaded with the sources it connects, ``dbt build``) and
prints one markdown row per shop, then the half-year shop's signal leads.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb

from orchestration.defs.transform.checks import unmapped_call_tags
from sandbox.shapes import SHOP_CASES, build_case


def scalar(connection: duckdb.DuckDBPyConnection, sql: str) -> object:
    return connection.execute(sql).fetchone()[0]


def report(name: str, root: Path) -> tuple[str, list[str]]:
    started = time.perf_counter()
    warehouse = build_case(name, root)
    seconds = time.perf_counter() - started
    leads = []
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        marts = scalar(
            connection,
            "select count(*) from information_schema.tables where table_schema = 'marts'",
        )
        empty = scalar(
            connection,
            "select count(*) from duckdb_tables() where schema_name = 'marts' "
            "and estimated_size = 0",
        )
        documents = dict(
            connection.execute(
                "select source, count(*) from marts.voice_documents group by 1 order by 1"
            ).fetchall()
        )
        tags = unmapped_call_tags(connection)
        signals = dict(
            connection.execute(
                "select product_id, min(week_start) from marts.demand_signals "
                "where is_signal group by 1"
            ).fetchall()
        )
        truths = json.loads((root / "shop" / "answer_key" / "truths.json").read_text())
        for plant in truths["demand"]:
            rise = date.fromisoformat(plant["demand_rise_week_start"])
            first = signals.get(plant["product_id"])
            ahead = f"{(rise - first).days // 7} weeks ahead" if first else "no signal"
            leads.append(f"{name}: {plant['kind']} {plant['title']}: rise {rise}, {ahead}")
    voice = ", ".join(f"{source} {count}" for source, count in documents.items()) or "none"
    warn = "warns" if not tags.passed else "passes"
    row = (
        f"| {name} | {seconds:.0f} s | {marts} ({empty} empty) | {voice} | "
        f"{tags.share:.0%} unmapped, {warn} |"
    )
    return row, leads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shapes", nargs="*", default=sorted(SHOP_CASES))
    args = parser.parse_args()
    print("| shop | load + dbt build | marts | voice documents | call tags |")
    print("|---|---|---|---|---|")
    all_leads = []
    with tempfile.TemporaryDirectory(prefix="earshot-shapes-") as scratch:
        for name in args.shapes:
            row, leads = report(name, Path(scratch) / name)
            print(row, flush=True)
            all_leads += leads
    print()
    for line in all_leads:
        if line.startswith("half_year_demand"):
            print(f"- {line}")


if __name__ == "__main__":
    main()
