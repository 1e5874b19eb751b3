"""Every stage of Earshot on one sandbox shop, measured the same way, in one table.

    make bench [SCALE=S|M|L]      # .venv/bin/python bench/suite.py --scale S

For the shop at ``--scale`` (generated once, then reused from ``--work``):

1. **generate**: the sandbox writes the shop (timed when it is generated;
   a cached shop reports the figures of its generation).
2. **load <source>**: each dlt source loads the whole shop from the twins
   (rate limits off) into a fresh warehouse, in a process of its own, against
   DuckDB alone reading the same JSONL files into the same tables.
3. **dbt**: day 1 loaded and built, day 2 loaded (``bench/dbt_bench.py``);
   then, from copies of that warehouse, the daily build (``dbt build``: the
   incremental models take only the new loads) against the full build
   (``--full-refresh``), and dbt's build of the SQL models and tests against
   the same compiled SQL run directly in DuckDB. dbt's fixed start-up (a
   command that selects nothing: start, parse, connect) is stated apart.
4. **Spark**: the shop loaded as Parquet by dlt's filesystem destination,
   then built by ``python -m earshot.lake build`` (docs/engines.md), against
   DuckDB's full build (``--no-spark`` leaves it out).
5. **Dagster**: the ``daily_refresh`` job on an empty warehouse (every load,
   dbt build, checks, publication), then again with nothing new
   (``bench/orchestration_bench.py``).

Wall times are medians of ``--runs`` (3, or 1 at L; Dagster runs once), peak
RSS is the largest of the stage's processes. The table replaces the scale's
section of ``--docs`` (docs/benchmarks.md), with the command and the date.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from statistics import median

from _process import run_child
from dbt_bench import copy_of, daily_and_full, overhead, prepare, timed_dbt
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


def loads(shop: Path, work: Path, runs: int) -> tuple[list[Stage], int]:
    """A full load of each source, against DuckDB alone; and the rows they loaded in all."""
    stages, all_rows = [], 0
    with SandboxServer(shop, rate_limits="off", now=HISTORY_END) as twin:
        for source in SOURCES:
            duck = baseline(shop, source, work)
            measured = [
                load_once(source, twin.url, work / f"load_{source}" / "earshot.duckdb")
                for _ in range(runs)
            ]
            seconds = median(m[0] for m in measured)
            rows = measured[0][3]
            all_rows += rows
            stages.append(
                Stage(
                    f"load {source} (dlt, from the API)",
                    rows,
                    seconds,
                    runs,
                    max(m[1] for m in measured),
                    f"DuckDB alone: {duck:.1f} s",
                    seconds / duck,
                )
            )
            print(f"load {source}: {rows:,} rows, median {seconds:.1f} s", flush=True)
    return stages, all_rows


def builds(shop: Path, work: Path, runs: int, rows: int) -> tuple[list[Stage], Path]:
    """dbt: the daily build against the full one, dbt against its compiled SQL, its start-up."""
    warehouse = work / "dbt" / "day" / "earshot.duckdb"
    prepare(shop, warehouse)
    builds = daily_and_full(warehouse, runs)
    full = median(builds["full"]["seconds"])
    daily = median(builds["daily"]["seconds"])
    startup = [timed_dbt(copy_of(warehouse, "startup"), *NOTHING)[0] for _ in range(runs)]
    start = median(startup)
    sql = overhead(warehouse, runs)
    dbt_sql, direct = median(sql["dbt"]), median(sql["direct"])
    stages = [
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
        Stage("dbt start-up (selects nothing)", None, start, runs, None),
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
    # the last full build's copy, as daily_and_full left it
    return stages, warehouse.parent.parent / "full" / warehouse.name


def spark_build(shop: Path, work: Path, runs: int, rows: int, full: float) -> list[Stage]:
    """The same shop on Spark: dlt's filesystem destination writes the lake, then
    ``python -m earshot.lake build`` (register, seed, run, enrich, run), against
    DuckDB's full build. Peak RSS is the Python process's: Spark's JVM is a process
    the Python process does not wait for, so its memory is not counted."""
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
            "Spark build (`python -m earshot.lake build`; peak RSS without Spark's JVM)",
            rows,
            seconds,
            runs,
            max(m[1] for m in measured),
            f"dbt full build on DuckDB: {full:.1f} s",
            seconds / full,
        ),
    ]


def dagster_runs(
    shop: Path, scale: str, work: Path, rows: int, sizes: dict[str, int]
) -> list[Stage]:
    """The whole pipeline through Dagster, once on an empty warehouse and once with nothing new.

    Adds the warehouse's and the published marts' sizes after the first run to ``sizes``.
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
    sizes["warehouse (Dagster run)"] = first["warehouse_bytes"]
    sizes["published marts"] = first["published_bytes"]
    return [
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
    args = parser.parse_args()
    runs = args.runs or (1 if args.scale == "L" else 3)
    shop = args.work / f"shop-{args.scale}-{args.seed}"
    shop.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"earshot-bench-{args.scale}-", dir=args.work))
    print(f"make bench: scale {args.scale}, {runs} run(s) per stage, work in {work}", flush=True)
    stages = [generated(shop, args.scale, args.seed)]
    loaded, rows = loads(shop, work, runs)
    stages += loaded
    built, warehouse = builds(shop, work, runs, rows)
    stages += built
    if args.spark:
        stages += spark_build(shop, work, runs, rows, built[0].seconds)
    sizes = {"warehouse (dbt full build)": warehouse.stat().st_size}
    stages += dagster_runs(shop, args.scale, work, rows, sizes)
    text = table(args.scale, runs, stages, sizes)
    print(text, flush=True)
    write_section(args.docs, args.scale, text)
    print(f"wrote the scale {args.scale} section of {args.docs}", flush=True)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
