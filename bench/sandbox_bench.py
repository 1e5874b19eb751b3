"""Benchmark the sandbox: generation throughput and peak memory, and the twins' pages per second.

    python bench/sandbox_bench.py [--scales S M] [--runs 3] [--out /tmp/earshot-bench]

Each figure is a median over ``--runs`` runs, with a baseline measured in the same
run so that the ratio survives a noisy machine:

- generation: records written per second and the generator's peak RSS (from the
  kernel's accounting of the child process); baseline: re-encoding the same
  records with orjson alone, the cost of the bytes without the simulation;
- twins: a client paging through every order (250 per page), call (50) and
  review (100) over HTTP with rate limits off; baseline: reading the same
  records from the files through the twins' own index, without HTTP.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson
import requests
from _twins import serve

from sandbox.generate import HISTORY_END, HISTORY_START
from sandbox.server import Credentials, Dataset

CREDENTIALS = Credentials()


def generate_once(scale: str, out: Path) -> tuple[float, int, int]:
    """(seconds, peak RSS in bytes, records written) for one generator run in a child process."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "generate", "--out", str(out), "--scale", scale],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"generation failed for scale {scale}")
    child.stdout.close()
    records = sum(
        sum(1 for _ in path.open("rb"))
        for path in out.rglob("*.jsonl")
        if "answer_key" not in path.parts
    )
    return elapsed, usage.ru_maxrss * 1024, records


def reencode_seconds(out: Path) -> float:
    started = time.perf_counter()
    for path in out.rglob("*.jsonl"):
        if "answer_key" in path.parts:
            continue
        with path.open("rb") as handle, open(os.devnull, "wb") as sink:
            for line in handle:
                sink.write(orjson.dumps(orjson.loads(line)))
    return time.perf_counter() - started


def page_through(url: str) -> tuple[int, int]:
    """(pages, records) fetched by paging through every resource like a loader would."""
    session = requests.Session()
    pages = records = 0
    response = session.get(
        f"{url}/admin/api/2025-01/orders.json",
        params={"limit": 250, "status": "any"},
        headers={"X-Shopify-Access-Token": CREDENTIALS.shopify_access_token},
    )
    while True:
        pages += 1
        records += len(orjson.loads(response.content)["orders"])
        link = [p for p in response.headers.get("Link", "").split(",") if 'rel="next"' in p]
        if not link:
            break
        response = session.get(
            link[0].split(";")[0].strip().strip("<>"),
            headers={"X-Shopify-Access-Token": CREDENTIALS.shopify_access_token},
        )
    auth = (CREDENTIALS.aircall_api_id, CREDENTIALS.aircall_api_token)
    # Four-week windows keep every query under Aircall's 10,000-call cap, as a loader must.
    start, end = int(HISTORY_START.timestamp()), int(HISTORY_END.timestamp())
    for window in range(start, end, 28 * 86_400):
        params = {"from": window, "to": window + 28 * 86_400 - 1, "per_page": 50}
        body = orjson.loads(session.get(f"{url}/v1/calls", params=params, auth=auth).content)
        while True:
            pages += 1
            records += len(body["calls"])
            if not body["meta"]["next_page_link"]:
                break
            body = orjson.loads(session.get(body["meta"]["next_page_link"], auth=auth).content)
    page = 1
    while True:
        reviews = orjson.loads(
            session.get(
                f"{url}/api/v1/reviews",
                params={
                    "api_token": CREDENTIALS.judgeme_api_token,
                    "shop_domain": CREDENTIALS.judgeme_shop_domain,
                    "page": page,
                    "per_page": 100,
                },
            ).content
        )["reviews"]
        pages += 1
        records += len(reviews)
        if len(reviews) < 100:
            break
        page += 1
    return pages, records


def read_through(dataset: Dataset) -> int:
    stores = [dataset.shopify["orders"], dataset.calls, dataset.reviews]
    return sum(len([store.record(i) for i in range(len(store))]) for store in stores)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--scales", nargs="+", default=["S", "M"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "earshot-bench")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, {args.runs} runs each\n")
    for scale in args.scales:
        folder = args.out / scale
        runs = [generate_once(scale, folder) for _ in range(args.runs)]
        seconds = statistics.median(r[0] for r in runs)
        peak = max(r[1] for r in runs)
        records = runs[0][2]
        baseline = statistics.median(reencode_seconds(folder) for _ in range(args.runs))
        print(
            f"generate {scale}: {records:,} records in {seconds:.2f}s median = "
            f"{records / seconds:,.0f} records/s; peak RSS {peak / 2**20:.0f} MiB; "
            f"orjson re-encode of the same records {baseline:.2f}s "
            f"(generator/re-encode = {seconds / baseline:.1f}x)"
        )
    data = args.out / args.scales[-1]
    server, url = serve(data, port=18765)
    try:
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            pages, records = page_through(url)
            timings.append(time.perf_counter() - started)
    finally:
        server.terminate()
        server.wait()
    seconds = statistics.median(timings)
    dataset = Dataset(data)
    direct_runs = []
    for _ in range(args.runs):
        started = time.perf_counter()
        read = read_through(dataset)
        direct_runs.append(time.perf_counter() - started)
    direct = statistics.median(direct_runs)
    print(
        f"twins {args.scales[-1]}, rate limits off: {pages:,} pages, {records:,} records in "
        f"{seconds:.2f}s median = {pages / seconds:,.0f} pages/s, {records / seconds:,.0f} "
        f"records/s; the same {read:,} records read through the index without HTTP in "
        f"{direct:.2f}s (HTTP/direct = {seconds / direct:.1f}x)"
    )


if __name__ == "__main__":
    main()
