"""Scoring theme and sentiment readings against labelled texts.

Labelled texts use eval/'s fields: ``themes``, ``sentiment``, ``rating`` (reviews)
and ``note`` (``negation: <theme>[, <theme>]`` names themes a text denies).
``classify`` reads texts with the classifier alone, as the pipeline would
sentence by sentence; the quality report also scores the same texts laid into a
shop and read by the whole pipeline.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

# A document is mixed when one sentence reads at least this positive and
# another at least this negative, and the whole does not lean clearly (its
# score is within this of zero); otherwise the document head's label stands.
MIXED_STRENGTH = 0.5
MIXED_LEAN = 0.3


@dataclass(frozen=True)
class ThemeScore:
    theme: str
    precision: float
    recall: float
    f1: float
    support: int


def document_label(
    sentence_scores: Sequence[float], document_label: str, document_score: float = 0.0
) -> str:
    """A document's label (the voice_documents rule): mixed, else the document head's."""
    if (
        sentence_scores
        and max(sentence_scores) >= MIXED_STRENGTH
        and min(sentence_scores) <= -MIXED_STRENGTH
        and abs(document_score) < MIXED_LEAN
    ):
        return "mixed"
    return document_label


def theme_scores(
    truth: Sequence[set[str]], predicted: Sequence[set[str]], themes: Sequence[str]
) -> dict[str, ThemeScore]:
    """P/R/F1 per theme and ``micro`` over all, from paired true and predicted theme sets."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for true, found in zip(truth, predicted, strict=True):
        tp.update(true & found)
        fp.update(found - true)
        fn.update(true - found)

    def score(name: str, t: int, p: int, n: int) -> ThemeScore:
        precision = t / (t + p) if t + p else 1.0
        recall = t / (t + n) if t + n else 1.0
        f1 = 2 * t / (2 * t + p + n) if t + p + n else 1.0
        return ThemeScore(name, precision, recall, f1, t + n)

    scores = {theme: score(theme, tp[theme], fp[theme], fn[theme]) for theme in themes}
    scores["micro"] = score("micro", sum(tp.values()), sum(fp.values()), sum(fn.values()))
    return scores


def denied_themes(row: Mapping) -> set[str]:
    note = row.get("note") or ""
    if not note.startswith("negation:"):
        return set()
    named = note.removeprefix("negation:").split(";")[0]
    return {theme.strip() for theme in named.split(",") if theme.strip()}


def denied_counted(rows: Sequence[Mapping], predicted: Sequence[set[str]]) -> tuple[int, int]:
    """Denied themes a reading still counted, and denied themes in all."""
    counted = total = 0
    for row, found in zip(rows, predicted, strict=True):
        denied = denied_themes(row)
        total += len(denied)
        counted += len(denied & found)
    return counted, total


def sentiment_agreement(rows: Sequence[Mapping], labels: Sequence[str | None]) -> float:
    """Share of texts whose label equals the labelled sentiment."""
    pairs = [(row["sentiment"], label) for row, label in zip(rows, labels, strict=True)]
    return sum(a == b for a, b in pairs) / len(pairs) if pairs else float("nan")


# what a review's stars say of it; three stars say nothing either way
STARS = {1: "negative", 2: "negative", 4: "positive", 5: "positive"}


def star_agreement(rows: Sequence[Mapping], labels: Sequence[str | None]) -> tuple[float, int]:
    """Agreement with the stars: 4-5 positive, 1-2 negative, 3 left out."""
    pairs = [
        (STARS[row["rating"]], label)
        for row, label in zip(rows, labels, strict=True)
        if row.get("rating") in STARS
    ]
    if not pairs:
        return float("nan"), 0
    return sum(a == b for a, b in pairs) / len(pairs), len(pairs)


def confusion(rows: Sequence[Mapping], labels: Sequence[str | None]) -> dict[tuple[str, str], int]:
    return dict(
        Counter(
            (row["sentiment"], label or "none") for row, label in zip(rows, labels, strict=True)
        )
    )


def classify(
    texts: Sequence[str], seed=None, model=None, encode=None
) -> list[tuple[set[str], str]]:
    """Themes and sentiment label of each text, read by the classifier alone.

    ``encode`` embeds sentences (the project's encoder by default; the
    embedding-model comparison passes others).
    """
    from earshot import language, voice
    from earshot.voice import reading, training
    from earshot.voice.model import VoiceModel

    seed = training.read_seed() if seed is None else seed
    model = model or VoiceModel.load()
    negatable = training.negatable_themes()
    pieces = [reading.sentences(text) for text in texts]
    flat = training.repair([s for ps in pieces for s in ps], seed)
    encode = encode or voice.encoder().encode
    embeddings = encode(flat)
    lexicon = np.array([language.lexicon_sentiment(s) for s in flat])
    readings = reading.read(flat, embeddings, lexicon, model, encode, negatable)
    owner = np.repeat(np.arange(len(pieces)), [len(ps) for ps in pieces])
    counts = np.maximum(np.bincount(owner, minlength=len(pieces)), 1)
    means = np.zeros((len(pieces), embeddings.shape[1]), np.float32)
    np.add.at(means, owner, embeddings)
    means /= counts.reshape(-1, 1)
    mean_lexicon = np.bincount(owner, weights=lexicon, minlength=len(pieces)) / counts
    ends = np.cumsum([len(ps) for ps in pieces])
    document_texts = [
        " ".join(flat[end - len(ps) : end]) for ps, end in zip(pieces, ends, strict=True)
    ]
    scores, labels = model.document_sentiments(means, document_texts, mean_lexicon)
    out = []
    offset = 0
    for ps, label, score in zip(pieces, labels, scores, strict=True):
        block = readings[offset : offset + len(ps)]
        offset += len(ps)
        themes = {theme for r in block for theme in r.themes}
        out.append((themes, document_label([r.sentiment for r in block], label, score)))
    return out
