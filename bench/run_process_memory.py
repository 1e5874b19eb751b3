"""What a Dagster run's own process holds by the time dbt builds, step by step.

    .venv/bin/python bench/run_process_memory.py SHOP

SHOP is a sandbox shop's folder (``python -m sandbox generate``, or the one
``make bench`` caches in ``.earshot/bench/shop-<scale>-7``). A ``daily_refresh``
run executes in one process: it loads Dagster's definitions, loads each source
with dlt, validates the raw tables with Great Expectations, and then runs the
dbt build (and the encoder's process under it) beside all of that. This does
the same steps in one fresh process, on a fresh warehouse, with the twins
serving the shop from a child process, and prints the process's RSS (anonymous
memory and mapped files) after each, and after freed memory is given back. The
difference between two lines is what that step leaves in the run's process.
"""

from __future__ import annotations

import argparse
import gc
import os
import tempfile
import time
from pathlib import Path

from _process import own_memory
from _twins import twins

STARTED = time.perf_counter()


def say(step: str) -> None:
    print(f"{time.perf_counter() - STARTED:6.1f}s  {step}: {own_memory()}", flush=True)


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
        import duckdb

        from earshot import landing, language
        from earshot.settings import Settings
        from ingestion import pipelines

        settings = Settings.from_env()
        for source in ("shopify", "aircall", "judgeme"):
            pipelines.load_source(source, settings)
            say(f"{source} loaded")
        gc.collect()
        language.give_back_memory()
        say("freed memory given back")
        with duckdb.connect(str(settings.warehouse), read_only=True) as connection:
            for contracts in landing.CONTRACTS.values():
                for contract in contracts:
                    landing.validate(connection, contract)
        say("every landing contract validated (Great Expectations)")
        gc.collect()
        language.give_back_memory()
        say("freed memory given back")


if __name__ == "__main__":
    main()
