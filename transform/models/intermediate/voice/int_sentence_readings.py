"""What each distinct sentence says: the themes it carries and its sentiment.

Read by Earshot's voice classifier (earshot/voice): a head per theme over the
sentence's embedding and character n-grams, with a denial cancelling only the
themes of the clause it governs ("the price was fine but the sleeves are
long": sizing_fit, not price), and a sentiment head over the same features
and the lexicon score.

One row per sentence and theme it carries; a sentence with none keeps one row
with a null theme. Incremental on sentence_hash: a run reads only sentences not
read by the current model. The model's fingerprint covers its training data and
seeds/theme_examples.csv, so editing the examples retrains it and re-reads
every sentence on the next run, no --full-refresh needed.
"""

import numpy as np
import pyarrow as pa

from earshot import language, voice
from earshot.voice import reading


def model(dbt, session):
    dbt.config(
        materialized="incremental",
        incremental_strategy="delete+insert",
        unique_key="sentence_hash",
    )
    seed = dbt.ref("theme_examples").project("theme, example").fetchall()
    negatable = {
        row[0] for row in dbt.ref("theme_taxonomy").filter("negatable").project("theme").fetchall()
    }
    classifier = voice.current(seed)
    sentences = dbt.ref("int_sentence_scores").project(
        "sentence_hash, repaired_text, lexicon_sentiment, embedding"
    )
    if dbt.is_incremental:
        sentences = sentences.filter(
            f"sentence_hash not in (select sentence_hash from {dbt.this}"
            f" where model_fingerprint = '{classifier.fingerprint}')"
        )
    rows = sentences.order("sentence_hash").fetchall()
    texts = [row[1] for row in rows]
    embeddings = (
        np.array([row[3] for row in rows], dtype=np.float32)
        if rows
        else np.zeros((0, language.EMBEDDING_DIMENSIONS), np.float32)
    )
    lexicon = np.array([row[2] for row in rows], dtype=np.float64)
    encoder = None

    def encode(clauses):
        nonlocal encoder
        encoder = encoder or voice.encoder()
        return encoder.encode(clauses)

    readings = reading.read(texts, embeddings, lexicon, classifier, encode, negatable)
    columns = {
        name: [] for name in ("sentence_hash", "theme", "probability", "denied_themes", "sentiment")
    }
    for row, read in zip(rows, readings, strict=True):
        for theme, probability in sorted(read.themes.items()) or [(None, None)]:
            columns["sentence_hash"].append(row[0])
            columns["theme"].append(theme)
            columns["probability"].append(probability)
            columns["denied_themes"].append(", ".join(read.denied) or None)
            columns["sentiment"].append(read.sentiment)
    return pa.table(
        {
            "sentence_hash": pa.array(columns["sentence_hash"], pa.string()),
            "theme": pa.array(columns["theme"], pa.string()),
            "probability": pa.array(columns["probability"], pa.float64()),
            "denied_themes": pa.array(columns["denied_themes"], pa.string()),
            "sentiment": pa.array(columns["sentiment"], pa.float64()),
            "model_fingerprint": pa.array(
                [classifier.fingerprint] * len(columns["theme"]), pa.string()
            ),
        }
    )
