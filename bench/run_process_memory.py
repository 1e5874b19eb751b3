"""What a Dagster run's own process holds by the time dbt builds, step by step.

    .venv/bin/python bench/run_process_memory.py SHOP

SHOP is a sandbox shop's folder (``python -m sandbox generate``, or the one
``make bench`` caches in ``.earshot/bench/shop-<scale>-7``). A ``daily_refresh``
run executes its steps in one process: it loads Dagster's definitions, has its
worker process (``orchestration.worker``) load each source with dlt and
validate the raw tables with Great Expectations, ends the worker, and then runs
the dbt build (and the encoder's process under it) beside what is left. This
does the same steps from one fresh process, on a fresh warehouse, with the
twins serving the shop from a child process, and prints this process's RSS
(anonymous memory and mapped files) and the worker's after each, with the
most the worker's processes held together during the step (dlt's normalize
workers, forked from it, among them: the sum of their proportional set sizes,
``bench/_process.py``'s ``held_together``, read every 0.2 s). The difference
between two lines is what that step leaves in the run's process.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from pathlib import Path

from _process import POLL_SECONDS, held_together, memory_mib, own_memory
from _twins import twins

STARTED = time.perf_counter()


class TreePeak:
    """The most a process and its descendants hold together, read in a thread until
    :meth:`taken`, which starts the next step's reading."""

    def __init__(self, pid: int) -> None:
        self._pid, self._peak, self._lock = pid, 0, threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            held = held_together(self._pid)
            with self._lock:
                self._peak = max(self._peak, held)
            time.sleep(POLL_SECONDS)

    def taken(self) -> int:
        """MiB: the peak since the last call."""
        with self._lock:
            peak, self._peak = self._peak, 0
        return peak // 2**20


def say(step: str, worker: int | None = None, together: TreePeak | None = None) -> None:
    line = f"{time.perf_counter() - STARTED:6.1f}s  {step}: {own_memory()}"
    if worker is not None:
        held = memory_mib(worker)
        line += f"; the worker's RSS {held.get('VmRSS', 0):,} MiB, peak {held.get('VmHWM', 0):,}"
    if together is not None:
        line += f"; its processes together at most {together.taken():,} MiB during the step"
    print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shop", type=Path)
    arguments = parser.parse_args()
    say("start")
    from sandbox.server import source_settings

    with twins(arguments.shop) as url:
        work = Path(tempfile.mkdtemp(prefix="earshot-run-memory-"))
        os.environ.update(source_settings(url))
        os.environ["EARSHOT_WAREHOUSE"] = str(work / "earshot.duckdb")
        os.environ["EARSHOT_PUBLISHED"] = str(work / "earshot_marts.duckdb")
        from orchestration.definitions import defs

        defs()
        say("Dagster's definitions loaded")
        from earshot import landing
        from earshot.settings import Settings
        from orchestration.worker import StepWorker

        settings = Settings.from_env()
        worker = StepWorker()
        together = TreePeak(worker.pid)
        for source in ("shopify", "aircall", "judgeme"):
            worker.load_source(source, settings, None)
            say(f"{source} loaded", worker.pid, together)
        contracts = [(c.schema, c.table) for group in landing.CONTRACTS.values() for c in group]
        worker.validate(settings, contracts)
        say("every landing contract validated (Great Expectations)", worker.pid, together)
        worker.close()
        say("the worker ended, as the dbt step ends it")


if __name__ == "__main__":
    main()
