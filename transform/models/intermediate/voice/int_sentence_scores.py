"""Each distinct sentence, scored once: typo-repaired text, a sentence embedding
and a lexicon sentiment score.

Scores are cached by sentence hash: an incremental run scores only sentences
not scored by the current encoder (its tuned layers' fingerprint), and loads
the embedding model only when there are some.
Words are repaired against the embedding model's vocabulary plus the words of
seeds/theme_examples.csv; run with --full-refresh after editing the examples
to re-read old sentences with the new words.

The new sentences stream from DuckDB and are scored in batches of BATCH into a
temporary table the model returns, so memory holds one batch's sentences and
embeddings however many are new. The encoder runs in a process of its own
(earshot/voice/worker.py), which ends when scoring does; DuckDB's own memory is
lowered meanwhile (enrichment.duckdb_memory).
"""

from earshot import enrichment
from earshot.memory import release_memory
from earshot.voice import tuning

BATCH = 10_000


def model(dbt, session):
    dbt.config(
        materialized="incremental",
        incremental_strategy="delete+insert",
        unique_key="sentence_hash",
    )
    new = dbt.ref("int_voice_sentences").project("sentence_hash, sentence_text")
    if dbt.is_incremental:
        new = new.filter(
            f"sentence_hash not in (select sentence_hash from {dbt.this}"
            f" where encoder_fingerprint = '{tuning.shipped_fingerprint()}')"
        )
    new = new.aggregate("sentence_hash, min(sentence_text) as sentence_text").order("sentence_hash")
    examples = [row[0] for row in dbt.ref("theme_examples").project("example").fetchall()]
    # the encoder's process ends with the block, and its memory with it
    with enrichment.lazy_encoder() as encode, enrichment.duckdb_memory(session):
        # a cursor of its own streams the new sentences while this one writes their scores
        reader = session.cursor().sql(new.sql_query()).fetch_arrow_reader(BATCH)
        scored = enrichment.batches_into_table(
            session,
            "earshot_scored_sentences",
            enrichment.SCORE_SCHEMA,
            (
                enrichment.sentence_scores(
                    list(zip(*(column.to_pylist() for column in sentences.columns), strict=True)),
                    examples,
                    encode,
                )
                for sentences in reader
            ),
        )
    del reader
    release_memory()
    return scored
