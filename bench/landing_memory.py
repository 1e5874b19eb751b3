"""The landing checks' memory, table by table, in one fresh process.

    .venv/bin/python bench/landing_memory.py WAREHOUSE

A Dagster run validates every raw table with Great Expectations
(``earshot/landing.py``) in the run's own process, which then goes on to hold
the loads and the dbt build beside it. This runs every landing contract on a
built warehouse, read only, and prints the process's RSS and peak after each
table, and again once the connection is closed and freed memory given back.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from _process import own_memory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path)
    arguments = parser.parse_args()
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import duckdb

    from earshot import landing, settings
    from earshot.memory import release_memory

    landing._context()
    print(f"Great Expectations loaded: {own_memory()}")
    connection = duckdb.connect(str(arguments.warehouse), read_only=True)
    limit = settings.duckdb_memory_limit(settings.BUILD_MEMORY_LIMIT)
    connection.execute(f"set memory_limit = '{limit}'")
    for contracts in landing.CONTRACTS.values():
        for contract in contracts:
            started = time.perf_counter()
            findings = landing.validate(connection, contract)
            rows = max((finding.checked for finding in findings), default=0)
            print(
                f"{contract.name}: {rows:,} rows in {time.perf_counter() - started:.1f} s: "
                f"{own_memory()}"
            )
    connection.close()
    release_memory()
    print(f"connection closed: {own_memory()}")


if __name__ == "__main__":
    main()
