"""Tuning the sentence encoder's top layers to customers' voice.

A sentence encoder (``earshot.language.BASES``) is trained to place sentences
by topic. Whether "Great, the
kettle lid snapped on day two" is praise or sarcasm, or "sixty quid for a
doormat" a complaint about price, is not what it learnt, and a linear head
over a frozen embedding cannot recover it. Earshot tunes the encoder's top
``LAYERS`` transformer layers on the training texts' themes and sentiment
(through a multi-task head used only while tuning), then fits its heads on the
tuned embeddings as before.

Only the tuned layers ship (``earshot/voice/model/encoder.npz``, float16, with
``encoder.json`` naming the base they were tuned from); the rest come from the
base's wheels. A fifth of the customer-written training texts, chosen
by a stable hash of their id, is kept out of tuning: the heads' thresholds are
calibrated on those texts, which neither the encoder nor the head scoring them
has seen. The seed is not tuned on, so a shop editing its examples retrains
only the heads. ``python -m earshot.voice.train`` re-tunes when the training
files or the base changed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from earshot import language
from earshot.voice.model import MODEL_DIR, SENTIMENTS

# Bump when the way the encoder is tuned changes, so it is tuned again.
TUNING_VERSION = "1"
LAYERS = 3
EPOCHS = 3
BATCH = 16
ENCODER_RATE = 3e-5
HEAD_RATE = 2e-3
SEED = 0
ENCODER_FILE = MODEL_DIR / "encoder.npz"
MANIFEST_FILE = MODEL_DIR / "encoder.json"
_CALIBRATION_SHARE = 5  # one in five customer-written texts


def customer_written(row: Mapping) -> bool:
    """A labelled text in a customer's or agent's words, with its own id.

    Not the seed's short phrases, the sandbox's planted texts or the texts
    written only to teach sentiment: thresholds are set on texts like a shop's.
    """
    return bool(row.get("id")) and row.get("corpus") not in ("sandbox", "sentiment")


def held_for_calibration(row: Mapping) -> bool:
    """Customer-written rows kept out of tuning, by a stable hash of their id."""
    if not customer_written(row):
        return False
    digest = hashlib.md5(str(row["id"]).encode(), usedforsecurity=False).digest()
    return digest[0] % _CALIBRATION_SHARE == 0


def fingerprint(directory: Path, base_name: str = language.DEFAULT_BASE) -> str:
    """The training files', the base encoder's and the tuning settings' fingerprint
    (the seed is not tuned on)."""
    settings = (TUNING_VERSION, LAYERS, EPOCHS, BATCH, ENCODER_RATE, HEAD_RATE, SEED)
    if base_name != language.DEFAULT_BASE:  # the default's fingerprints stay what they were
        settings = (*settings, base_name)
    digest = hashlib.sha256(f"tuning {settings}\n".encode())
    for path in sorted(directory.glob("*.jsonl")):
        digest.update(f"file\t{path.name}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def shipped_fingerprint(path: Path = ENCODER_FILE) -> str:
    """What the heads were fitted on: the shipped layers' bytes (``base`` with none).

    Hashed once per version of the file (its size and modification time), not
    on every batch a build scores.
    """
    if not path.exists():
        return "base"
    stat = path.stat()
    return _digest(path, stat.st_size, stat.st_mtime_ns)


@functools.cache
def _digest(path: Path, size: int, modified: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def tune(
    rows: Sequence[Mapping],
    texts: Sequence[str],
    themes: Sequence[str],
    progress: bool = True,
    encoder=None,
    base_name: str = language.DEFAULT_BASE,
) -> dict[str, np.ndarray]:
    """The encoder's top layers tuned on ``rows`` (their repaired ``texts``), as float16.

    ``encoder`` is the project's (``language.Encoder`` on ``base_name``) unless another is given:
    anything with a transformers model as ``_model`` (its layers under
    ``encoder.layer``) and a ``pool(texts)`` that keeps the gradient, as
    ``bench/embedding_models.py`` passes to compare models tuned alike.
    """
    import torch

    say = (
        (lambda m: print(f"encoder tuning: {m}", file=sys.stderr, flush=True))
        if progress
        else (lambda m: None)
    )
    torch.manual_seed(SEED)
    order_source = np.random.default_rng(SEED)
    encoder = encoder or language.Encoder(base_name)
    bert = encoder._model
    tuned = [
        name
        for name, _ in bert.named_parameters()
        if _layer_index(name) is not None and _layer_index(name) >= _layer_count(bert) - LAYERS
    ]
    for name, parameter in bert.named_parameters():
        parameter.requires_grad = name in tuned
    dimensions = bert.config.hidden_size
    theme_head = torch.nn.Linear(dimensions, len(themes))
    sentiment_head = torch.nn.Linear(dimensions, len(SENTIMENTS))
    labels = torch.tensor([[t in row["themes"] for t in themes] for row in rows], dtype=torch.float)
    themed = torch.tensor([row.get("corpus") != "sentiment" for row in rows], dtype=torch.float)
    sentiments = torch.tensor(
        [
            SENTIMENTS.index(row["sentiment"]) if row.get("sentiment") in SENTIMENTS else -100
            for row in rows
        ]
    )
    # rare themes weigh more, by the square root of their rarity (capped)
    share = labels[themed.bool()].mean(0).clamp(min=1e-3)
    theme_loss = torch.nn.BCEWithLogitsLoss(
        reduction="none", pos_weight=((1 - share) / share).clamp(max=20).sqrt()
    )
    sentiment_loss = torch.nn.CrossEntropyLoss(ignore_index=-100)
    optimiser = torch.optim.AdamW(
        [
            {"params": [p for p in bert.parameters() if p.requires_grad], "lr": ENCODER_RATE},
            {
                "params": [*theme_head.parameters(), *sentiment_head.parameters()],
                "lr": HEAD_RATE,
            },
        ],
        weight_decay=0.01,
    )
    bert.train()
    started = time.perf_counter()
    say(f"tuning the top {LAYERS} layers on {len(texts)} texts, {EPOCHS} epochs")
    for epoch in range(EPOCHS):
        total = 0.0
        order = order_source.permutation(len(texts))
        for start in range(0, len(texts), BATCH):
            index = order[start : start + BATCH]
            pooled = encoder.pool([texts[i] for i in index]) * 10  # unit vectors, sharpened
            themed_here = themed[index]
            loss = (
                theme_loss(theme_head(pooled), labels[index]).mean(1) * themed_here
            ).sum() / themed_here.sum().clamp(min=1)
            if (sentiments[index] >= 0).any():
                loss = loss + sentiment_loss(sentiment_head(pooled), sentiments[index])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(index)
        say(
            f"epoch {epoch + 1}/{EPOCHS}: loss {total / len(texts):.3f}"
            f" ({time.perf_counter() - started:.0f}s)"
        )
    bert.eval()
    state = bert.state_dict()
    return {name: state[name].detach().numpy().astype(np.float16) for name in tuned}


def save(layers: Mapping[str, np.ndarray], manifest: Mapping, directory: Path = MODEL_DIR) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(directory / ENCODER_FILE.name, **layers)
    (directory / MANIFEST_FILE.name).write_text(json.dumps(dict(manifest), indent=2) + "\n")


def shipped_manifest(path: Path = MANIFEST_FILE) -> dict:
    """The shipped layers' manifest (``encoder.json``), read once per version of the file."""
    if not path.exists():
        return {}
    stat = path.stat()
    return dict(_manifest(path, stat.st_size, stat.st_mtime_ns))


@functools.cache
def _manifest(path: Path, size: int, modified: int) -> dict:
    return json.loads(path.read_text())


def shipped_base(path: Path = MANIFEST_FILE) -> language.Base:
    """The sentence encoder the shipped layers were tuned from (and the heads read)."""
    return language.base(shipped_manifest(path).get("base_model", language.DEFAULT_BASE))


def _layer_count(bert) -> int:
    return len(bert.encoder.layer)


def _layer_index(name: str) -> int | None:
    parts = name.split(".")
    if len(parts) > 2 and parts[0] == "encoder" and parts[1] == "layer":
        return int(parts[2])
    return None
