"""Embedding throughput by torch threads, alone and beside a busy process.

    .venv/bin/python bench/encoder_threads.py [--texts 300] [--runs 3]

The pipeline embeds one sentence at a time (``earshot/language.py``) while other
work runs beside it: dbt's second thread, Spark's JVM, a test worker. Each run
embeds the same training texts in a fresh process with 1 and then 2 threads
(``EARSHOT_ENCODER_THREADS``), first on an idle machine and then beside one
process that keeps a core busy. Prints texts/s per run and the medians.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parents[1]
TEXTS = ROOT / "earshot" / "voice" / "training" / "written_examples.jsonl"
EMBED = (
    "import json, sys, time\n"
    "from earshot import voice\n"
    "texts = [json.loads(line)['text'] for line in open(sys.argv[1])][: int(sys.argv[2])]\n"
    "encoder = voice.encoder()\n"
    "encoder.encode(texts[:5])\n"
    "started = time.perf_counter()\n"
    "encoder.encode(texts)\n"
    "print(len(texts) / (time.perf_counter() - started))\n"
)
BUSY = "while True:\n    pass\n"


def texts_per_second(threads: int, count: int) -> float:
    environment = {
        **os.environ,
        "EARSHOT_ENCODER_THREADS": str(threads),
        "EARSHOT_EMBEDDING_CACHE": "",
    }
    done = subprocess.run(
        [sys.executable, "-c", EMBED, str(TEXTS), str(count)],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--texts", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    found: dict[str, list[float]] = {}
    for setting in ("idle", "beside a busy process"):
        busy = subprocess.Popen([sys.executable, "-c", BUSY]) if setting != "idle" else None
        try:
            for _ in range(args.runs):
                for threads in (1, 2):
                    rate = texts_per_second(threads, args.texts)
                    found.setdefault(f"{setting}, {threads} thread(s)", []).append(rate)
                    print(f"{setting}, {threads} thread(s): {rate:.1f} texts/s", flush=True)
        finally:
            if busy is not None:
                busy.kill()
    print(json.dumps({name: round(median(rates), 1) for name, rates in found.items()}, indent=1))


if __name__ == "__main__":
    main()
