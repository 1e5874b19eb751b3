"""Reading sentences: the themes each carries, and its sentiment.

``read`` is what the pipeline runs on each sentence it has not read before,
and what ``bench/quality_report.py`` runs on texts directly to score the
classifier apart from the pipeline.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from earshot import language
from earshot.voice import negation
from earshot.voice.model import VoiceModel

_SENTENCE_END = re.compile(r"[.!?]+(?:\s+|$)")
# A clause reading at least this positive (sentiment head, -1 to 1) raises no
# complaint: "arrived next day" is not a shipping theme.
POSITIVE = 0.5
# A complaint the whole sentence carries but none of its clauses reaches this
# share of the threshold on, in a sentence that holds a denial, is the denied
# theme: "delivery was quick enough, it's the zip that broke" reads shipping
# as a whole, and neither clause on its own.
UNPLACED = 0.15
# Rules kept for precision: a theme found in a clause that names another
# theme's subject is the other's. "Eight pounds postage is daylight robbery"
# complains of the shipping cost, not of the price.
YIELDS_TO = {
    "price": (
        "shipping",
        re.compile(r"\b(?:postage|shipping|delivery|p ?& ?p|courier|carriage)\b", re.IGNORECASE),
    ),
}


@dataclass(frozen=True)
class Reading:
    themes: dict[str, float]  # theme -> probability, for the themes the sentence carries
    denied: tuple[str, ...]  # themes the sentence names but denies
    sentiment: float  # -1 to 1


def sentences(text: str) -> list[str]:
    """A document cut into sentences as int_voice_sentences cuts it."""
    return [piece.strip() for piece in _SENTENCE_END.split(text) if piece.strip()]


def _clause_embeddings(
    clauses: list[str],
    texts: list[str],
    embeddings: np.ndarray,
    encode: Callable[[list[str]], np.ndarray],
) -> np.ndarray:
    """The embedding of each of ``clauses``.

    A clause that is a whole sentence of ``texts`` already has its vector
    (``embeddings`` holds ``encode(texts)``, and a text embeds to the same bits in
    any batch), and a clause said by several sentences is embedded once: most
    sentences a model cuts are one clause, so most need no encoding at all.
    """
    sentence_row = {text: i for i, text in enumerate(texts)}
    fresh = list(dict.fromkeys(c for c in clauses if c not in sentence_row))
    found = np.empty((len(clauses), embeddings.shape[1]), embeddings.dtype)
    whole = np.array([c in sentence_row for c in clauses], dtype=bool)
    found[whole] = embeddings[[sentence_row[c] for c in clauses if c in sentence_row]]
    if fresh:
        row_of = {c: j for j, c in enumerate(fresh)}
        found[~whole] = encode(fresh)[[row_of[c] for c in clauses if c not in sentence_row]]
    return found


def read(
    texts: Sequence[str],
    embeddings: np.ndarray,
    lexicon: np.ndarray,
    model: VoiceModel,
    encode: Callable[[list[str]], np.ndarray],
    negatable: set[str],
) -> list[Reading]:
    """Themes and sentiment of each (repaired) sentence.

    A theme is carried when its probability on the sentence reaches its
    calibrated threshold. A negatable theme (a complaint)
    is not carried when the clause where it is most likely denies it (a
    generic denial such as "the price was fine", or the denial head's reading:
    "money wasn't what bothered me"), is followed by a bare denial ("got here
    in a flash, can't argue with that") or reads clearly positive: a complaint
    needs a complaint. Clauses are embedded (with ``encode``) only for sentences that
    hold a denial or a complaint.
    """
    texts = list(texts)
    probabilities = model.theme_probabilities(embeddings, texts)
    sentiment = model.sentiment_scores(embeddings, texts, lexicon)
    thresholds = model.thresholds
    index = {theme: j for j, theme in enumerate(model.themes)}
    rivals = [
        (index[theme], index[other], words)
        for theme, (other, words) in YIELDS_TO.items()
        if theme in index and other in index
    ]
    complaints = np.array([theme in negatable for theme in model.themes])
    called = probabilities >= thresholds
    cut: dict[int, tuple[list[str], list[bool]]] = {}  # clauses, and which deny
    for i, text in enumerate(texts):
        pieces = negation.clauses(text)
        denying = [negation.denies(piece) for piece in pieces]
        if (called[i] & complaints).any() or any(denying):
            cut[i] = (pieces, denying)
    clause_texts = [piece for pieces, _ in cut.values() for piece in pieces]
    if clause_texts:
        clause_embeddings = _clause_embeddings(clause_texts, texts, embeddings, encode)
        clause_probabilities = model.theme_probabilities(clause_embeddings, clause_texts)
        clause_lexicon = np.array([language.lexicon_sentiment(c) for c in clause_texts])
        clause_sentiment, clause_denial = model.clause_tone_and_denial(
            clause_embeddings, clause_texts, clause_lexicon
        )
    readings = []
    offset = 0
    for i in range(len(texts)):
        found = {
            theme: float(probabilities[i, j])
            for j, theme in enumerate(model.themes)
            if called[i, j]
        }
        denied: list[str] = []
        if i in cut:
            pieces, denying = cut[i]
            block = clause_probabilities[offset : offset + len(pieces)]
            tone = clause_sentiment[offset : offset + len(pieces)]
            learned = clause_denial[offset : offset + len(pieces)] >= model.denial_threshold
            offset += len(pieces)
            bare = [d and not (block[c] >= thresholds).any() for c, d in enumerate(denying)]
            governed = [
                denying[c] or (c + 1 < len(pieces) and bare[c + 1]) for c in range(len(pieces))
            ]
            denial_in_sentence = any(governed) or learned.any()
            for j, theme in enumerate(model.themes):
                locus = int(np.argmax(block[:, j]))
                present = theme in found or block[locus, j] >= thresholds[j]
                # said by no clause on its own, the theme is what the sentence's denial denies
                unplaced = block[locus, j] < thresholds[j] * UNPLACED and denial_in_sentence
                if complaints[j] and (
                    governed[locus] or learned[locus] or tone[locus] >= POSITIVE or unplaced
                ):
                    if present:
                        denied.append(theme)
                    found.pop(theme, None)
            for a, b, words in rivals:
                theme, other = model.themes[a], model.themes[b]
                locus = int(np.argmax(block[:, a]))
                if theme in found and words.search(pieces[locus]):
                    found.setdefault(other, found.pop(theme))
        readings.append(Reading(found, tuple(denied), float(sentiment[i])))
    return readings
