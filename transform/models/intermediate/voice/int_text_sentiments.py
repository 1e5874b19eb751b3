"""The sentiment of each distinct document text, read whole.

A review's sentences can each sound neutral while the review is plainly
praise ("Ten out of ten. Survived a toddler."). The voice classifier's
document head reads the mean of the text's sentence embeddings (from
int_sentence_scores, nothing is embedded again), its words and its sentences'
mean lexicon score, and gives P(positive) - P(negative) and the likeliest
label. voice_documents makes a document mixed when its sentences disagree
strongly, and otherwise takes this label.

Incremental on text_hash: a run reads only texts not read by the current
model; identical texts (a repeated call note) are read once.

Texts are read in batches of about BATCH_SENTENCES sentences (a long call
transcript weighs more than a one-line review), so memory holds one batch's
embeddings however many texts a shop has; the new texts are joined to their
sentences once, numbered by batch (number_sentences). A batch comes back a row
per sentence, in text order, and Python takes each text's mean vector: DuckDB
gathering each text's vectors into a list held them all in its memory at once
(at the L shop's full refresh the build's process peaked at 1,596 MiB that
way, 982 MiB now, and took 49.8 s, not 72; docs/benchmarks.md). The model runs
after int_sentence_readings (it reads nothing of it): with more than one dbt
thread (EARSHOT_DBT_THREADS) the two models that load the voice classifier and
the language model would otherwise hold their memory at the same time.
DuckDB's memory is capped at DUCKDB_MEMORY while it runs
(enrichment.duckdb_memory).
"""

import pyarrow as pa

from earshot import enrichment, voice

BATCH_SENTENCES = 20_000
# DuckDB's memory while it runs: a batch's join and sort spill past it
DUCKDB_MEMORY = "256MB"


def model(dbt, session):
    dbt.config(materialized="incremental", unique_key="text_hash")
    dbt.ref("int_sentence_readings")  # runs after it, never beside it
    classifier = voice.current(dbt.ref("theme_examples").project("theme, example").fetchall())
    texts = dbt.ref("int_voice_texts").aggregate("text_hash, min(document_id) as document_id")
    if dbt.is_incremental:
        texts = texts.filter(
            f"text_hash not in (select text_hash from {dbt.this}"
            f" where model_fingerprint = '{classifier.fingerprint}')"
        )
    texts.create_view("earshot_new_texts")
    dbt.ref("int_voice_sentences").create_view("earshot_text_sentences")
    dbt.ref("int_sentence_scores").create_view("earshot_sentence_scores")
    counts = session.execute(
        """
        select new_texts.text_hash, count(*)
        from earshot_new_texts as new_texts
        inner join earshot_text_sentences as sentences
            on new_texts.document_id = sentences.document_id
        group by 1
        order by 1
        """
    ).fetchall()
    batches = list(enrichment.batches_of(counts, BATCH_SENTENCES))
    parts = [enrichment.SENTIMENT_SCHEMA.empty_table()]
    with enrichment.duckdb_memory(session, DUCKDB_MEMORY):
        number_sentences(session, batches)
        for number in range(len(batches)):
            sentences = session.execute(
                """
                select
                    batched.text_hash,
                    scores.repaired_text,
                    scores.lexicon_sentiment,
                    scores.embedding
                from earshot_batched_sentences as batched
                inner join earshot_sentence_scores as scores
                    on batched.sentence_hash = scores.sentence_hash
                where batched.batch = ?
                order by batched.text_hash, batched.sentence_index
                """,
                [number],
            ).fetch_arrow_table()
            parts.append(enrichment.text_sentiments(sentences, classifier))
        session.execute("drop table earshot_batched_sentences")
    return pa.concat_tables(parts)


def number_sentences(session, batches):
    """Each new text's sentences once, as ``earshot_batched_sentences``, with the number
    of the text's batch and kept in batch order: a batch's query then reads its own
    rows (DuckDB skips the others by their row groups' bounds) rather than joining
    every new text to every sentence again (at the L shop's full refresh, 142.7 s
    against 166.6 s; bench/command_bench.py, docs/benchmarks.md)."""
    session.register(
        "earshot_text_batches",
        pa.table(
            {
                "text_hash": [text for batch in batches for text in batch],
                "batch": pa.array(
                    [number for number, batch in enumerate(batches) for _ in batch], pa.int32()
                ),
            }
        ),
    )
    session.execute(
        """
        create or replace temp table earshot_batched_sentences as
        select
            text_batches.batch,
            new_texts.text_hash,
            sentences.sentence_index,
            sentences.sentence_hash
        from earshot_text_batches as text_batches
        inner join earshot_new_texts as new_texts
            on text_batches.text_hash = new_texts.text_hash
        inner join earshot_text_sentences as sentences
            on new_texts.document_id = sentences.document_id
        order by text_batches.batch
        """
    )
    session.unregister("earshot_text_batches")
