"""Where the shipped encoder's memory goes, step by step, in one fresh process.

    .venv/bin/python bench/encoder_memory.py [--texts 600] [--trim] [--transformers]
        [--quantize] [--batch-tokens N] [--warehouse W]

The dbt build's peak RSS is highest while ``int_sentence_scores`` holds the
encoder (docs/benchmarks.md, scale L). This prints the process's RSS (split
into anonymous memory and mapped files) and its peak after importing torch,
after loading the shipped encoder (its base and tuned layers), after embedding
the training texts once and again, and after ``malloc_trim``. ``--trim``
loads the encoder as its own process does (``earshot/voice/worker.py``),
giving freed memory back after each length's batches. The encoder is the one the
pipeline reads with (``earshot.language.reader``); ``--transformers`` loads
transformers' model instead, as tuning does. With ``--quantize`` (which implies
``--transformers``) it then
converts the encoder's linear layers to int8 (torch's dynamic quantization),
embeds the same texts again and prints the cosine between each text's two
vectors: the classifier's heads were fitted on the float vectors, so a
quantized encoder must first agree with them.

``--batch-tokens`` embeds in batches of that many tokens instead of the shipped
``earshot.language._BATCH_TOKENS``, and saves the vectors next to a run's at the
shipped size to say whether they are the same. ``--warehouse`` embeds the
sentences of a built warehouse (``int_voice_sentences``, ``--texts`` of them)
instead of the training texts.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import time
from pathlib import Path

from _process import own_memory

ROOT = Path(__file__).resolve().parents[1]
TEXTS = ROOT / "earshot" / "voice" / "training" / "written_examples.jsonl"

# vectors embedded in batches of the shipped size, kept to compare other sizes with
SHIPPED_VECTORS = ROOT / ".earshot" / "bench" / "encoder_memory_vectors.npy"


def read_texts(warehouse: Path | None, count: int) -> list[str]:
    if warehouse is None:
        with TEXTS.open() as handle:
            return [json.loads(line)["text"] for line in handle][:count]
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.execute(
            "select any_value(sentence_text) from intermediate.int_voice_sentences"
            " group by sentence_hash order by sentence_hash limit ?",
            [count],
        ).fetchall()
    return [text for (text,) in rows]


def compare_with_shipped(vectors, shipped: bool, arguments: argparse.Namespace) -> None:
    """Keep the shipped size's vectors; say whether another size's are the same."""
    import numpy as np

    source = f"{arguments.warehouse or TEXTS.name}:{arguments.texts}"
    if shipped:
        SHIPPED_VECTORS.parent.mkdir(parents=True, exist_ok=True)
        np.save(SHIPPED_VECTORS, vectors)
        SHIPPED_VECTORS.with_suffix(".txt").write_text(source)
    elif SHIPPED_VECTORS.exists() and SHIPPED_VECTORS.with_suffix(".txt").read_text() == source:
        same = np.array_equal(np.load(SHIPPED_VECTORS), vectors)
        print(f"vectors the same as in batches of the shipped size, bit for bit: {same}")
    else:
        print("run once at the shipped size first to compare the vectors")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=600)
    parser.add_argument("--trim", action="store_true", help="trim after each length, as the worker")
    parser.add_argument(
        "--transformers", action="store_true", help="transformers' model, as tuning loads it"
    )
    parser.add_argument("--quantize", action="store_true")
    parser.add_argument("--batch-tokens", type=int, help="tokens per batch (default: shipped)")
    parser.add_argument("--warehouse", type=Path, help="embed this warehouse's sentences")
    arguments = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    texts = read_texts(arguments.warehouse, arguments.texts)
    began = time.perf_counter()
    print(f"start: {own_memory()}")
    import numpy as np
    import torch

    print(f"torch imported in {time.perf_counter() - began:.1f} s: {own_memory()}")
    from earshot import language
    from earshot.voice import tuning

    shipped = language._BATCH_TOKENS
    batch_tokens = arguments.batch_tokens or shipped
    language._BATCH_TOKENS = batch_tokens
    print(f"batches of {batch_tokens} tokens (shipped: {shipped})")
    # the encoder a build loads (in its process, earshot/voice/worker.py), loaded here
    load = language.Encoder if arguments.transformers or arguments.quantize else language.reader
    encoder = load(
        tuning.shipped_base().name,
        tuning.ENCODER_FILE,
        threads=language.inference_threads(),
        trim=arguments.trim,
    )
    print(
        f"encoder loaded ({type(encoder).__name__}, {encoder.base.name})"
        f" {time.perf_counter() - began:.1f} s after the start: {own_memory()}"
    )
    started = time.perf_counter()
    vectors = encoder.encode(texts)
    seconds = time.perf_counter() - started
    print(f"{len(texts)} texts embedded in {seconds:.1f} s: {own_memory()}")
    print(f"first vectors {time.perf_counter() - began:.1f} s after the start")
    compare_with_shipped(vectors, batch_tokens == shipped, arguments)
    encoder.encode(texts)
    print(f"embedded again: {own_memory()}")
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    print(f"after malloc_trim: {own_memory()}")
    if arguments.quantize:
        encoder._model = torch.ao.quantization.quantize_dynamic(
            encoder._model, {torch.nn.Linear}, dtype=torch.qint8
        )
        print(f"linear layers in int8: {own_memory()}")
        started = time.perf_counter()
        quantized = encoder.encode(texts)
        seconds = time.perf_counter() - started
        print(f"{len(texts)} texts embedded in {seconds:.1f} s: {own_memory()}")
        cosines = np.sum(vectors * quantized, axis=1)
        print(
            f"cosine, float against int8: min {cosines.min():.3f}, "
            f"median {np.median(cosines):.3f}, mean {cosines.mean():.3f}"
        )


if __name__ == "__main__":
    main()
