"""Where a dbt command holds its memory: its processes' RSS set against the nodes running.

    .venv/bin/python bench/build_memory.py WAREHOUSE "build --full-refresh" [--top 10]

Runs the dbt command on a fresh copy of ``WAREHOUSE`` (and dbt's parse cache
beside it, as ``bench/command_bench.py`` does), samples the RSS of the dbt
process and of the processes it started (the sentence encoder's) twice a
second, then reads when each node ran from ``run_results.json`` and prints the
peak of the two together and, for the nodes (or pairs of nodes, with two dbt
threads) running at the highest samples, the most seen while they ran, split
into dbt's and its children's. Leave ``EARSHOT_EMBEDDING_CACHE`` unset to
measure a build that embeds its sentences.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
from datetime import datetime
from pathlib import Path

from _process import tree_rss_mib

from sandbox import harness

SAMPLE_SECONDS = 0.5


def node_spans(target: Path) -> list[tuple[float, float, str]]:
    """(start, end, node name) of each node's execution, from dbt's run results."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    spans = []
    for result in results:
        for timing in result["timing"]:
            if timing["name"] == "execute" and timing.get("started_at"):
                spans.append(
                    (
                        datetime.fromisoformat(timing["started_at"]).timestamp(),
                        datetime.fromisoformat(timing["completed_at"]).timestamp(),
                        result["unique_id"].split(".")[-1],
                    )
                )
    return spans


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("command", help='the dbt command, e.g. "build --full-refresh"')
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="earshot-build-memory-"))
    try:
        warehouse = harness.copy_warehouse(args.warehouse, work)
        command, environment = harness.dbt_command(warehouse, *args.command.split())
        started = time.perf_counter()
        child = subprocess.Popen(
            command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        samples: list[tuple[float, int, int]] = []
        while child.poll() is None:
            samples.append((time.time(), *tree_rss_mib(child.pid)))
            time.sleep(SAMPLE_SECONDS)
        if child.returncode != 0 or not samples:
            raise SystemExit(f"dbt {args.command} failed (exit {child.returncode})")
        seconds = time.perf_counter() - started
        spans = node_spans(work / "dbt_target")
        most: dict[str, tuple[int, int, int]] = {}
        for moment, own, others in samples:
            running = " + ".join(sorted(n for a, b, n in spans if a <= moment <= b))
            key = running or "(between nodes)"
            most[key] = max(most.get(key, (0, 0, 0)), (own + others, own, others))
        peak = max(own + others for _, own, others in samples)
        print(f"dbt {args.command}: {seconds:.1f} s, peak RSS {peak:,} MiB (sampled, together)")
        for nodes, (rss, own, others) in sorted(most.items(), key=lambda item: -item[1][0])[
            : args.top
        ]:
            print(f"  {rss:6,} MiB (dbt {own:,}, encoder {others:,})  {nodes}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
