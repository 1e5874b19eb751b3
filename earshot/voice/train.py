"""Train the voice classifier and ship it: ``python -m earshot.voice.train``.

Writes earshot/voice/model/ (heads and manifest). With ``--sandbox-texts`` it
first rewrites training/sandbox_tuning.jsonl from a freshly generated sandbox
shop (scale S, seed 7: the tuning half of its planted texts; the holdout half
is what the quality report scores).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import orjson

from earshot.voice import training
from earshot.voice.model import MODEL_DIR

SANDBOX_TEXTS = training.TRAINING_DIR / "sandbox_tuning.jsonl"


def write_sandbox_texts(path: Path = SANDBOX_TEXTS, seed: int = 7) -> int:
    from sandbox import voice_texts
    from sandbox.generate import SCALES, generate

    with tempfile.TemporaryDirectory(prefix="earshot-voice-") as scratch:
        shop = Path(scratch)
        generate(shop, seed=seed, scale=SCALES["S"])
        rows = voice_texts.labelled(shop, "tuning")
    with path.open("wb") as handle:
        for row in rows:
            handle.write(orjson.dumps(row) + b"\n")
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sandbox-texts", action="store_true", help="regenerate sandbox_tuning.jsonl"
    )
    parser.add_argument("--out", type=Path, default=MODEL_DIR)
    args = parser.parse_args()
    if args.sandbox_texts or not SANDBOX_TEXTS.exists():
        print(f"wrote {write_sandbox_texts()} sandbox tuning texts to {SANDBOX_TEXTS}")
    model = training.train(training.themes())
    model.save(args.out)
    print(f"voice model {model.fingerprint} written to {args.out}")


if __name__ == "__main__":
    main()
