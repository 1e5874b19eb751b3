"""Benchmark the dlt sources: a full load of a sandbox shop from the twins, against DuckDB alone.

    python bench/ingestion_bench.py [--scale M] [--configs default tuned] [--sources shopify ...]

For each dlt configuration, every source loads into a fresh warehouse in its own
process (rate limits off on the twins): rows per second and the process's peak
RSS. In the same run, two baselines: the physical limit, DuckDB alone reading
the same JSONL files with ``read_json`` and ``unnest`` into the same tables; and
the API alone, the same requests with JSON decoding and nothing else (what any
loader must spend on the twins). The ratios are ours over each.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
from _process import run_child
from _twins import serve

from ingestion import aircall, judgeme, shopify
from ingestion.http import VendorClient
from sandbox.server import source_settings

CONFIGS = {
    # the project's .dlt/config.toml as it is
    "default": {},
    # two normalize workers on two cores, larger buffers and files.
    "tuned": {
        "NORMALIZE__WORKERS": "2",
        "DATA_WRITER__BUFFER_MAX_ITEMS": "20000",
        "DATA_WRITER__FILE_MAX_ITEMS": "200000",
    },
}
# DuckDB alone: the same records into the same tables, straight from the files.
BASELINE = {
    "shopify": [
        "create table orders as select * exclude (line_items, refunds) "
        "from read_json('{d}/shopify/orders.jsonl', maximum_object_size=100000000)",
        "create table line_items as select unnest(line_items, recursive := true) "
        "from read_json('{d}/shopify/orders.jsonl', maximum_object_size=100000000)",
        "create table customers as select * from read_json('{d}/shopify/customers.jsonl')",
        "create table products as select * from read_json('{d}/shopify/products.jsonl')",
    ],
    "aircall": [
        "create table calls as select * exclude (tags, comments) "
        "from read_json('{d}/aircall/calls.jsonl')",
        "create table tags as select unnest(tags, recursive := true) "
        "from read_json('{d}/aircall/calls.jsonl')",
        "create table transcripts as select * from read_json('{d}/aircall/transcripts.jsonl')",
    ],
    "judgeme": [
        "create table reviews as select * from read_json('{d}/judgeme/reviews.jsonl')",
    ],
}
ROOTS = {"shopify": "orders", "aircall": "calls", "judgeme": "reviews"}


def environment(url: str, warehouse: Path, config: dict[str, str]) -> dict[str, str]:
    return {
        **os.environ,
        **config,
        **source_settings(url),
        "EARSHOT_WAREHOUSE": str(warehouse),
        "RUNTIME__LOG_LEVEL": "ERROR",
    }


def rows_in(warehouse: Path, dataset: str) -> tuple[int, int]:
    """(root records, all rows) in a raw schema."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        tables = connection.execute(
            "select table_name from information_schema.tables where table_schema = ? "
            "and table_name not like '\\_dlt%' escape '\\' and table_name <> 'quarantine'",
            [dataset],
        ).fetchall()
        counts = {
            t: connection.execute(f'select count(*) from {dataset}."{t}"').fetchone()[0]
            for (t,) in tables
        }
    root = counts[ROOTS[dataset.removeprefix("raw_")]]
    return root, sum(counts.values())


def baseline(data: Path, source: str, workdir: Path) -> float:
    script = "; ".join(sql.format(d=data) for sql in BASELINE[source])
    database = workdir / f"baseline_{source}.duckdb"
    database.unlink(missing_ok=True)
    command = [
        sys.executable,
        "-c",
        f"import duckdb; duckdb.connect({str(database)!r}).execute({script!r})",
    ]
    return run_child(command, dict(os.environ))[0]


def load_once(
    source: str, url: str, warehouse: Path, config: dict[str, str] | None = None
) -> tuple[float, int, int, int]:
    """(seconds, peak RSS, root records, all rows) of one full load into a fresh ``warehouse``."""
    shutil.rmtree(warehouse.parent, ignore_errors=True)
    warehouse.parent.mkdir(parents=True)
    seconds, peak = run_child(
        [sys.executable, "-m", f"ingestion.{source}"],
        environment(url, warehouse, config or {}),
    )
    root, total = rows_in(warehouse, f"raw_{source}")
    return seconds, peak, root, total


def api_alone(source: str, url: str) -> float:
    """Seconds to make the source's requests and decode them, with nothing else done."""
    started = time.perf_counter()
    if source == "shopify":
        for resource in ("orders", "customers", "products"):
            client = VendorClient(
                "shopify",
                f"{url}/admin/api/2025-01",
                headers={"X-Shopify-Access-Token": "shpat_sandbox"},
            )
            params = {"limit": 250, "updated_at_min": "2000-01-01T00:00:00+00:00"}
            if resource == "orders":
                params["status"] = "any"
            for _ in shopify.paginate(client, resource, params):
                pass
    elif source == "judgeme":
        client = VendorClient("judgeme", f"{url}/api/v1")
        auth = {"api_token": "judgeme-sandbox", "shop_domain": "earshot-demo.myshopify.com"}
        for _ in judgeme.review_pages(client, auth):
            pass
    else:
        client = VendorClient("aircall", f"{url}/v1", auth=("sandbox", "sandbox-token"))
        answered = [
            call["id"]
            for page in aircall.calls_in_window(client, 0, int(time.time()))
            for call in page
            if call.get("answered_at")
        ]
        local = threading.local()

        def transcript(call_id: int) -> None:
            if not hasattr(local, "client"):
                local.client = VendorClient(
                    "aircall", f"{url}/v1", auth=("sandbox", "sandbox-token")
                )
            local.client.get_json(f"calls/{call_id}/transcription", missing_ok=True)

        with ThreadPoolExecutor(aircall.TRANSCRIPT_FETCHERS) as fetchers:
            list(fetchers.map(transcript, answered))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--scale", default="M")
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    parser.add_argument("--sources", nargs="+", default=list(ROOTS), choices=list(ROOTS))
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "earshot-bench")
    args = parser.parse_args()
    data = args.work / args.scale
    if not (data / "shopify" / "orders.jsonl").exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "sandbox",
                "generate",
                "--out",
                str(data),
                "--scale",
                args.scale,
            ],
            check=True,
        )
    server, url = serve(data, port=18766)
    print(f"{os.cpu_count()} cores, scale {args.scale}, twins at {url} with rate limits off\n")
    try:
        for source in args.sources:
            duck = baseline(data, source, args.work)
            api = api_alone(source, url)
            for name in args.configs:
                warehouse = args.work / f"ingest_{name}" / "earshot.duckdb"
                seconds, peak, root, total = load_once(source, url, warehouse, CONFIGS[name])
                print(
                    f"{source} [{name}]: {root:,} {ROOTS[source]} ({total:,} rows in all) in "
                    f"{seconds:.1f}s = {total / seconds:,.0f} rows/s; peak RSS "
                    f"{peak / 2**20:.0f} MiB; DuckDB alone {duck:.1f}s, ours/DuckDB = "
                    f"{seconds / duck:.1f}x; API alone {api:.1f}s, ours/API = {seconds / api:.1f}x",
                    flush=True,
                )
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
