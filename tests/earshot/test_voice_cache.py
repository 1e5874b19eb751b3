"""Sentence vectors shared between warehouses: each text embedded once, the encoder loaded
only for a text the file lacks, and never another encoder's vectors."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from earshot import voice
from earshot.voice.cache import CachedEncoder

DIMENSIONS = 16


class CountingEncoder:
    """A stand-in encoder: a vector from each text's characters, and a count of what it read."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.texts.extend(texts)
        vectors = np.zeros((len(texts), DIMENSIONS), np.float32)
        for row, text in enumerate(texts):
            for position, character in enumerate(text):
                vectors[row, (position * 31 + ord(character)) % vectors.shape[1]] += 1.0
        return vectors


def cached(path: Path, fingerprint: str = "layers-a") -> tuple[CachedEncoder, list]:
    loaded: list[CountingEncoder] = []

    def load() -> CountingEncoder:
        loaded.append(CountingEncoder())
        return loaded[-1]

    return CachedEncoder(path, fingerprint, load, DIMENSIONS), loaded


def test_vectors_come_back_in_order_and_each_text_is_embedded_once(tmp_path: Path) -> None:
    texts = ["the zip broke", "lovely jumper", "the zip broke", "late again"]
    encoder, loaded = cached(tmp_path / "vectors.sqlite")

    vectors = encoder.encode(texts)

    assert np.array_equal(vectors, CountingEncoder().encode(texts))
    assert vectors.dtype == np.float32
    [model] = loaded
    assert sorted(model.texts) == ["late again", "lovely jumper", "the zip broke"]


def test_another_process_reads_the_file_and_loads_the_encoder_only_for_new_texts(
    tmp_path: Path,
) -> None:
    path = tmp_path / "vectors.sqlite"
    first, _ = cached(path)
    expected = first.encode(["the zip broke", "lovely jumper"])

    again, loaded = cached(path)
    assert np.array_equal(again.encode(["lovely jumper", "the zip broke"]), expected[::-1])
    assert loaded == []  # every text was in the file: no encoder
    again.encode(["the zip broke", "a new sentence"])
    [model] = loaded
    assert model.texts == ["a new sentence"]


def test_a_retuned_encoder_never_reads_the_old_vectors(tmp_path: Path) -> None:
    path = tmp_path / "vectors.sqlite"
    cached(path, "layers-a")[0].encode(["the zip broke"])

    retuned, loaded = cached(path, "layers-b")
    retuned.encode(["the zip broke"])

    [model] = loaded
    assert model.texts == ["the zip broke"]


def test_writers_at_once_keep_every_vector(tmp_path: Path) -> None:
    path = tmp_path / "vectors.sqlite"
    batches = [[f"sentence {n} of batch {b}" for n in range(50)] for b in range(4)]
    errors: list[BaseException] = []

    def write(texts: list[str]) -> None:
        try:
            cached(path)[0].encode(texts)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    every = [text for batch in batches for text in batch]
    reader, loaded = cached(path)
    assert np.array_equal(reader.encode(every), CountingEncoder().encode(every))
    assert loaded == []


def test_the_pipeline_encoder_reads_the_file_the_environment_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sentences = ["the parcel came a week late", "the sleeves are far too long"]
    monkeypatch.delenv(voice.EMBEDDING_CACHE, raising=False)
    plain = voice.encoder().encode(sentences)
    monkeypatch.setenv(voice.EMBEDDING_CACHE, str(tmp_path / "vectors.sqlite"))

    first = voice.encoder()
    assert isinstance(first, CachedEncoder)
    assert np.allclose(first.encode(sentences), plain, atol=1e-6)
    assert np.array_equal(voice.encoder().encode(sentences[::-1]), first.encode(sentences)[::-1])
