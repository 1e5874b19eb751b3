"""Benchmark the dbt project on a sandbox shop: a full build, a daily build, and dbt's overhead.

    python bench/dbt_bench.py [--scale M] [--seed 7] [--runs 3]

One invocation does, in order:

1. **Day 1.** The twins' clock stops one day before the shop's last order; the
   three sources load and ``dbt build`` runs on the empty warehouse (the first
   build: every sentence is scored, the language model loads).
2. **Day 2.** The clock moves to the last order and the sources load what the
   day brought. This warehouse (day 1 built, day 2 loaded) is the starting
   point of every measured run below, each on its own copy.
3. **Daily vs full.** ``dbt build`` as the daily schedule runs it (unit tests
   left out, as in orchestration/defs/transform/assets.py; incremental models
   take only the new loads; with ``EARSHOT_LOOKBACK_HOURS=0``, as day 1 is one
   load of the whole history minutes before day 2, which the default look-back
   would read again) and the same with ``--full-refresh`` (everything rebuilt,
   every sentence scored again), alternately, ``--runs`` times each.
4. **dbt's overhead.** ``dbt build --full-refresh`` of the SQL models and their
   data tests only (seeds, Python models and unit tests left out: they are not
   SQL a warehouse could run), against executing the same compiled SQL in one
   DuckDB connection, in dependency order: ``create or replace`` each model as
   its materialisation, ``select count(*)`` from each test. Alternately, ``--runs``
   times each; the ratio is per pair.

Each measured command runs on a copy of the day-2 warehouse in a folder of its
own, which dbt has parsed beforehand (not timed): a shop's warehouse stays where
it is from one run to the next, so its daily run reuses the last run's parse,
while a moved warehouse changes dbt's profile and costs a whole new parse (about
4 s at M). Times are wall-clock for the whole process (dbt's start-up
included); peak RSS is the child process's. The slowest models of each kind of
run come from dbt's ``run_results.json``.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from graphlib import TopologicalSorter
from pathlib import Path
from statistics import median

import orjson
from _process import run_child

from sandbox import harness, timeline
from sandbox.server import SandboxServer

DAY = 86_400
# The daily run reads day 2's loads only. Day 1 here is one load of the whole
# history, minutes before day 2's, and the models' look-back (72 hours before
# the newest stamp they hold) would re-read all of it; a shop's real daily run
# re-reads its last three days of daily loads, which the first load has left.
DAILY = {"EARSHOT_LOOKBACK_HOURS": "0"}
# what the schedule's dbt build leaves out (build_args in orchestration/defs/transform/assets.py)
SCHEDULED = ("build", "--exclude-resource-type", "unit_test")
# node kinds the direct executor cannot run as plain SQL (Python models are named below)
NOT_SQL = ("resource_type:seed", "resource_type:unit_test")


@functools.cache
def last_order_at(shop: Path) -> float:
    with (shop / "shopify" / "orders.jsonl").open("rb") as orders:
        return max(timeline.epoch(orjson.loads(line)["created_at"]) for line in orders)


def timed_dbt(
    warehouse: Path, *arguments: str, settings: dict[str, str] | None = None
) -> tuple[float, int, dict]:
    """(seconds, peak RSS, run_results) of one dbt command on ``warehouse``, with
    ``settings`` added to its environment."""
    seconds, peak = run_child(*harness.dbt_command(warehouse, *arguments, settings=settings))
    results = json.loads((warehouse.parent / "dbt_target" / "run_results.json").read_text())
    return seconds, peak, results


def copy_of(warehouse: Path, name: str) -> Path:
    """A fresh copy of ``warehouse`` (and dbt's parse cache) in a sibling folder ``name``."""
    folder = warehouse.parent.parent / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    shutil.copy(warehouse, folder / warehouse.name)
    shutil.copytree(warehouse.parent / "dbt_target", folder / "dbt_target")
    return folder / warehouse.name


def parsed_copy_of(warehouse: Path, name: str, settings: dict[str, str] | None = None) -> Path:
    """:func:`copy_of`, then dbt's parse of the project for the copy's path and
    ``settings`` (not timed), so that the command measured next reuses it as a shop's
    next run does: to dbt, a warehouse at a new path is a new profile, parsed whole."""
    copy = copy_of(warehouse, name)
    command, environment = harness.dbt_command(copy, "parse", settings=settings)
    done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"dbt parse of {copy} failed:\n{done.stdout[-3000:]}")
    return copy


def python_models(target: Path) -> list[str]:
    manifest = json.loads((target / "manifest.json").read_text())
    return [n["name"] for n in manifest["nodes"].values() if n.get("language") == "python"]


def slowest(results: dict, count: int = 4) -> str:
    timed = sorted(results["results"], key=lambda r: -r["execution_time"])[:count]
    return ", ".join(f"{r['unique_id'].split('.')[-1]} {r['execution_time']:.1f}s" for r in timed)


def statements(target: Path, results: dict) -> list[tuple[str, str]]:
    """(node id, SQL) for every node dbt ran, models materialised, tests counted, in DAG order."""
    manifest = json.loads((target / "manifest.json").read_text())
    ran = {r["unique_id"] for r in results["results"]} & manifest["nodes"].keys()
    nodes = {uid: manifest["nodes"][uid] for uid in ran}
    order = TopologicalSorter(
        {uid: [d for d in node["depends_on"]["nodes"] if d in ran] for uid, node in nodes.items()}
    ).static_order()
    sql = []
    for uid in order:
        node = nodes[uid]
        code = node["compiled_code"]
        if node["resource_type"] == "test":
            sql.append((uid, f"select count(*) from ({code}) as failures"))
        else:
            kind = "view" if node["config"]["materialized"] == "view" else "table"
            sql.append((uid, f"create or replace {kind} {node['relation_name']} as ({code})"))
    return sql


def direct(warehouse: Path, sql: list[tuple[str, str]]) -> tuple[float, int]:
    """(seconds, peak RSS) of running ``sql`` in one DuckDB connection in a child process."""
    script = warehouse.parent / "direct.json"
    script.write_text(json.dumps(sql))
    program = (
        "import duckdb, json, sys\n"
        "con = duckdb.connect(sys.argv[1])\n"
        "for uid, sql in json.load(open(sys.argv[2])):\n"
        "    try:\n"
        "        con.execute(sql).fetchall()\n"
        "    except duckdb.Error as error:\n"
        "        raise SystemExit(f'{uid}: {error}')\n"
    )
    return run_child([sys.executable, "-c", program, str(warehouse), str(script)], dict(os.environ))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--scale", default="M")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "earshot-bench")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="start from the day-2 warehouse an earlier invocation left (its day 1 was built "
        "by the models as they were then)",
    )
    args = parser.parse_args()
    shop = args.work / f"{args.scale}-{args.seed}"
    if not (shop / "shopify" / "orders.jsonl").exists():
        generate = ["generate", "--out", str(shop), "--scale", args.scale, "--seed", str(args.seed)]
        subprocess.run([sys.executable, "-m", "sandbox", *generate], check=True)
    runs = args.work / f"dbt-{args.scale}-{args.seed}"
    warehouse = runs / "day" / "earshot.duckdb"
    day_two_loaded = runs / "day" / "day_two_loaded"
    print(f"{os.cpu_count()} cores; shop {args.scale} seed {args.seed}; work in {runs}", flush=True)
    if not (args.reuse and day_two_loaded.exists()):
        shutil.rmtree(runs, ignore_errors=True)
        prepare(shop, warehouse)
        day_two_loaded.touch()
    measure(warehouse, args.runs)


def prepare(shop: Path, warehouse: Path) -> dict[str, float]:
    """Day 1 loaded and built, day 2 loaded: the starting point of every measured run.

    Returns the first build's seconds and peak RSS in bytes.
    """
    load_day_one(shop, warehouse)
    return build_day_one_load_day_two(shop, warehouse)


def load_day_one(shop: Path, warehouse: Path) -> float:
    """Seconds to load the shop as it stood a day before its last order into ``warehouse``."""
    with SandboxServer(shop, rate_limits="off", now=last_order_at(shop) - DAY) as twin:
        started = time.perf_counter()
        harness.load_sources(twin.url, warehouse)
        seconds = time.perf_counter() - started
    print(f"day 1 loaded in {seconds:.0f}s", flush=True)
    return seconds


def build_day_one_load_day_two(shop: Path, warehouse: Path) -> dict[str, float]:
    """The first ``dbt build`` of day 1's load in ``warehouse``, then day 2 loaded into it.

    Returns the build's seconds and peak RSS in bytes.
    """
    seconds, peak, results = timed_dbt(warehouse, "build")
    print(
        f"day 1 first dbt build: {seconds:.1f}s, peak RSS {peak / 2**20:.0f} MiB, "
        f"{len(results['results'])} nodes; slowest: {slowest(results)}",
        flush=True,
    )
    with SandboxServer(shop, rate_limits="off", now=last_order_at(shop)) as twin:
        started = time.perf_counter()
        harness.load_sources(twin.url, warehouse)
    print(f"day 2 loaded in {time.perf_counter() - started:.0f}s", flush=True)
    return {"first_build": seconds, "first_build_peak": peak}


def measure(warehouse: Path, runs: int) -> None:
    daily_and_full(warehouse, runs)
    overhead(warehouse, runs)


def daily_and_full(warehouse: Path, runs: int) -> dict[str, dict[str, list]]:
    """Daily and full builds from copies of ``warehouse``, alternately: {kind: times, peaks}."""
    found: dict[str, dict[str, list]] = {
        kind: {"seconds": [], "peaks": []} for kind in ("daily", "full")
    }
    for run in range(1, runs + 1):
        for kind, arguments in (("daily", SCHEDULED), ("full", (*SCHEDULED, "--full-refresh"))):
            settings = DAILY if kind == "daily" else None
            seconds, peak, results = timed_dbt(
                parsed_copy_of(warehouse, kind, settings), *arguments, settings=settings
            )
            found[kind]["seconds"].append(seconds)
            found[kind]["peaks"].append(peak)
            print(
                f"run {run} {kind} dbt build: {seconds:.1f}s, peak RSS {peak / 2**20:.0f} MiB; "
                f"slowest: {slowest(results)}",
                flush=True,
            )
    daily, full = median(found["daily"]["seconds"]), median(found["full"]["seconds"])
    print(
        f"daily build median {daily:.1f}s (peak {max(found['daily']['peaks']) / 2**20:.0f} MiB), "
        f"full build median {full:.1f}s (peak {max(found['full']['peaks']) / 2**20:.0f} MiB): "
        f"daily / full = {daily / full:.2f}",
        flush=True,
    )
    return found


def overhead(warehouse: Path, runs: int) -> dict[str, list[float]]:
    """dbt's full build of the SQL models and tests against their compiled SQL run directly."""
    found: dict[str, list[float]] = {"dbt": [], "direct": [], "ratio": []}
    for run in range(1, runs + 1):
        through_dbt = parsed_copy_of(warehouse, "overhead_dbt")
        seconds, _, results = timed_dbt(
            through_dbt,
            "build",
            "--full-refresh",
            "--exclude",
            *NOT_SQL,
            *python_models(warehouse.parent / "dbt_target"),
        )
        sql = statements(through_dbt.parent / "dbt_target", results)
        plain, _ = direct(copy_of(warehouse, "overhead_direct"), sql)
        found["dbt"].append(seconds)
        found["direct"].append(plain)
        found["ratio"].append(seconds / plain)
        print(
            f"run {run} SQL models and tests ({len(sql)} nodes): dbt {seconds:.1f}s, "
            f"the compiled SQL in DuckDB {plain:.1f}s, ratio {seconds / plain:.2f}",
            flush=True,
        )
    print(
        f"dbt overhead: median dbt {median(found['dbt']):.1f}s vs direct "
        f"{median(found['direct']):.1f}s; median ratio {median(found['ratio']):.2f}",
        flush=True,
    )
    return found


if __name__ == "__main__":
    main()
