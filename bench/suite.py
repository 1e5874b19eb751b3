"""Every stage of Earshot on one sandbox shop, measured the same way, in one table.

    make bench [SCALE=S|M|L]      # .venv/bin/python bench/suite.py --scale S

For the shop at ``--scale`` (generated once, then reused from ``--work``):

1. **generate**: the sandbox writes the shop (timed when it is generated;
   a cached shop reports the figures of its generation).
2. **load <source>**: each dlt source loads the shop as it stood a day before
   its last order from the twins (rate limits off) into a fresh warehouse, in
   a process of its own, against DuckDB alone reading the same JSONL files
   (the whole shop) into the same tables.
3. **dbt**: the loads' warehouses, combined, are day 1, built on an empty
   warehouse (the first build: every sentence scored), then day 2 loaded
   (``bench/dbt_bench.py``);
   then, from copies of that warehouse, each parsed by dbt first (as a shop's
   warehouse, which stays put, is), the daily build (``dbt build`` as the
   schedule runs it, unit tests left out: the incremental models take only the
   new loads) against the full build
   (``--full-refresh``), and dbt's build of the SQL models and tests against
   the same compiled SQL run directly in DuckDB. dbt's fixed start-up (a
   command that selects nothing: start, parse, connect) is stated apart.
4. **Dagster**: the ``daily_refresh`` job on an empty warehouse (every load,
   dbt build, checks, publication), then again with nothing new, reading only
   what is new as the daily build above does (``bench/orchestration_bench.py``;
   the twins serve from this process, outside the measured one); then every
   dashboard page rendered from the marts the run published, against the
   queries the pages send (``bench/dashboard_bench.py``).
5. **Spark**: the shop loaded as Parquet by dlt's filesystem destination,
   then built by ``python -m earshot.lake build`` (docs/engines.md), against
   DuckDB's full build (``--no-spark`` leaves it out).

Wall times are medians of ``--runs`` (3, or 1 at L; Dagster runs once), peak
RSS is what the stage's processes held together (``bench/_process.py``: a dbt
build with its encoder's process, Spark's JVM with the Python that drives it).
The table replaces the scale's section of ``--docs`` (docs/benchmarks.md), with
the command and the date.

The M shop takes most of an hour and the L shop hours. With ``--resume`` (the
default at M and L) the work folder is
``<work>/run-<scale>-<seed>`` and each finished step's figures are kept in its
``steps.json``: a run that is stopped, or fails, starts again at the first step
that had not finished. The folder is removed once the table is written.

The L shop takes longer than one of the project's machines is kept (each
session gets a fresh one), so its groups of stages (loads, dbt, dagster,
spark) can be measured apart and their figures carried in a record that
travels with the repository:

    bench/suite.py --scale L --no-spark --only loads dbt --record bench/records/L-7.json
    bench/suite.py --scale L --no-spark --only dagster --record bench/records/L-7.json

(the dbt group starts from the loads' warehouse, so the two go best together;
alone, it loads day 1 again first, unmeasured)

Each run regenerates the shop (the same seed gives the same shop) and
measures its groups; the last writes the table, which then names the
commits and days its figures were measured at.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from statistics import median
from typing import Any

import duckdb
from _process import run_child
from dashboard_bench import percentile
from dbt_bench import (
    DAY,
    build_day_one_load_day_two,
    daily_and_full,
    last_order_at,
    load_day_one,
    overhead,
    parsed_copy_of,
    timed_dbt,
)
from ingestion_bench import ROOTS, baseline, environment, load_once

from earshot.settings import PROJECT_ROOT
from sandbox.generate import HISTORY_END, SCALES
from sandbox.server import SandboxServer

SOURCES = tuple(ROOTS)
# A selector that matches no node: dbt starts, parses, connects and stops.
NOTHING = ("run", "--select", "tag:earshot_bench_selects_nothing")
# the schedule's build (dbt_bench.SCHEDULED: unit tests left out), full and daily
FULL_BUILD = "dbt full build (scheduled, `--full-refresh`)"
DAILY_BUILD = "dbt daily build (scheduled `dbt build`, day 2)"
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
            ratio(self.ratio) if self.ratio is not None else "",
        ]


def ratio(value: float) -> str:
    """``value`` as a table's ratio: three decimals below 1, so that a fraction read
    against a target of 0.10 is never rounded onto it (0.104x, not 0.10x)."""
    return f"{value:.3f}x" if value < 1 else f"{value:.2f}x"


GROUPS = ("loads", "dbt", "dagster", "spark")


class NotMeasuredError(Exception):
    """A step of a group this run leaves out (``--only``), with no figures kept for it."""


class Steps:
    """The figures of the steps already measured, kept in a record (``steps.json``).

    ``measured(name, measure, needs)`` returns the figures ``measure()`` produced, now
    or in an earlier run with the same record; without a record, every step is measured.
    A step whose output a later step reads names it in ``needs``: when one of those
    files is gone, the step is measured again rather than trusted. Each figure is kept
    with the commit and the day it was measured at, for an L run that takes more
    than one machine's session.

    ``only`` names the groups (``GROUPS``) this run may measure; a step of another
    group (``with steps.of(group)``) is taken from the record, its needs unread, or
    raises ``NotMeasuredError``.
    """

    def __init__(self, record: Path | None, only: set[str] | None = None) -> None:
        self.record = record
        self.only = only
        self.group: str | None = None
        self.done: dict[str, Any] = (
            json.loads(record.read_text()) if record and record.exists() else {}
        )

    @contextmanager
    def of(self, group: str) -> Iterator[None]:
        self.group = group
        try:
            yield
        finally:
            self.group = None

    def _left_out(self) -> bool:
        return self.only is not None and self.group not in self.only

    def pending(self, name: str, needs: tuple[Path, ...] = ()) -> bool:
        """Whether ``measured(name, ..., needs)`` would measure now."""
        if self._left_out():
            return False
        return name not in self.done or not all(path.exists() for path in needs)

    def measured(self, name: str, measure: Callable[[], Any], needs: tuple[Path, ...] = ()) -> Any:
        kept = self.done.get(name)
        if self._left_out():
            if kept is None:
                raise NotMeasuredError(name)
            return kept["figures"]
        missing = [str(path) for path in needs if not path.exists()]
        if kept is not None and not missing:
            print(f"{name}: measured at {kept['commit']} on {kept['date']}, kept", flush=True)
            return kept["figures"]
        if kept is not None:
            print(f"{name}: measured in an earlier run, but {missing} is gone: again", flush=True)
        at = commit()  # the code a step measures is the checkout's when it starts
        figures = measure()
        self._write(name, figures, at)
        return figures

    def _write(self, name: str, figures: Any, at: str) -> None:
        self.done[name] = {"figures": figures, "commit": at, "date": f"{date.today()}"}
        if self.record:
            self.record.parent.mkdir(parents=True, exist_ok=True)
            self.record.write_text(json.dumps(self.done, indent=1))

    def keep(self, name: str, figures: Any, at: str) -> None:
        """Keep figures measured outside a step (the shop's generation, at commit ``at``)."""
        if self.done.get(name, {}).get("figures") != figures:
            self._write(name, figures, at)

    def stages(
        self, name: str, measure: Callable[[], list[Stage]], needs: tuple[Path, ...] = ()
    ) -> list[Stage]:
        """The rows ``measure()`` returns, kept as figures between runs."""
        kept = self.measured(name, lambda: [asdict(stage) for stage in measure()], needs)
        return [Stage(**stage) for stage in kept]

    def provenance(self) -> list[str]:
        """Each (commit, day) the kept figures were measured at, oldest first."""
        return sorted({f"{kept['commit']} on {kept['date']}" for kept in self.done.values()})


def commit() -> str:
    """The checkout's commit, marked when files differ from it (other than what the
    benchmark writes itself: its records and docs/benchmarks.md)."""
    git = partial(subprocess.run, capture_output=True, text=True, cwd=PROJECT_ROOT)
    head = git(["git", "rev-parse", "--short", "HEAD"]).stdout.strip() or "unknown"
    status = ["git", "status", "--porcelain", "--untracked-files=no", "--", "."]
    ours = [":(exclude)bench/records", ":(exclude)docs/benchmarks.md"]
    changed = git([*status, *ours]).stdout.strip()
    return f"{head} with changes" if changed else head


def generated(shop: Path, scale: str, seed: int, steps: Steps) -> Stage:
    """The shop at ``scale``, generated now or earlier: how long it took and its records.

    A run that measures nothing (``--only`` alone) takes the figures from the record
    and generates nothing; the last generation's figures go into the record.
    """
    record = shop / "generation.json"
    if not record.exists() and (steps.only is None or steps.only):
        command = [sys.executable, "-m", "sandbox", "generate", "--out", str(shop)]
        seconds, peak = run_child(
            [*command, "--scale", scale, "--seed", str(seed)], dict(os.environ)
        )
        records = sum(1 for path in shop.rglob("*.jsonl") for _ in path.open("rb"))
        figures = {"seconds": seconds, "peak": peak, "records": records, "commit": commit()}
        record.write_text(json.dumps(figures))
    if record.exists():
        figures = json.loads(record.read_text())
        steps.keep("generate the shop", figures, figures.get("commit", "unknown"))
    else:
        figures = steps.done["generate the shop"]["figures"]
    return Stage("generate the shop", figures["records"], figures["seconds"], 1, figures["peak"])


def loads(shop: Path, work: Path, runs: int, steps: Steps) -> tuple[list[Stage], int]:
    """A load of each source, against DuckDB alone; and the rows they loaded in all.

    The twins' clock stands a day before the shop's last order: the loads are day 1
    of the dbt group's (all but the last day, which the daily build gets), and their
    warehouses, combined, are the warehouse its first build starts from.
    """
    stages: list[Stage] = []
    parts = {source: work / f"load_{source}" / "earshot.duckdb" for source in SOURCES}
    pending = any(steps.pending(f"load {source}", (parts[source],)) for source in SOURCES)
    twins = (
        SandboxServer(shop, rate_limits="off", now=last_order_at(shop) - DAY)
        if pending
        else nullcontext()
    )
    with twins as twin:
        for source in SOURCES:
            stages += steps.stages(
                f"load {source}", partial(load, shop, source, twin, work, runs), (parts[source],)
            )
    loaded = work / "dbt" / "loaded" / "earshot.duckdb"
    if all(part.exists() for part in parts.values()) and (pending or not loaded.exists()):
        combine(parts, loaded)
    return stages, sum(stage.rows or 0 for stage in stages)


def load(shop: Path, source: str, twin: SandboxServer, work: Path, runs: int) -> list[Stage]:
    duck = baseline(shop, source, work)
    # the last run's warehouse is kept, for the dbt group
    measured = [
        load_once(source, twin.url, work / f"load_{source}" / "earshot.duckdb") for _ in range(runs)
    ]
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


def combine(parts: dict[str, Path], loaded: Path) -> None:
    """The sources' warehouses as one, ``loaded``, with dlt's pipeline folders (whose
    state the day-2 load goes on from): the warehouse the dbt group starts from."""
    shutil.rmtree(loaded.parent, ignore_errors=True)
    loaded.parent.mkdir(parents=True)
    with duckdb.connect(str(loaded)) as connection:
        for source, part in parts.items():
            connection.execute(f"attach '{part}' as part (read_only)")
            schema = f"raw_{source}"
            tables = connection.execute(
                "select table_name from duckdb_tables() "
                "where database_name = 'part' and schema_name = ?",
                [schema],
            ).fetchall()
            connection.execute(f"create schema {schema}")
            for (table,) in tables:
                connection.execute(
                    f'create table {schema}."{table}" as select * from part.{schema}."{table}"'
                )
            connection.execute("detach part")
    for part in parts.values():
        shutil.copytree(
            part.parent / ".dlt_pipelines", loaded.parent / ".dlt_pipelines", dirs_exist_ok=True
        )
    print(f"combined the loads into {loaded}", flush=True)


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
    first = steps.stages(
        "dbt day 1 built, day 2 loaded", lambda: first_build(shop, loaded, warehouse), (warehouse,)
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
    if not loaded.exists():
        # the loads were measured on another machine: day 1 loaded again, not measured
        load_day_one(shop, loaded)
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
        Stage(FULL_BUILD, rows, full, runs, max(builds["full"]["peaks"])),
        Stage(
            DAILY_BUILD,
            None,
            daily,
            runs,
            max(builds["daily"]["peaks"]),
            f"full build: {full:.1f} s",
            daily / full,
        ),
    ]


def startup(warehouse: Path, runs: int) -> list[Stage]:
    measured = [timed_dbt(parsed_copy_of(warehouse, "startup"), *NOTHING) for _ in range(runs)]
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
    ``python -m earshot.lake build`` (prepare on Spark, enrich, the rest on Spark), against
    DuckDB's full build. Peak RSS is the Python process's and the processes'
    it starts, Spark's JVM among them, together."""
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
            "Spark build (`python -m earshot.lake build`; peak RSS: Python and Spark's JVM)",
            rows,
            seconds,
            runs,
            max(m[1] for m in measured),
            f"dbt full build on DuckDB: {full:.1f} s",
            seconds / full,
        ),
    ]


def dagster_runs(shop: Path, scale: str, work: Path, rows: int, runs: int) -> dict[str, Any]:
    """The whole pipeline through Dagster, once on an empty warehouse and once with nothing new.

    Returns the rows (``stages``, as figures: the two runs, then the dashboards read
    from the marts they published, :func:`dashboards`) and the warehouse's and the
    published marts' ``sizes`` after the first run. The first run's peak is the whole command's
    (:func:`run_child`); the run with nothing new has its own, read while it ran, as
    the command's processes (the run's and its worker) keep their peaks from the first.
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
    # The twins serve from this process: their index (gigabytes at L) and their
    # threads are not Dagster's, and the peak is read over the child's processes.
    with SandboxServer(shop, rate_limits="off", now=HISTORY_END) as twin:
        _, peak = run_child([*command, "--twins", twin.url], dict(os.environ))
    found = json.loads(out.read_text())
    failed = {run["run"]: run.get("failed_steps") for run in found if not run["success"]}
    if failed:
        raise SystemExit(f"Dagster runs failed: {json.dumps(failed, indent=2)}")
    first, daily = found[0], found[1]
    sizes = {
        "warehouse (Dagster run)": first["warehouse_bytes"],
        "published marts": first["published_bytes"],
    }
    published = work / "dagster" / "warehouse" / "earshot_marts.duckdb"
    stages = [
        Stage("Dagster `daily_refresh`, empty warehouse", rows, first["seconds"], 1, peak),
        Stage(
            "Dagster `daily_refresh`, nothing new",
            None,
            daily["seconds"],
            1,
            daily.get("peak_together_bytes", peak),
            f"first run: {first['seconds']:.1f} s",
            daily["seconds"] / first["seconds"],
        ),
        dashboards(published, runs, work),
    ]
    return {"stages": [asdict(stage) for stage in stages], "sizes": sizes}


DASHBOARDS = "dashboards: every page rendered from the published marts (Streamlit, no cache)"


def dashboards(published: Path, runs: int, work: Path) -> Stage:
    """Every dashboard page rendered ``runs`` times from ``published``, against its queries.

    ``bench/dashboard_bench.py`` renders each page under Streamlit's AppTest with the
    cache bypassed and times each query it sends to DuckDB. The wall time is a round
    of every page (median of ``runs``); the baseline, a round's queries alone (their
    mean over the ``runs``: the same figure at ``RUNS=1``).
    """
    out = work / "dashboards.json"
    command = [
        sys.executable,
        str(Path(__file__).with_name("dashboard_bench.py")),
        "--published",
        str(published),
        "--runs",
        str(runs),
        "--json",
        str(out),
    ]
    _, peak = run_child(command, dict(os.environ))
    found = json.loads(out.read_text())
    queries = [ms for page in found["queries_ms"].values() for ms in page]
    per_round = sum(queries) / 1000 / runs
    seconds = median(found["rounds"])
    p95 = percentile(queries, 0.95)
    return Stage(
        DASHBOARDS,
        None,
        seconds,
        runs,
        peak,
        f"its {len(queries) // runs} queries in DuckDB: {per_round:.2f} s (p95 {p95:.0f} ms)",
        seconds / per_round,
    )


def table(scale: str, runs: int, stages: list[Stage], sizes: dict[str, int], steps: Steps) -> str:
    cores, memory = os.cpu_count(), os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    measured = steps.provenance()
    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d} by `make bench SCALE={scale}` "
        f"(`bench/suite.py --scale {scale} --runs {runs}"
        + (f" --record {steps.record}" if steps.record and steps.only is not None else "")
        + f"`) on {cores} cores and {memory / 2**30:.0f} GiB.",
        *(
            ["", f"Its steps were measured in more than one run: at {'; '.join(measured)}."]
            if len(measured) > 1
            else []
        ),
        "",
        "| stage | rows | wall time | rows/s | peak memory | baseline (same run) | ratio |",
        "|---|---|---|---|---|---|---|",
        *("| " + " | ".join(stage.cells()) + " |" for stage in stages),
        *(
            [
                "",
                "Sizes: "
                + ", ".join(f"{name} {size / MiB:,.1f} MiB" for name, size in sizes.items())
                + ".",
            ]
            if sizes
            else []
        ),
        "",
        "Peak memory is a stage's processes together (`bench/_process.py`): at each "
        "reading, the sum of their proportional set sizes (from ee10a6a on; of their "
        "RSS before), or the largest one's own peak RSS where that is more.",
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
    parser.add_argument(
        "--only",
        nargs="*",
        choices=GROUPS,
        help="measure only these groups of stages, taking the others' figures from the "
        "record (none: write the table from the record alone)",
    )
    parser.add_argument(
        "--record",
        type=Path,
        help="keep the steps' figures in this file (default <work>/run-<scale>-<seed>/"
        "steps.json), to carry a run across machines",
    )
    args = parser.parse_args()
    runs = args.runs or (1 if args.scale == "L" else 3)
    resume = args.resume if args.resume is not None else args.scale in ("M", "L")
    shop = args.work / f"shop-{args.scale}-{args.seed}"
    shop.mkdir(parents=True, exist_ok=True)
    if resume or args.record:
        work = args.work / f"run-{args.scale}-{args.seed}"
        work.mkdir(exist_ok=True)
    else:
        work = Path(tempfile.mkdtemp(prefix=f"earshot-bench-{args.scale}-", dir=args.work))
    record = args.record or (work / "steps.json" if resume else None)
    steps = Steps(record, set(args.only) if args.only is not None else None)
    print(f"make bench: scale {args.scale}, {runs} run(s) per stage, work in {work}", flush=True)
    stages, sizes, absent = measure(shop, args, work, runs, steps)
    text = table(args.scale, runs, stages, sizes, steps)
    if absent:
        if not args.record:
            print(
                "no figures kept (no --record): the table needs every group, and "
                f"{', '.join(absent)} are left out",
                flush=True,
            )
            return
        # the figures so far, with what is left to measure, until a run completes the record
        text += (
            f"\n\nNot measured yet: {', '.join(absent)} (`bench/suite.py --scale {args.scale}"
            f"{'' if args.spark else ' --no-spark'} --only {' '.join(absent)} "
            f"--record {args.record}`)."
        )
    print(text, flush=True)
    write_section(args.docs, args.scale, text)
    print(f"wrote the scale {args.scale} section of {args.docs}", flush=True)
    if absent:
        return
    shutil.rmtree(work, ignore_errors=True)


def measure(
    shop: Path, args: argparse.Namespace, work: Path, runs: int, steps: Steps
) -> tuple[list[Stage], dict[str, int], list[str]]:
    """Every group's rows, measured now or kept; the sizes; the groups with no figures."""
    stages = [generated(shop, args.scale, args.seed, steps)]
    sizes: dict[str, int] = {}
    found: dict[str, Any] = {"rows": 0, "full": 0.0}

    def measure_loads() -> list[Stage]:
        loaded, found["rows"] = loads(shop, work, runs, steps)
        return loaded

    def measure_dbt() -> list[Stage]:
        built = builds(shop, work, runs, found["rows"], steps, sizes)
        found["full"] = next(s.seconds for s in built if s.name.startswith("dbt full build"))
        return built

    def measure_dagster() -> list[Stage]:
        dagster = steps.measured(
            "dagster", lambda: dagster_runs(shop, args.scale, work, found["rows"], runs)
        )
        sizes.update(dagster["sizes"])
        return [Stage(**stage) for stage in dagster["stages"]]

    def measure_spark() -> list[Stage]:
        return steps.stages(
            "spark", lambda: spark_build(shop, work, runs, found["rows"], found["full"])
        )

    # each group, and the groups whose figures it reads
    plan = {
        "loads": (measure_loads, ()),
        "dbt": (measure_dbt, ("loads",)),
        "dagster": (measure_dagster, ("loads",)),
        "spark": (measure_spark, ("dbt",)),
    }
    absent: list[str] = []
    for group, (run, reads) in plan.items():
        if group == "spark" and not args.spark:
            continue
        if any(earlier in absent for earlier in reads):
            absent.append(group)
            continue
        try:
            with steps.of(group):
                stages += run()
        except NotMeasuredError as step:
            print(f"{group}: left out of this run ({step} has no figures kept)", flush=True)
            absent.append(group)
    return stages, sizes, absent


if __name__ == "__main__":
    main()
