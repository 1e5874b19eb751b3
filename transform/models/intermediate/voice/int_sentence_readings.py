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

The sentences stream from DuckDB in batches of BATCH, and each batch's
readings go into a temporary table the model returns, so memory holds one
batch's embeddings and readings however many sentences a shop has (the L
shop's readings, gathered in Python until the end, sat beside the encoder);
DuckDB's own memory is lowered while the encoder may be loaded
(enrichment.duckdb_memory), and the table spills past it.
"""

import pyarrow as pa

from earshot import enrichment, voice
from earshot.memory import release_memory

BATCH = 10_000


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
    # the encoder (started only if a clause needs embedding) ends with the block
    with enrichment.lazy_encoder() as encode, enrichment.duckdb_memory(session):
        # in no order: a sentence reads the same in any batch, and DuckDB sorts nothing;
        # a cursor of its own streams the sentences while this one writes their readings
        reader = session.cursor().sql(sentences.sql_query()).fetch_arrow_reader(BATCH)
        read = enrichment.batches_into_table(
            session,
            "earshot_read_sentences",
            enrichment.READING_SCHEMA,
            (
                enrichment.sentence_readings(
                    pa.Table.from_batches([batch]), classifier, negatable, encode
                )
                for batch in reader
            ),
        )
    del reader
    release_memory()
    return read
