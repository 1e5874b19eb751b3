"""Time one dbt command, and read its peak memory, on fresh copies of a built warehouse.

    python bench/command_bench.py WAREHOUSE "build --full-refresh --threads 1" \\
        [--runs 3] [--project CHECKOUT] [--set EARSHOT_DUCKDB_MEMORY_LIMIT=1GB]

For comparing two versions of a model, or two settings, on the same data: each
run copies ``WAREHOUSE`` (and dbt's parse cache beside it) to a scratch folder,
runs the command with the project in ``--project`` (another checkout of
Earshot, such as a worktree at an older commit; this one by default), and
prints its wall time, peak RSS (``bench/_process.py``) and slowest nodes.
dbt parses the project for the copy first, untimed, as bench/dbt_bench.py's
measured runs do: a shop's next run reuses its last parse.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from statistics import median

from _process import run_child

from sandbox import harness

ROOT = Path(__file__).resolve().parent.parent


def in_project(
    project: Path, warehouse: Path, *arguments: str, settings: dict[str, str]
) -> tuple[list[str], dict[str, str]]:
    """:func:`harness.dbt_command` with the dbt project of the checkout ``project``."""
    command, env = harness.dbt_command(warehouse, *arguments, settings=settings)
    transform = str(project.resolve() / "transform")
    return [transform if part == str(ROOT / "transform") else part for part in command], env


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("command", help='the dbt arguments, as one string: "run -s customers"')
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument(
        "--project", type=Path, default=ROOT, help="the checkout whose dbt project runs"
    )
    parser.add_argument(
        "--set", action="append", default=[], help="NAME=VALUE in dbt's environment"
    )
    args = parser.parse_args()
    settings = dict(item.split("=", 1) for item in args.set)
    found = []
    with tempfile.TemporaryDirectory(prefix="earshot-command-bench-") as scratch:
        for run in range(1, args.runs + 1):
            copy = harness.copy_warehouse(args.warehouse, Path(scratch))
            parse, env = in_project(args.project, copy, "parse", settings=settings)
            subprocess.run(parse, env=env, check=True, capture_output=True)
            command, env = in_project(args.project, copy, *args.command.split(), settings=settings)
            seconds, peak = run_child(command, env)
            results = json.loads((copy.parent / "dbt_target" / "run_results.json").read_text())
            slowest = sorted(results["results"], key=lambda r: -r["execution_time"])[:5]
            found.append(seconds)
            print(
                f"run {run}: {seconds:.1f} s, peak RSS {peak / 2**20:,.0f} MiB; slowest: "
                + ", ".join(
                    f"{r['unique_id'].split('.')[-1]} {r['execution_time']:.1f}s" for r in slowest
                ),
                flush=True,
            )
    print(f"median of {len(found)}: {median(found):.1f} s", flush=True)


if __name__ == "__main__":
    sys.exit(main())
