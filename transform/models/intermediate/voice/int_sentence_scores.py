"""Each distinct sentence, scored once: typo-repaired text, a sentence embedding
and a lexicon sentiment score.

Scores are cached by sentence hash: an incremental run scores only sentences
not scored by the current encoder (its tuned layers' fingerprint), and loads
the embedding model only when there are some.
Words are repaired against the embedding model's vocabulary plus the words of
seeds/theme_examples.csv; run with --full-refresh after editing the examples
to re-read old sentences with the new words.
"""

import pyarrow as pa

from earshot import language, voice
from earshot.voice import tuning


def model(dbt, session):
    dbt.config(
        materialized="incremental",
        incremental_strategy="delete+insert",
        unique_key="sentence_hash",
    )
    encoder = tuning.shipped_fingerprint()
    sentences = dbt.ref("int_voice_sentences")
    examples = dbt.ref("theme_examples")
    new = sentences.project("sentence_hash, sentence_text")
    if dbt.is_incremental:
        new = new.filter(
            f"sentence_hash not in (select sentence_hash from {dbt.this}"
            f" where encoder_fingerprint = '{encoder}')"
        )
    rows = (
        new.aggregate("sentence_hash, min(sentence_text) as sentence_text")
        .order("sentence_hash")
        .fetchall()
    )
    hashes = [row[0] for row in rows]
    vocabulary = language.model_vocabulary() | language.words_in(
        row[0] for row in examples.project("example").fetchall()
    )
    repaired = [language.repair_typos(row[1], vocabulary) for row in rows]
    vectors = voice.encoder().encode(repaired) if repaired else []
    return pa.table(
        {
            "sentence_hash": pa.array(hashes, pa.string()),
            "repaired_text": pa.array(repaired, pa.string()),
            "lexicon_sentiment": pa.array(
                [language.lexicon_sentiment(text) for text in repaired], pa.float64()
            ),
            "embedding": pa.array([v.tolist() for v in vectors], pa.list_(pa.float32())),
            "encoder_fingerprint": pa.array([encoder] * len(hashes), pa.string()),
        }
    )
