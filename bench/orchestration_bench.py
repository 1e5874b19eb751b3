"""Time Earshot's Dagster runs on a sandbox shop: the first run, a daily run, a backfill.

    .venv/bin/python bench/orchestration_bench.py --scale M --backfill-days 30

Generates the shop (or reuses ``--shop``), serves it from the twins with their
clock at the shop's end and no rate limits (in a process of their own, or at
``--twins``, so that neither their memory nor their threads count as
Dagster's), and runs in one process, on a fresh warehouse: the
``daily_refresh`` job for today's partition (the first run loads everything),
the same again (a daily run: nothing new at the source, so its cost is reading
on from the cursors, the checks, the dbt build and publication), then a
backfill of the last ``--backfill-days`` days of the shop as one run (each
source re-reads that window and dbt reprocesses it).

Prints each run's wall time, this process's peak RSS so far (the run's own
process) and what the run's processes held together at most while it ran (this
one, its worker, which loads and checks, and dbt's: ``bench/_process.py``'s
``sampled_peak``); docs/benchmarks.md records a run.

``--launch deployed`` runs the job as a deployment does, with the executor
the definitions give it, on an instance in the work folder with the
project's ``dagster.yaml`` (its pools); ``--executor multiprocess`` puts
Dagster's default executor in its place (each step in a process of its own,
started fresh), for comparison. Read a deployed run's peak over the process
tree (``bench/suite.py``'s ``run_child``).
"""

import argparse
import json
import os
import resource
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import dagster as dg
from _process import sampled_peak
from _twins import twins
from dbt_bench import DAILY

from earshot.settings import PROJECT_ROOT
from orchestration.defs.transform.assets import environment
from sandbox.generate import HISTORY_END, SCALES, generate
from sandbox.server import source_settings


def daily_refresh() -> dg.JobDefinition:
    """The job as the definitions give it, as a deployed run's processes rebuild it."""
    from orchestration.definitions import defs

    return defs().resolve_job_def("daily_refresh")


def daily_refresh_multiprocess() -> dg.JobDefinition:
    """The job with Dagster's default executor: each step in a process of its own."""
    return daily_refresh().with_executor_def(dg.multiprocess_executor)


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def instance_for(launch: str, work: Path) -> dg.DagsterInstance:
    """An instance in memory for ``execute_in_process``; one in ``work`` with the project's
    dagster.yaml (its pools, no telemetry) for a deployed run."""
    if launch == "in-process":
        return dg.DagsterInstance.ephemeral()
    home = work / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(
        (PROJECT_ROOT / "orchestration" / "dagster.yaml").read_text(encoding="utf-8")
    )
    # each step's process imports this script to rebuild the job, and its helpers
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(Path(__file__).parent), os.environ.get("PYTHONPATH")])
    )
    return dg.DagsterInstance.from_config(str(home))


def failed_steps(result: dg.ExecuteInProcessResult) -> list[str]:
    """Each failed step of a run, with the first line of its error."""
    return [
        f"{event.step_key}: {event.step_failure_data.error.message.strip().splitlines()[0]}"
        for event in result.all_events
        if event.is_step_failure and event.step_failure_data.error is not None
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="S", choices=sorted(SCALES))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--shop", type=Path, help="a generated shop to reuse")
    parser.add_argument("--backfill-days", type=int, default=30, help="0: no backfill run")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--work", type=Path, help="the warehouse's folder (default: a temp dir)")
    parser.add_argument(
        "--launch",
        choices=["in-process", "deployed"],
        default="in-process",
        help="execute_in_process, as the tests do, or execute_job, as a deployment launches",
    )
    parser.add_argument(
        "--executor",
        choices=["multiprocess"],
        help="with --launch deployed: this executor in place of the definitions' own",
    )
    parser.add_argument(
        "--twins",
        metavar="URL",
        help="twins already serving --shop with their clock at its end and rate limits off "
        "(default: started here, in a child process)",
    )
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="earshot-orchestration-"))
    shop = args.shop
    if shop is None:
        shop = work / "shop"
        started = time.perf_counter()
        generate(shop, seed=args.seed, scale=SCALES[args.scale])
        print(
            f"generated the {args.scale} shop in {time.perf_counter() - started:.0f}s", flush=True
        )
    results = []
    with twins(shop, args.twins) as url:
        os.environ.update(source_settings(url))
        warehouse = work / "warehouse" / "earshot.duckdb"
        published = work / "warehouse" / "earshot_marts.duckdb"
        os.environ["EARSHOT_WAREHOUSE"] = str(warehouse)
        os.environ["EARSHOT_PUBLISHED"] = str(published)
        from orchestration.definitions import defs
        from orchestration.defs.partitions import today_key

        job = defs().resolve_job_def("daily_refresh")
        first_day = (HISTORY_END - timedelta(days=args.backfill_days)).strftime("%Y-%m-%d")
        last_day = (HISTORY_END - timedelta(days=1)).strftime("%Y-%m-%d")
        today = {"partition_key": today_key()}
        runs: list[tuple[str, dict, dict[str, str]]] = [
            ("first run (today's partition, empty warehouse)", today, {}),
            # The first run loaded the whole history minutes ago, which the models'
            # look-back (72 hours before the newest load they hold) would read again
            # in full; a shop's real daily run re-reads three days of daily loads.
            # As in bench/dbt_bench.py, this run reads only what is new.
            ("daily run (today's partition, nothing new)", today, DAILY),
        ]
        if args.backfill_days:
            runs.append(
                (
                    f"backfill of {args.backfill_days} days ({first_day} to {last_day}), one run",
                    {
                        "tags": {
                            "dagster/asset_partition_range_start": first_day,
                            "dagster/asset_partition_range_end": last_day,
                        }
                    },
                    {},
                )
            )
        with instance_for(args.launch, work) as instance:
            for label, options, settings in runs:
                started = time.perf_counter()
                with sampled_peak() as peak, environment(settings):
                    if args.launch == "in-process":
                        result = job.execute_in_process(
                            instance=instance, raise_on_error=False, **options
                        )
                    else:
                        tags = options.get("tags") or {
                            "dagster/partition": options["partition_key"]
                        }
                        result = dg.execute_job(
                            dg.reconstructable(
                                daily_refresh_multiprocess if args.executor else daily_refresh
                            ),
                            instance=instance,
                            tags=tags,
                            raise_on_error=False,
                        )
                seconds = time.perf_counter() - started
                failed = [
                    e.check_name for e in result.get_asset_check_evaluations() if not e.passed
                ]
                row = {
                    "run": label,
                    "success": result.success,
                    "seconds": round(seconds, 1),
                    "peak_rss_mib": round(peak_mib()),
                    # this run's processes together (PSS), read every 0.2 s while it ran
                    "peak_together_bytes": peak(),
                    "failed_checks": failed,
                    "failed_steps": failed_steps(result),
                    "warehouse_bytes": warehouse.stat().st_size,
                    "published_bytes": published.stat().st_size if published.exists() else 0,
                }
                print(json.dumps(row), flush=True)
                results.append(row)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
