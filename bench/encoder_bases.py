"""What each base sentence encoder costs the pipeline: texts/s and memory.

    .venv/bin/python bench/encoder_bases.py [--texts 200] [--runs 3] [--layers DIR=BASE ...]

Each run embeds the same training texts as a build embeds new sentences
(``Encoder.encode``: batches of the same length in tokens,
``EARSHOT_ENCODER_THREADS`` threads, default 1) in a fresh process per base and
way, taking turns, and reads that process's peak RSS. The baseline way embeds
the texts one at a time, as builds did before they batched. ``--layers``
puts a file of tuned layers on a base (``path/encoder.npz=all-MiniLM-L6-v2``);
without it, the shipped layers go on the shipped base and the other bases are
read as their wheels ship them. Prints each run and the medians, and the ratio
to the first base measured in the same runs.
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
sys.path.insert(0, str(ROOT))

from earshot import language  # noqa: E402
from earshot.voice import tuning  # noqa: E402

TEXTS = ROOT / "earshot" / "voice" / "training" / "written_examples.jsonl"
EMBED = (
    "import json, resource, sys, time\n"
    "from pathlib import Path\n"
    "from earshot import language\n"
    "texts = [json.loads(line)['text'] for line in open(sys.argv[1])][: int(sys.argv[2])]\n"
    "tuned = Path(sys.argv[4]) if sys.argv[4] else None\n"
    "encoder = language.Encoder(sys.argv[3], tuned, threads=language.inference_threads())\n"
    "encoder.encode(texts[:5])\n"
    "started = time.perf_counter()\n"
    "if sys.argv[5] == 'batched':\n"
    "    encoder.encode(texts)\n"
    "else:\n"
    "    import torch\n"
    "    with torch.inference_mode():\n"
    "        [encoder.pool([text]) for text in texts]\n"
    "rate = len(texts) / (time.perf_counter() - started)\n"
    "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
    "print(json.dumps({'rate': rate, 'peak_mib': peak}))\n"
)


WAYS = ("one at a time", "batched")


def measure(base: str, tuned: str, count: int, way: str) -> dict:
    environment = {**os.environ, "EARSHOT_EMBEDDING_CACHE": ""}
    environment.setdefault(language.ENCODER_THREADS, "1")
    done = subprocess.run(
        [sys.executable, "-c", EMBED, str(TEXTS), str(count), base, tuned, way],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--layers", nargs="*", default=[], metavar="FILE=BASE")
    args = parser.parse_args()
    tuned = {base: str(path) for path, base in (item.split("=", 1) for item in args.layers)}
    tuned.setdefault(tuning.shipped_base().name, str(tuning.ENCODER_FILE))
    bases = sorted(language.BASES, key=lambda name: language.BASES[name].dimensions)
    found: dict[tuple[str, str], list[dict]] = {(b, w): [] for b in bases for w in WAYS}
    for run in range(args.runs):
        for base, way in found:
            result = measure(base, tuned.get(base, ""), args.texts, way)
            found[base, way].append(result)
            print(
                f"run {run + 1}, {base}, {way}: {result['rate']:.1f} texts/s,"
                f" peak {result['peak_mib']:.0f} MiB",
                flush=True,
            )

    def rate(base: str, way: str) -> float:
        return median(r["rate"] for r in found[base, way])

    first = rate(bases[0], "batched")
    summary = {
        base: {
            "tuned_layers": tuned.get(base) or None,
            "texts_per_second": round(rate(base, "batched"), 1),
            "texts_per_second_one_at_a_time": round(rate(base, "one at a time"), 1),
            "batched_speed_up": round(rate(base, "batched") / rate(base, "one at a time"), 2),
            "peak_mib": round(median(r["peak_mib"] for r in found[base, "batched"])),
            f"time_vs_{bases[0]}": round(first / rate(base, "batched"), 2),
        }
        for base in bases
    }
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
