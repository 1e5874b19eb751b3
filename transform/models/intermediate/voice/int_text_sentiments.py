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
"""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from earshot import language, voice

BATCH = 20_000


def model(dbt, session):
    dbt.config(materialized="incremental", unique_key="text_hash")
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
    hashes = [row[0] for row in texts.order("text_hash").fetchall()]
    parts = []
    for start in range(0, len(hashes), BATCH):
        batch = hashes[start : start + BATCH]
        table = session.execute(
            """
            select
                new_texts.text_hash,
                list(scores.repaired_text order by sentences.sentence_index) as sentences,
                avg(scores.lexicon_sentiment) as mean_lexicon,
                list(scores.embedding order by sentences.sentence_index) as embeddings
            from earshot_new_texts as new_texts
            inner join earshot_text_sentences as sentences
                on new_texts.document_id = sentences.document_id
            inner join earshot_sentence_scores as scores
                on sentences.sentence_hash = scores.sentence_hash
            where new_texts.text_hash in (select unnest(?))
            group by 1
            order by 1
            """,
            [batch],
        ).fetch_arrow_table()
        if table.num_rows == 0:
            continue
        per_text = pc.list_value_length(table["embeddings"]).to_numpy()
        flat = pc.list_flatten(pc.list_flatten(table["embeddings"])).to_numpy(zero_copy_only=False)
        vectors = flat.reshape(-1, language.EMBEDDING_DIMENSIONS).astype(np.float32)
        owner = np.repeat(np.arange(table.num_rows), per_text)
        means = np.zeros((table.num_rows, language.EMBEDDING_DIMENSIONS), np.float32)
        np.add.at(means, owner, vectors)
        means /= np.maximum(per_text, 1).reshape(-1, 1)
        words = [" ".join(sentences) for sentences in table["sentences"].to_pylist()]
        scores, labels = classifier.document_sentiments(
            means, words, table["mean_lexicon"].to_numpy(zero_copy_only=False)
        )
        parts.append(
            pa.table(
                {
                    "text_hash": table["text_hash"],
                    "sentiment_score": pa.array(scores, pa.float64()),
                    "sentiment_label": pa.array(labels, pa.string()),
                }
            )
        )
    schema = pa.schema(
        [
            ("text_hash", pa.string()),
            ("sentiment_score", pa.float64()),
            ("sentiment_label", pa.string()),
        ]
    )
    result = pa.concat_tables(parts) if parts else schema.empty_table()
    return result.append_column(
        "model_fingerprint", pa.array([classifier.fingerprint] * result.num_rows, pa.string())
    )
