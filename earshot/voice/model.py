"""The voice classifier: themes and sentiment of a sentence, from its words.

Two kinds of evidence are put side by side for each text: its sentence
embedding (what it means, for phrasings never seen) and its character
n-grams (the words themselves, typos and shorthand included; hashed, so no
vocabulary is stored). One logistic-regression head per theme reads them, with
a threshold per theme calibrated on held-out folds of the training data; one
multinomial head reads them with the lexicon score for a sentence's sentiment
(negative, neutral, positive), and another reads a whole document (the mean of
its sentences' embeddings) for the document's. A denial head reads a clause
(same features and the lexicon score) for whether it denies the theme it names:
"money wasn't what bothered me" names price and says it was not the problem.

Heads are small: training takes seconds once the training texts are
embedded. ``earshot/voice/model/`` holds the trained heads and a manifest with
the fingerprint of the data they were trained on; ``python -m
earshot.voice.train`` retrains them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import mmh3
import numpy as np
from scipy import sparse

LEXICAL_FEATURES = 1 << 17
# Character n-grams weigh as much as the embedding: both are unit length.
LEXICAL_WEIGHT = 1.0
LEXICON_WEIGHT = 1.0
SENTIMENTS = ("negative", "neutral", "positive")
MODEL_DIR = Path(__file__).parent / "model"


# runs of white space, as one space (scikit-learn's char_wb analyzer does the same)
_WHITE_SPACE = re.compile(r"\s\s+")
_NGRAM_LENGTHS = (3, 4, 5)
# the column of a hash of -2**31, whose absolute value a 32-bit integer cannot hold
_SMALLEST_HASH_COLUMN = (2**31 - 1 - (LEXICAL_FEATURES - 1)) % LEXICAL_FEATURES


def _word_columns(word: str) -> list[int]:
    """The hashed columns of a word's character 3- to 5-grams, the word padded with a
    space each side; a word shorter than an n-gram counts once, whole."""
    padded = f" {word} "
    columns = []
    for n in _NGRAM_LENGTHS:
        last = max(len(padded) - n, 0)
        for start in range(last + 1):
            code = mmh3.hash(padded[start : start + n].encode("utf-8"), 0, True)
            column = abs(code) % LEXICAL_FEATURES if code != -(2**31) else _SMALLEST_HASH_COLUMN
            columns.append(column)
        if last == 0:
            break
    return columns


def lexical_counts(texts: list[str]) -> sparse.csr_matrix:
    """Log counts of each text's hashed character n-grams, a row per text.

    The columns are scikit-learn's ``HashingVectorizer(analyzer="char_wb",
    ngram_range=(3, 5), n_features=LEXICAL_FEATURES, alternate_sign=False,
    norm=None)``, value for value (tests/earshot/test_voice_model.py): the
    trained heads read them. A text is lower-cased and split on white space, and
    each word's n-grams are hashed once per call, however often it recurs. Doing
    it here spares each process that reads customers scikit-learn's import, 0.65 s
    and 104 MiB (docs/benchmarks.md), and counts 3.6 times faster.
    """
    known: dict[str, list[int]] = {}
    columns: list[int] = []
    ends = [0]
    for text in texts:
        for word in _WHITE_SPACE.sub(" ", text.lower()).split():
            found = known.get(word)
            if found is None:
                found = known[word] = _word_columns(word)
            columns.extend(found)
        ends.append(len(columns))
    counts = sparse.csr_matrix(
        (np.ones(len(columns)), np.asarray(columns, np.int32), np.asarray(ends, np.int32)),
        shape=(len(texts), LEXICAL_FEATURES),
    )
    counts.sum_duplicates()
    counts.data = np.log1p(counts.data)
    return counts


def unit_rows(matrix: sparse.spmatrix) -> sparse.csr_matrix:
    """A float64 copy of ``matrix`` with each row scaled to unit length (L2); rows of
    zeros stay zero. scikit-learn's ``normalize``, value for value: each row's squares
    are summed in the order stored, as it sums them."""
    scaled = sparse.csr_matrix(matrix, dtype=np.float64, copy=True)
    squares = sparse.csr_matrix(
        (scaled.data * scaled.data, scaled.indices, scaled.indptr), shape=scaled.shape
    )
    norms = np.sqrt(squares @ np.ones(scaled.shape[1]))
    norms[norms == 0] = 1.0
    scaled.data /= np.repeat(norms, np.diff(scaled.indptr))
    return scaled


def inverse_document_frequency(counts: sparse.csr_matrix) -> np.ndarray:
    """Smoothed idf per hashed n-gram; n-grams never seen in training get 0."""
    seen = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log((1 + counts.shape[0]) / (1 + seen)) + 1
    idf[seen == 0] = 0
    return idf.astype(np.float32)


def features(
    embeddings: np.ndarray,
    texts: list[str],
    idf: np.ndarray,
    lexicon: np.ndarray | None = None,
) -> sparse.csr_matrix:
    """Embedding beside idf-weighted, unit-length character n-grams (and the lexicon score)."""
    lexical = unit_rows(lexical_counts(texts).multiply(idf)) * LEXICAL_WEIGHT
    parts = [sparse.csr_matrix(np.asarray(embeddings, dtype=np.float32)), lexical]
    if lexicon is not None:
        parts.append(sparse.csr_matrix(np.asarray(lexicon, np.float32).reshape(-1, 1)))
    return sparse.hstack(parts).tocsr()


# rows of the embedding multiplied at once when reading: a bounded float64 copy
_ROWS = 2048


@dataclass(frozen=True)
class ReadingFeatures:
    """:func:`features` kept in its parts, for reading: ``x @ coef.T`` without building
    the sparse copy of the dense embeddings that ``features`` makes for training.

    That copy stores every embedding value with its column index (a batch of
    10,000 sentences' 768 values took about 90 MB, and as much again to stack);
    here the embedding is multiplied dense, a block of rows at a time, in float64
    as the stacked matrix was.
    """

    embeddings: np.ndarray
    lexical: sparse.csr_matrix
    lexicon: np.ndarray | None = None

    def __matmul__(self, coef_t: np.ndarray) -> np.ndarray:
        width = self.embeddings.shape[1]
        lexical_end = width + self.lexical.shape[1]
        weights = np.asarray(coef_t, np.float64)
        out = np.asarray(self.lexical @ weights[width:lexical_end], np.float64)
        for start in range(0, len(self.embeddings), _ROWS):
            rows = np.asarray(self.embeddings[start : start + _ROWS], np.float64)
            out[start : start + _ROWS] += rows @ weights[:width]
        if self.lexicon is not None:
            out += self.lexicon.reshape(-1, 1) * weights[lexical_end : lexical_end + 1]
        return out


def reading_features(
    embeddings: np.ndarray,
    texts: list[str],
    idf: np.ndarray,
    lexicon: np.ndarray | None = None,
) -> ReadingFeatures:
    """What :func:`features` holds, as :class:`ReadingFeatures` (same columns, same order)."""
    lexical = unit_rows(lexical_counts(texts).multiply(idf)) * LEXICAL_WEIGHT
    return ReadingFeatures(
        np.asarray(embeddings, dtype=np.float32),
        lexical,
        None if lexicon is None else np.asarray(lexicon, np.float32).astype(np.float64),
    )


@dataclass
class VoiceModel:
    themes: list[str]
    theme_coef: np.ndarray  # themes x features
    theme_intercept: np.ndarray
    thresholds: np.ndarray
    sentiment_coef: np.ndarray  # 3 x (features + 1)
    sentiment_intercept: np.ndarray
    document_coef: np.ndarray  # 3 x (features + 1)
    document_intercept: np.ndarray
    denial_coef: np.ndarray  # 1 x (features + 1)
    denial_intercept: np.ndarray
    denial_threshold: float
    idf: np.ndarray
    manifest: dict

    # reading -------------------------------------------------------------------------------
    def theme_probabilities(self, embeddings: np.ndarray, texts: list[str]) -> np.ndarray:
        """Probability of each theme (columns in ``self.themes`` order) for each text."""
        if not texts:
            return np.zeros((0, len(self.themes)))
        x = reading_features(embeddings, texts, self.idf)
        return _sigmoid(x @ self.theme_coef.T + self.theme_intercept)

    def sentiment_scores(
        self, embeddings: np.ndarray, texts: list[str], lexicon: np.ndarray
    ) -> np.ndarray:
        """A sentence's P(positive) - P(negative), -1 to 1."""
        if not texts:
            return np.zeros(0)
        return self._tone(reading_features(embeddings, texts, self.idf, lexicon * LEXICON_WEIGHT))

    def clause_tone_and_denial(
        self, embeddings: np.ndarray, texts: list[str], lexicon: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each clause's sentiment (-1 to 1) and the probability it denies the theme it names.

        Both heads read the same features, which are built once.
        """
        if not texts:
            return np.zeros(0), np.zeros(0)
        x = reading_features(embeddings, texts, self.idf, lexicon * LEXICON_WEIGHT)
        return self._tone(x), _sigmoid(x @ self.denial_coef.T + self.denial_intercept)[:, 0]

    def _tone(self, x) -> np.ndarray:
        p = _softmax(x, self.sentiment_coef, self.sentiment_intercept)
        return p[:, SENTIMENTS.index("positive")] - p[:, SENTIMENTS.index("negative")]

    def document_sentiments(
        self, mean_embeddings: np.ndarray, texts: list[str], mean_lexicon: np.ndarray
    ) -> tuple[np.ndarray, list[str]]:
        """A whole document's P(positive) - P(negative) and its likeliest label.

        Read from the mean of its sentences' embeddings, its words and its
        sentences' mean lexicon score: "Ten out of ten. Survived a toddler."
        is praise as a whole though neither sentence says so alone.
        """
        if not texts:
            return np.zeros(0), []
        p = _softmax(
            reading_features(mean_embeddings, texts, self.idf, mean_lexicon * LEXICON_WEIGHT),
            self.document_coef,
            self.document_intercept,
        )
        score = p[:, SENTIMENTS.index("positive")] - p[:, SENTIMENTS.index("negative")]
        return score, [SENTIMENTS[i] for i in p.argmax(axis=1)]

    # storing -------------------------------------------------------------------------------
    def save(self, directory: Path = MODEL_DIR) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            directory / "heads.npz",
            themes=np.array(self.themes),
            theme_coef=self.theme_coef.astype(np.float16),
            theme_intercept=self.theme_intercept,
            thresholds=self.thresholds,
            sentiment_coef=self.sentiment_coef.astype(np.float16),
            sentiment_intercept=self.sentiment_intercept,
            document_coef=self.document_coef.astype(np.float16),
            document_intercept=self.document_intercept,
            denial_coef=self.denial_coef.astype(np.float16),
            denial_intercept=self.denial_intercept,
            denial_threshold=np.array(self.denial_threshold),
            idf=self.idf.astype(np.float16),
        )
        (directory / "manifest.json").write_text(json.dumps(self.manifest, indent=2) + "\n")

    @classmethod
    def load(cls, directory: Path = MODEL_DIR) -> VoiceModel:
        with np.load(directory / "heads.npz") as heads:
            return cls(
                themes=[str(t) for t in heads["themes"]],
                theme_coef=heads["theme_coef"].astype(np.float32),
                theme_intercept=heads["theme_intercept"],
                thresholds=heads["thresholds"],
                sentiment_coef=heads["sentiment_coef"].astype(np.float32),
                sentiment_intercept=heads["sentiment_intercept"],
                document_coef=heads["document_coef"].astype(np.float32),
                document_intercept=heads["document_intercept"],
                denial_coef=heads["denial_coef"].astype(np.float32),
                denial_intercept=heads["denial_intercept"],
                denial_threshold=float(heads["denial_threshold"]),
                idf=heads["idf"].astype(np.float32),
                manifest=json.loads((directory / "manifest.json").read_text()),
            )

    @property
    def fingerprint(self) -> str:
        return self.manifest["fingerprint"]


def _softmax(x, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    logits = np.asarray(x @ coef.T + intercept)
    logits = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    return p / p.sum(axis=1, keepdims=True)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-np.asarray(z)))
