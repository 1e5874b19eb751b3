"""How fast the dashboards answer: query time per page, and time to first render in a browser.

    .venv/bin/python bench/dashboard_bench.py --published PATH [--runs 7] [--browser]

``PATH`` is a published marts file (``earshot_marts.duckdb``; build one with
``make demo`` or the quality report's shops). For each page the script runs
the page under Streamlit's AppTest ``--runs`` times with the cache bypassed,
timing every query the page sends to DuckDB: it reports the queries' p50 and
p95 and the slowest query. With ``--browser`` it also starts ``streamlit run``
on loopback and times, in headless Chromium, from navigation to the page's
title and first chart on screen (median of ``--runs``). Prints a Markdown
table for docs/benchmarks.md; ``--json PATH`` also writes the figures
(``bench/suite.py`` reads them for the dashboards row of ``make bench``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import duckdb
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGES = {
    "overview": ("Overview", ""),
    "themes": ("Voice of the customer", "voice"),
    "non_buyers": ("Why they don't buy", "non-buyers"),
    "language_gap": ("Language gap", "language-gap"),
    "cohorts": ("Cohorts", "cohorts"),
    "calls": ("Calls", "calls"),
    "demand": ("Demand", "demand"),
    "actions": ("Actions", "actions"),
}
TARGET_P95_MS = 200


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def query_times(
    published: Path, runs: int, rounds: list[float] | None = None
) -> dict[str, list[tuple[float, str]]]:
    """Each page's queries, timed against DuckDB with the cache bypassed, over ``runs`` renders.

    ``rounds``, when given, gets the seconds each round of every page's render took.
    """
    from streamlit.testing.v1 import AppTest

    from dashboards import data

    timings: dict[str, list[tuple[float, str]]] = defaultdict(list)
    current: list[str] = []
    renders: dict[str, list[float]] = defaultdict(list)

    def timed(sql: str, params=()) -> pd.DataFrame:
        started = time.perf_counter()
        with duckdb.connect(str(published), read_only=True) as connection:
            frame = connection.execute(sql, list(params)).df()
        timings[current[0]].append(((time.perf_counter() - started) * 1000, sql))
        return frame

    data.query = timed  # the pages call data.<function>, which calls query
    for page in PAGES:
        current[:] = [page]
        for _ in range(runs):
            started = time.perf_counter()
            app = AppTest.from_file(str(ROOT / "dashboards" / "app_pages" / f"{page}.py"))
            app.run(timeout=120)
            renders[page].append(time.perf_counter() - started)
            if app.exception:
                raise RuntimeError(f"{page}: {app.exception[0].value}")
    if rounds is not None:
        rounds.extend(sum(seconds) for seconds in zip(*renders.values(), strict=True))
    return timings


def first_render(runs: int) -> dict[str, float]:
    """Seconds from navigation to the page's title and first chart, median over ``runs``."""
    from playwright.sync_api import sync_playwright

    from tests.dashboards.server import CHROMIUM, CHROMIUM_ARGS, streamlit_server

    seconds: dict[str, list[float]] = defaultdict(list)
    with (
        tempfile.TemporaryDirectory() as scratch,
        streamlit_server(Path(scratch) / "streamlit.log") as url,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for run in range(runs + 1):  # the first round warms the server and is not counted
            for page_name, (title, path) in PAGES.items():
                page = browser.new_page(viewport={"width": 1400, "height": 1200})
                started = time.perf_counter()
                page.goto(f"{url}/{path}")
                page.get_by_role("heading", name=title, exact=True).wait_for(timeout=120_000)
                page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=120_000)
                if run:
                    seconds[page_name].append(time.perf_counter() - started)
                page.close()
        browser.close()
    return {page: statistics.median(values) for page, values in seconds.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--published", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--browser", action="store_true")
    parser.add_argument(
        "--json",
        type=Path,
        help="also write the figures here: each round's seconds to render every page, "
        "and each page's query milliseconds",
    )
    args = parser.parse_args()
    if not args.published.exists():
        sys.exit(f"no published marts at {args.published}")
    os.environ["EARSHOT_PUBLISHED"] = str(args.published.resolve())
    rounds: list[float] = []
    timings = query_times(args.published, args.runs, rounds)
    if args.json:
        figures = {
            "rounds": rounds,
            "queries_ms": {page: [ms for ms, _ in values] for page, values in timings.items()},
        }
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    renders = first_render(args.runs) if args.browser else {}
    size = args.published.stat().st_size / 2**20
    print(f"\n{args.published} ({size:.0f} MiB), {args.runs} runs\n")
    header = "| page | queries per render | p50 ms | p95 ms | slowest query ms |"
    header += " first render s |" if renders else ""
    print(header)
    print("|---" * (6 if renders else 5) + "|")
    worst = ("", 0.0, "")
    for page, values in timings.items():
        milliseconds = [ms for ms, _ in values]
        slowest_ms, slowest_sql = max(values)
        if slowest_ms > worst[1]:
            worst = (page, slowest_ms, slowest_sql)
        row = (
            f"| {PAGES[page][0]} | {len(values) // args.runs} | "
            f"{statistics.median(milliseconds):.1f} | {percentile(milliseconds, 0.95):.1f} | "
            f"{slowest_ms:.1f} |"
        )
        if renders:
            row += f" {renders[page]:.2f} |"
        print(row)
    over = [p for p, v in timings.items() if percentile([m for m, _ in v], 0.95) > TARGET_P95_MS]
    print(f"\ntarget p95 under {TARGET_P95_MS} ms per query: {over or 'met'}")
    print(f"slowest query ({PAGES[worst[0]][0]}, {worst[1]:.1f} ms): {worst[2][:200]}")


if __name__ == "__main__":
    main()
