"""Every stage of Earshot on one sandbox shop, measured the same way, in one table.

    make bench [SCALE=S|M|L]      # .venv/bin/python bench/suite.py --scale S

For the shop at ``--scale`` (generated once, then reused from ``--work``):

1. **generate**: the sandbox writes the shop (timed when it is generated;
   a cached shop reports the figures of its generation).
2. **load <source>**: each dlt source loads the whole shop from the twins
   (rate limits off) into a fresh warehouse, in a process of its own, against
   DuckDB alone reading the same JSONL files into the same tables.
3. **dbt**: day 1 loaded and built on an empty warehouse (the first build:
   every sentence scored), day 2 loaded (``bench/dbt_bench.py``);
   then, from copies of that warehouse, the daily build (``dbt build``: the
   incremental models take only the new loads) against the full build
   (``--full-refresh``), and dbt's build of the SQL models and tests against
   the same compiled SQL run directly in DuckDB. dbt's fixed start-up (a
   command that selects nothing: start, parse, connect) is stated apart.
4. **Dagster**: the ``daily_refresh`` job on an empty warehouse (every load,
   dbt build, checks, publication), then again with nothing new
   (``bench/orchestration_bench.py``).
5. **Spark**: the shop loaded as Parquet by dlt's filesystem destination,
   then built by ``python -m earshot.lake build`` (docs/engines.md), against
   DuckDB's full build (``--no-spark`` leaves it out).

Wall times are medians of ``--runs`` (3, or 1 at L; Dagster runs once), peak
RSS is the largest of the stage's processes. The table replaces the scale's
section of ``--docs`` (docs/benchmarks.md), with the command and the date.

The M shop takes most of an hour and the L shop hours. With ``--resume`` (the
default at M and L) the work folder is
``<work>/run-<scale>-<seed>`` and each finished step's figures are kept in its
``steps.json``: a run that is stopped, or fails, starts again at the first step
that had not finished. The folder is removed once the table is written.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from statistics import median
from typing import Any

from _process import run_child
from dbt_bench import (
    build_day_one_load_day_two,
    copy_of,
    daily_and_full,
    load_day_one,
    overhead,
    timed_dbt,
)
from ingestion_bench import ROOTS, baseline, environment, load_once

from earshot.settings import PROJECT_ROOT
from sandbox.generate import HISTORY_END, SCALES
from sandbox.server import SandboxServer

SOURCES = tuple(ROOTS)
# A selector that matches no node: dbt starts, parses, connects and stops.
NOTHING = ("run", "--select", "tag:earshot_bench_selects_nothing")
MiB = 2**20


@dataclass(frozen=True)
class Stage:
    """One row of the table."""

    name: str
    rows: int | None
    seconds: float
    runs: int
    peak_rss: int | None
    baseline: str = ""
    ratio: float | None = None

    def cells(self) -> list[str]:
        rate = f"{self.rows / self.seconds:,.0f}" if self.rows and self.seconds else ""
        return [
            self.name,
            f"{self.rows:,}" if self.rows is not None else "",
            f"{self.seconds:,.1f} s" + (f" (median of {self.runs})" if self.runs > 1 else ""),
            rate,
            f"{self.peak_rss / MiB:,.0f} MiB" if self.peak_rss else "",
            self.baseline,
            f"{self.ratio:.2f}x" if self.ratio is not None else "",
        ]


class Steps:
    """The figures of the steps already measured in a work folder, kept in ``steps.json``.

    ``measured(name, measure, needs)`` returns the figures ``measure()`` produced, now
    or in an earlier run on the same folder; without a file, every step is measured.
    A step whose output a later step reads names it in ``needs``: when one of those
    files is gone, the step is measured again rather than trusted.
    """

    def __init__(self, record: Path | None) -> None:
        self.record = record
        self.done: dict[str, Any] = (
            json.loads(record.read_text()) if record and record.exists() else {}
        )

    def measured(self, name: str, measure: Callable[[], Any], needs: tuple[Path, ...] = ()) -> Any:
        missing = [str(path) for path in needs if not path.exists()]
        if name in self.done and not missing:
            print(f"{name}: measured in an earlier run, kept", flush=True)
            return self.done[name]
        if name in self.done:
            print(f"{name}: measured in an earlier run, but {missing} is gone: again", flush=True)
        figures = measure()
        self.done[name] = figures
        if self.record:
            self.record.write_text(json.dumps(self.done, indent=1))
        return figures

    def stages(
        self, name: str, measure: Callable[[], list[Stage]], needs: tuple[Path, ...] = ()
    ) -> list[Stage]:
        """The rows ``measure()`` returns, kept as figures between runs."""
        kept = self.measured(name, lambda: [asdict(stage) for stage in measure()], needs)
        return [Stage(**stage) for stage in kept]


def generated(shop: Path, scale: str, seed: int) -> Stage:
    """The shop at ``scale``, generated now or earlier: how long it took and its records."""
    record = shop / "generation.json"
    if not record.exists():
        command = [sys.executable, "-m", "sandbox", "generate", "--out", str(shop)]
        seconds, peak = run_child(
            [*command, "--scale", scale, "--seed", str(seed)], dict(os.environ)
        )
        records = sum(1 for path in shop.rglob("*.jsonl") for _ in path.open("rb"))
        record.write_text(json.dumps({"seconds": seconds, "peak": peak, "records": records}))
    figures = json.loads(record.read_text())
    return Stage("generate the shop", figures["records"], figures["seconds"], 1, figures["peak"])


def loads(shop: Path, work: Path, runs: int, steps: Steps) -> tuple[list[Stage], int]:
    """A full load of each source, against DuckDB alone; and the rows they loaded in all."""
    stages: list[Stage] = []
    pending = any(f"load {source}" not in steps.done for source in SOURCES)
    twins = SandboxServer(shop, rate_limits="off", now=HISTORY_END) if pending else nullcontext()
    with twins as twin:
        for source in SOURCES:
            stages += steps.stages(f"load {source}", partial(load, shop, source, twin, work, runs))
    return stages, sum(stage.rows or 0 for stage in stages)


def load(shop: Path, source: str, twin: SandboxServer, work: Path, runs: int) -> list[Stage]:
    duck = baseline(shop, source, work)
    measured = [
        load_once(source, twin.url, work / f"load_{source}" / "earshot.duckdb") for _ in range(runs)
    ]
    shutil.rmtree(work / f"load_{source}", ignore_errors=True)
    seconds = median(m[0] for m in measured)
    rows = measured[0][3]
    print(f"load {source}: {rows:,} rows, median {seconds:.1f} s", flush=True)
    return [
        Stage(
            f"load {source} (dlt, from the API)",
            rows,
            seconds,
            runs,
            max(m[1] for m in measured),
            f"DuckDB alone: {duck:.1f} s",
            seconds / duck,
        )
    ]


def builds(
    shop: Path, work: Path, runs: int, rows: int, steps: Steps, sizes: dict[str, int]
) -> list[Stage]:
    """dbt: the daily build against the full one, dbt against its compiled SQL, its start-up.

    Adds the full build's warehouse size to ``sizes``.
    """
    loaded = work / "dbt" / "loaded" / "earshot.duckdb"
    warehouse = work / "dbt" / "day" / "earshot.duckdb"
    # the last full build's copy, as daily_and_full leaves it
    full_copy = warehouse.parent.parent / "full" / warehouse.name
    steps.measured("dbt day 1 loaded", lambda: load_day_one(shop, loaded), (loaded,))
    first = steps.stages(
        "dbt day 1 built, day 2 loaded",
        lambda: first_build(shop, loaded, warehouse),
        (warehouse,),
    )
    full_and_daily = steps.stages(
        "dbt daily and full", lambda: full_against_daily(warehouse, runs, rows), (full_copy,)
    )
    sizes.update(
        steps.measured(
            "dbt full build's size",
            lambda: {"warehouse (dbt full build)": full_copy.stat().st_size},
        )
    )
    start = steps.stages("dbt start-up", lambda: startup(warehouse, runs))
    sql = steps.stages("dbt overhead", lambda: sql_overhead(warehouse, runs, start[0].seconds))
    return first + full_and_daily + start + sql


def first_build(shop: Path, loaded: Path, warehouse: Path) -> list[Stage]:
    """Day 1's load (``loaded``, kept as it is) built on an empty warehouse, then
    day 2 loaded into it (``bench/dbt_bench.py``)."""
    shutil.rmtree(warehouse.parent, ignore_errors=True)
    # with dlt's pipeline folders, whose state the day-2 load goes on from
    shutil.copytree(loaded.parent, warehouse.parent)
    figures = build_day_one_load_day_two(shop, warehouse)
    return [
        Stage(
            "dbt first build (day 1, empty warehouse; every sentence scored)",
            None,
            figures["first_build"],
            1,
            int(figures["first_build_peak"]),
        )
    ]


def full_against_daily(warehouse: Path, runs: int, rows: int) -> list[Stage]:
    builds = daily_and_full(warehouse, runs)
    full = median(builds["full"]["seconds"])
    daily = median(builds["daily"]["seconds"])
    return [
        Stage("dbt full build (`--full-refresh`)", rows, full, runs, max(builds["full"]["peaks"])),
        Stage(
            "dbt daily build (`dbt build`, day 2)",
            None,
            daily,
            runs,
            max(builds["daily"]["peaks"]),
            f"full build: {full:.1f} s",
            daily / full,
        ),
    ]


def startup(warehouse: Path, runs: int) -> list[Stage]:
    measured = [timed_dbt(copy_of(warehouse, "startup"), *NOTHING) for _ in range(runs)]
    seconds = median(m[0] for m in measured)
    return [
        Stage("dbt start-up (selects nothing)", None, seconds, runs, max(m[1] for m in measured))
    ]


def sql_overhead(warehouse: Path, runs: int, start: float) -> list[Stage]:
    sql = overhead(warehouse, runs)
    dbt_sql, direct = median(sql["dbt"]), median(sql["direct"])
    return [
        Stage(
            "dbt SQL models and tests, start-up included",
            None,
            dbt_sql,
            runs,
            None,
            f"compiled SQL in DuckDB: {direct:.1f} s",
            dbt_sql / direct,
        ),
        Stage(
            "dbt SQL models and tests, less start-up",
            None,
            dbt_sql - start,
            runs,
            None,
            f"compiled SQL in DuckDB: {direct:.1f} s",
            (dbt_sql - start) / direct,
        ),
    ]


def spark_build(shop: Path, work: Path, runs: int, rows: int, full: float) -> list[Stage]:
    """The same shop on Spark: dlt's filesystem destination writes the lake, then
    ``python -m earshot.lake build`` (register, seed, run, enrich, run), against
    DuckDB's full build. Peak RSS is the largest of the Python process and the
    processes it starts, Spark's JVM among them (each on its own, not summed)."""
    lake = work / "lake"
    config = {
        "EARSHOT_DESTINATION": "filesystem",
        "DESTINATION__FILESYSTEM__BUCKET_URL": str(lake / "raw"),
    }
    loaded, load_peak = 0.0, 0
    with SandboxServer(shop, rate_limits="off", now=HISTORY_END) as twin:
        for source in SOURCES:
            seconds, peak = run_child(
                [sys.executable, "-m", f"ingestion.{source}"],
                environment(twin.url, lake / "state" / "earshot.duckdb", config),
            )
            loaded, load_peak = loaded + seconds, max(load_peak, peak)
    build = [sys.executable, "-m", "earshot.lake", "build", "--lake", str(lake)]
    measured = [run_child(build, {**os.environ, "EARSHOT_LAKE": str(lake)}) for _ in range(runs)]
    seconds = median(m[0] for m in measured)
    print(f"spark: loads {loaded:.1f} s, build median {seconds:.1f} s", flush=True)
    return [
        Stage(
            "load all sources to Parquet (dlt filesystem, for Spark)", rows, loaded, 1, load_peak
        ),
        Stage(
            "Spark build (`python -m earshot.lake build`; peak RSS: Python or Spark's JVM)",
            rows,
            seconds,
            runs,
            max(m[1] for m in measured),
            f"dbt full build on DuckDB: {full:.1f} s",
            seconds / full,
        ),
    ]


def dagster_runs(shop: Path, scale: str, work: Path, rows: int) -> dict[str, Any]:
    """The whole pipeline through Dagster, once on an empty warehouse and once with nothing new.

    Returns the rows (``stages``, as figures) and the warehouse's and the published
    marts' ``sizes`` after the first run.
    """
    out = work / "dagster.json"
    command = [
        sys.executable,
        str(Path(__file__).with_name("orchestration_bench.py")),
        "--scale",
        scale,
        "--shop",
        str(shop),
        "--backfill-days",
        "0",
        "--json",
        str(out),
        "--work",
        str(work / "dagster"),
    ]
    _, peak = run_child(command, dict(os.environ))
    found = json.loads(out.read_text())
    failed = [run["run"] for run in found if not run["success"]]
    if failed:
        raise SystemExit(f"Dagster runs failed: {failed}")
    first, daily = found[0], found[1]
    sizes = {
        "warehouse (Dagster run)": first["warehouse_bytes"],
        "published marts": first["published_bytes"],
    }
    stages = [
        Stage("Dagster `daily_refresh`, empty warehouse", rows, first["seconds"], 1, peak),
        Stage(
            "Dagster `daily_refresh`, nothing new",
            None,
            daily["seconds"],
            1,
            peak,
            f"first run: {first['seconds']:.1f} s",
            daily["seconds"] / first["seconds"],
        ),
    ]
    return {"stages": [asdict(stage) for stage in stages], "sizes": sizes}


def table(scale: str, runs: int, stages: list[Stage], sizes: dict[str, int]) -> str:
    cores, memory = os.cpu_count(), os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d} by `make bench SCALE={scale}` "
        f"(`bench/suite.py --scale {scale} --runs {runs}`) on {cores} cores and "
        f"{memory / 2**30:.0f} GiB.",
        "",
        "| stage | rows | wall time | rows/s | peak RSS | baseline (same run) | ratio |",
        "|---|---|---|---|---|---|---|",
        *("| " + " | ".join(stage.cells()) + " |" for stage in stages),
        "",
        "Sizes: "
        + ", ".join(f"{name} {size / MiB:,.1f} MiB" for name, size in sizes.items())
        + ".",
    ]
    return "\n".join(lines)


def write_section(docs: Path, scale: str, text: str) -> None:
    """Replace the scale's section of ``docs`` (between its markers), or add it at the end."""
    start, end = f"<!-- make bench {scale}: start -->", f"<!-- make bench {scale}: end -->"
    current = docs.read_text() if docs.exists() else "# Benchmarks\n"
    section = f"{start}\n### Scale {scale}\n\n{text}\n{end}"
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.DOTALL)
    if pattern.search(current):
        updated = pattern.sub(lambda _: section, current)
    else:
        updated = current.rstrip("\n") + "\n\n" + section + "\n"
    docs.write_text(updated)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--scale", default="S", choices=sorted(SCALES))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, help="runs per stage (default 3, 1 at L)")
    parser.add_argument("--work", type=Path, default=PROJECT_ROOT / ".earshot" / "bench")
    parser.add_argument("--docs", type=Path, default=PROJECT_ROOT / "docs" / "benchmarks.md")
    parser.add_argument(
        "--no-spark", dest="spark", action="store_false", help="leave out the Spark build"
    )
    parser.add_argument(
        "--resume",
        action=argparse.BooleanOptionalAction,
        help="keep each step's figures in <work>/run-<scale>-<seed> and start again where a "
        "stopped run left off (default: on at M and L, off otherwise)",
    )
    args = parser.parse_args()
    runs = args.runs or (1 if args.scale == "L" else 3)
    resume = args.resume if args.resume is not None else args.scale in ("M", "L")
    shop = args.work / f"shop-{args.scale}-{args.seed}"
    shop.mkdir(parents=True, exist_ok=True)
    if resume:
        work = args.work / f"run-{args.scale}-{args.seed}"
        work.mkdir(exist_ok=True)
    else:
        work = Path(tempfile.mkdtemp(prefix=f"earshot-bench-{args.scale}-", dir=args.work))
    steps = Steps(work / "steps.json" if resume else None)
    print(f"make bench: scale {args.scale}, {runs} run(s) per stage, work in {work}", flush=True)
    stages = [generated(shop, args.scale, args.seed)]
    loaded, rows = loads(shop, work, runs, steps)
    stages += loaded
    sizes: dict[str, int] = {}
    built = builds(shop, work, runs, rows, steps, sizes)
    stages += built
    dagster = steps.measured("dagster", lambda: dagster_runs(shop, args.scale, work, rows))
    stages += [Stage(**stage) for stage in dagster["stages"]]
    sizes.update(dagster["sizes"])
    if args.spark:
        full = next(stage for stage in built if stage.name.startswith("dbt full build"))
        stages += steps.stages("spark", lambda: spark_build(shop, work, runs, rows, full.seconds))
    text = table(args.scale, runs, stages, sizes)
    print(text, flush=True)
    write_section(args.docs, args.scale, text)
    print(f"wrote the scale {args.scale} section of {args.docs}", flush=True)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
