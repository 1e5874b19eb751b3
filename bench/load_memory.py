"""Where one source's load holds its memory: RSS at each step of its spools.

    .venv/bin/python bench/load_memory.py SHOP [--source shopify] [--memory-limit 768MB]

SHOP is a sandbox shop's folder (``python -m sandbox generate --scale L``, or
the one ``make bench SCALE=L`` caches in ``.earshot/bench/shop-L-7``). The
twins serve it in a child process with rate limits off; the source then loads
into a fresh warehouse in this process, as ``python -m ingestion.<source>``
would, and each spool step prints the process's RSS and its peak so far:
reading the spooled records into DuckDB, unnesting a child list, staging a
table's batches on disk, the first and last batch of each table read back.
The last line is the whole load's time and peak. ``--memory-limit`` sets
``EARSHOT_DUCKDB_MEMORY_LIMIT`` for the load.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from _process import own_memory
from _twins import serve

STARTED = time.perf_counter()


def say(text: str) -> None:
    print(f"{time.perf_counter() - STARTED:7.1f} s  {text}: {own_memory()}", flush=True)


def traced(name: str, step: Callable) -> Callable:
    """``step`` (a Spool method) printing the memory before and after it."""

    def run(spool, *arguments, **options):
        table = spool.layout.root
        if name == "_unnest":
            table += "." + ".".join(arguments[1])
        elif name == "_stage":
            table = arguments[1]
        say(f"{table} {name.strip('_')} starts")
        result = step(spool, *arguments, **options)
        say(f"{table} {name.strip('_')} done")
        return result

    return run


def read_back(step: Callable) -> Callable:
    """``Spool._read_back`` printing the memory at a table's first and last batch."""

    def run(table: str, path: Path) -> Iterator:
        count = 0
        for count, item in enumerate(step(table, path), 1):
            if count == 1:
                say(f"{table} first batch")
            yield item
        say(f"{table} {count} batches")

    return staticmethod(run)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("shop", type=Path)
    parser.add_argument("--source", default="shopify", choices=["shopify", "aircall", "judgeme"])
    parser.add_argument("--memory-limit", help="EARSHOT_DUCKDB_MEMORY_LIMIT for the load")
    parser.add_argument("--port", type=int, default=18769)
    args = parser.parse_args()

    from sandbox.server import source_settings

    # stopped with SIGTERM (kill, pkill), the finally below still ends the twins
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    server, url = serve(args.shop, port=args.port)
    try:
        os.environ.update(source_settings(url))
        os.environ["EARSHOT_WAREHOUSE"] = str(Path(tempfile.mkdtemp()) / "earshot.duckdb")
        os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")
        if args.memory_limit:
            os.environ["EARSHOT_DUCKDB_MEMORY_LIMIT"] = args.memory_limit
        from ingestion import columnar
        from ingestion.pipelines import run_source

        for name in ("_read", "_unnest", "_stage"):
            setattr(columnar.Spool, name, traced(name, getattr(columnar.Spool, name)))
        columnar.Spool._read_back = read_back(columnar.Spool._read_back)
        say(f"twins serving {args.shop}; loading {args.source}")
        run_source(args.source)
        say(f"{args.source} loaded")
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
