"""Voice understanding: which themes a customer's sentence raises, and its tone.

``model`` (the trained heads), ``training`` (fitting them from the repository's
files), ``reading`` (applying them with denials scoped to their clause),
``negation`` (clauses and denials), ``evaluation`` (scoring against labels).
``tuning`` (the encoder's top layers, tuned to customers' voice).
``current`` gives the model the pipeline should read with, ``encoder`` the
sentence encoder its heads were fitted on.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from earshot.voice.model import VoiceModel

CACHE = Path(
    os.environ.get(
        "EARSHOT_VOICE_MODELS", Path(__file__).resolve().parents[2] / ".earshot" / "voice_models"
    )
)


# a file of sentence vectors that several warehouses share (earshot/voice/cache.py)
EMBEDDING_CACHE = "EARSHOT_EMBEDDING_CACHE"


def encoder():
    """The sentence encoder the heads read: the shipped base with its tuned top layers,
    in a process of its own (``earshot.voice.worker``); ``close()`` ends it.

    With ``EARSHOT_EMBEDDING_CACHE`` naming a file, its vectors are read from
    and added to that file, and the model loads only for a text the file lacks.
    """
    from earshot import language
    from earshot.voice import tuning
    from earshot.voice.worker import EncoderProcess

    def load() -> EncoderProcess:
        tuned = tuning.ENCODER_FILE if tuning.ENCODER_FILE.exists() else None
        return EncoderProcess(
            tuning.shipped_base().name, tuned, threads=language.inference_threads()
        )

    cache = os.environ.get(EMBEDDING_CACHE)
    if cache:
        from earshot.voice.cache import CachedEncoder

        return CachedEncoder(Path(cache), tuning.shipped_fingerprint(), load, dimensions())
    return load()


def dimensions() -> int:
    """How long the vectors of the encoder the heads read are."""
    from earshot.voice import tuning

    return tuning.shipped_base().dimensions


def vocabulary() -> frozenset[str]:
    """The whole words the encoder the heads read knows (typos are repaired towards them)."""
    from earshot import language
    from earshot.voice import tuning

    return language.model_vocabulary(tuning.shipped_base().name)


# dbt runs Python models in threads: two reading with a new seed train once.
_TRAINING = threading.Lock()


def current(seed: Sequence[tuple[str, str]]) -> VoiceModel:
    """The shipped model when it was trained on these examples, else one trained for them.

    A shop that edits seeds/theme_examples.csv gets a model retrained on its
    examples (once; it is kept under .earshot/voice_models by fingerprint).
    """
    from earshot.voice import training

    shipped = VoiceModel.load()
    wanted = training.fingerprint(seed)
    if shipped.fingerprint == wanted:
        return shipped
    cached = CACHE / wanted
    with _TRAINING:
        if (cached / "manifest.json").exists():
            return VoiceModel.load(cached)
        model = training.train(training.themes(), seed)
        CACHE.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{wanted}-", dir=CACHE))
        model.save(scratch)
        try:
            scratch.rename(cached)  # whole or not at all, even across processes
        except OSError:  # another process kept the same model first
            shutil.rmtree(scratch, ignore_errors=True)
        return model
