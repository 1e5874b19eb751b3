"""Sentence vectors kept in a file that several warehouses and processes share.

A warehouse scores each sentence once already (``int_sentence_scores`` is
incremental by sentence hash). Builds of *different* warehouses, such as the
test suite's shops or a benchmark rebuilding a shop from nothing, would each
embed the same sentences again; naming one cache file in
``EARSHOT_EMBEDDING_CACHE`` lets them embed each sentence once between them,
and load the encoder only when a sentence is new to the file.

The file is SQLite: any number of processes may read and add to it at once.
Vectors are keyed by the encoder's fingerprint and the text, so a re-tuned
encoder never reads another encoder's vectors.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

# how long a writer waits for another process's write to finish
BUSY_SECONDS = 300
# texts looked up per query (SQLite's limit on bound parameters is far above)
CHUNK = 500


class CachedEncoder:
    """``encode`` as an encoder's, reading vectors from ``path`` and adding the new ones.

    ``load`` makes the encoder itself, and is called only when some text is
    not in the file yet.
    """

    def __init__(
        self, path: Path, fingerprint: str, load: Callable[[], object], dimensions: int
    ) -> None:
        self.path = path
        self.fingerprint = fingerprint
        self._load = load
        self.dimensions = dimensions
        self._encoder = None

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.fingerprint}\x00{text}".encode()).hexdigest()

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=BUSY_SECONDS)
        connection.execute(
            "create table if not exists vectors (key text primary key, vector blob not null)"
        )
        return connection

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        keys = [self._key(text) for text in texts]
        found: dict[str, np.ndarray] = {}
        connection = self._connect()
        try:
            unique = list(dict.fromkeys(keys))
            for start in range(0, len(unique), CHUNK):
                chunk = unique[start : start + CHUNK]
                marks = ", ".join("?" * len(chunk))
                for key, blob in connection.execute(
                    f"select key, vector from vectors where key in ({marks})", chunk
                ):
                    found[key] = np.frombuffer(blob, dtype=np.float32)
            missing = {key: text for key, text in zip(keys, texts, strict=True) if key not in found}
            if missing:
                if self._encoder is None:
                    self._encoder = self._load()
                vectors = self._encoder.encode(list(missing.values()))  # type: ignore[attr-defined]
                added = dict(zip(missing, np.asarray(vectors, np.float32), strict=True))
                rows = [(key, vector.tobytes()) for key, vector in added.items()]
                with connection:
                    connection.executemany("insert or ignore into vectors values (?, ?)", rows)
                found.update(added)
        finally:
            connection.close()
        return np.stack([found[key] for key in keys])

    def close(self) -> None:
        """Let the encoder go, if one was loaded (its process ends)."""
        encoder, self._encoder = self._encoder, None
        if encoder is not None and hasattr(encoder, "close"):
            encoder.close()
