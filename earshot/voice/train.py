"""Train the voice classifier and ship it: ``python -m earshot.voice.train``.

Writes earshot/voice/model/: the encoder's tuned layers (when the training
files or the base encoder changed since they were tuned, or with ``--retune``),
then the heads and their manifest. ``--base`` names the sentence encoder to tune
from (``earshot.language.BASES``); without it, the one the shipped layers came
from. With ``--sandbox-texts`` it first rewrites training/sandbox_tuning.jsonl
from a freshly generated sandbox shop (scale S, seed 7: the tuning half of its
planted texts; the holdout half is what the quality report scores).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import orjson

from earshot import language
from earshot.voice import training, tuning
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


def tune_encoder(base: language.Base) -> None:
    """Tune ``base``'s top layers on the training files, less the calibration texts."""
    started = time.perf_counter()
    rows = [row for row in training.training_rows([]) if not tuning.held_for_calibration(row)]
    texts = training.repair([row["text"] for row in rows], [], language.model_vocabulary(base.name))
    layers = tuning.tune(rows, texts, training.themes(), base_name=base.name)
    manifest = {
        "fingerprint": tuning.fingerprint(training.TRAINING_DIR, base.name),
        "base_model": base.name,
        "base": f"{base.name} ({base.source})",
        "tuned_layers": tuning.LAYERS,
        "epochs": tuning.EPOCHS,
        "tuning_texts": len(rows),
        "seconds": round(time.perf_counter() - started),
    }
    tuning.save(layers, manifest)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sandbox-texts", action="store_true", help="regenerate sandbox_tuning.jsonl"
    )
    parser.add_argument(
        "--retune", action="store_true", help="tune the encoder even if its data is unchanged"
    )
    parser.add_argument(
        "--base",
        choices=sorted(language.BASES),
        help="the sentence encoder to tune from (default: the shipped layers' own)",
    )
    args = parser.parse_args()
    base = language.base(args.base or tuning.shipped_base().name)
    # Training has the machine to itself: embed with every core, not the one a
    # pipeline run keeps to (1.5 times the texts/s on 2 idle cores, docs/benchmarks.md).
    os.environ.setdefault(language.ENCODER_THREADS, str(os.cpu_count() or 1))
    if args.sandbox_texts or not SANDBOX_TEXTS.exists():
        print(f"wrote {write_sandbox_texts()} sandbox tuning texts to {SANDBOX_TEXTS}")
    tuned_on = tuning.shipped_manifest().get("fingerprint")
    if args.retune or tuned_on != tuning.fingerprint(training.TRAINING_DIR, base.name):
        tune_encoder(base)
        print(f"encoder layers written to {tuning.ENCODER_FILE}")
    model = training.train(training.themes())
    model.save(MODEL_DIR)
    print(f"voice model {model.fingerprint} written to {MODEL_DIR}")


if __name__ == "__main__":
    main()
