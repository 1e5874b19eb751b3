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
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

LEXICAL_FEATURES = 1 << 17
# Character n-grams weigh as much as the embedding: both are unit length.
LEXICAL_WEIGHT = 1.0
LEXICON_WEIGHT = 1.0
SENTIMENTS = ("negative", "neutral", "positive")
MODEL_DIR = Path(__file__).parent / "model"


def _hasher():
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
        analyzer="char_wb",
        ngram_range=(3, 5),
        n_features=LEXICAL_FEATURES,
        alternate_sign=False,
        norm=None,
        lowercase=True,
    )


def lexical_counts(texts: list[str]) -> sparse.csr_matrix:
    counts = _hasher().transform(texts).tocsr()
    counts.data = np.log1p(counts.data)
    return counts


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
    from sklearn.preprocessing import normalize

    lexical = normalize(lexical_counts(texts).multiply(idf).tocsr()) * LEXICAL_WEIGHT
    parts = [sparse.csr_matrix(np.asarray(embeddings, dtype=np.float32)), lexical]
    if lexicon is not None:
        parts.append(sparse.csr_matrix(np.asarray(lexicon, np.float32).reshape(-1, 1)))
    return sparse.hstack(parts).tocsr()


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
        x = features(embeddings, texts, self.idf)
        return _sigmoid(x @ self.theme_coef.T + self.theme_intercept)

    def sentiment_scores(
        self, embeddings: np.ndarray, texts: list[str], lexicon: np.ndarray
    ) -> np.ndarray:
        """A sentence's P(positive) - P(negative), -1 to 1."""
        if not texts:
            return np.zeros(0)
        return self._tone(features(embeddings, texts, self.idf, lexicon * LEXICON_WEIGHT))

    def clause_tone_and_denial(
        self, embeddings: np.ndarray, texts: list[str], lexicon: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each clause's sentiment (-1 to 1) and the probability it denies the theme it names.

        Both heads read the same features, which are built once.
        """
        if not texts:
            return np.zeros(0), np.zeros(0)
        x = features(embeddings, texts, self.idf, lexicon * LEXICON_WEIGHT)
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
            features(mean_embeddings, texts, self.idf, mean_lexicon * LEXICON_WEIGHT),
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
