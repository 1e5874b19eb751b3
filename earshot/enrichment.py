"""What Python adds to the warehouse between dbt's SQL models, on any engine.

Four steps need Python: phone numbers read into E.164, sentences embedded and
scored, sentences read for themes and tone, and whole texts read for tone.
Each is one function here, from plain rows to an Arrow table. On DuckDB the
dbt Python models (``transform/models/intermediate/``) call them; on Spark,
where dbt runs Python models only on Databricks, :mod:`earshot.lake` reads the
same inputs with Spark SQL, calls the same functions and writes their tables.
So both engines read customers with one implementation.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

import duckdb
import numpy as np
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

from earshot import language, settings, voice
from earshot.voice import reading, tuning

PHONE_SCHEMA = pa.schema([("phone_raw", pa.string()), ("phone_e164", pa.string())])
SCORE_SCHEMA = pa.schema(
    [
        ("sentence_hash", pa.string()),
        ("repaired_text", pa.string()),
        ("lexicon_sentiment", pa.float64()),
        ("embedding", pa.list_(pa.float32())),
        ("encoder_fingerprint", pa.string()),
    ]
)
READING_SCHEMA = pa.schema(
    [
        ("sentence_hash", pa.string()),
        ("theme", pa.string()),
        ("probability", pa.float64()),
        ("denied_themes", pa.string()),
        ("sentiment", pa.float64()),
        ("model_fingerprint", pa.string()),
    ]
)
# DuckDB's memory while the encoder is loaded (830 to 1,030 MiB, in its own process):
# low enough that the two and dbt's process fit in about 1.5 GiB (the L shop's full
# build: 1,630 MiB at 256MB, 1,535 MiB at 128MB, bench/build_memory.py), enough to
# sort new sentences by key (it spills).
DUCKDB_MEMORY_WHILE_ENCODING = "128MB"
SENTIMENT_SCHEMA = pa.schema(
    [
        ("text_hash", pa.string()),
        ("sentiment_score", pa.float64()),
        ("sentiment_label", pa.string()),
        ("model_fingerprint", pa.string()),
    ]
)


def to_e164(raw: str, region: str) -> str | None:
    """A phone number as typed, in E.164; None when it cannot be a number."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_numbers(numbers: Sequence[str], region: str) -> pa.Table:
    """Each raw number beside its E.164 form, read in ``region`` when it has no country code."""
    return pa.table(
        {
            "phone_raw": pa.array(numbers, pa.string()),
            "phone_e164": pa.array([to_e164(number, region) for number in numbers], pa.string()),
        },
        schema=PHONE_SCHEMA,
    )


def sentence_scores(
    rows: Sequence[tuple[str, str]],
    examples: Iterable[str],
    encode: Callable[[Sequence[str]], np.ndarray] | None = None,
) -> pa.Table:
    """Each ``(sentence_hash, text)`` repaired, embedded and given its lexicon score.

    Words are repaired against the embedding model's vocabulary plus the words
    of the theme examples; the model loads only when there are rows (``encode``,
    from :func:`lazy_encoder`, shares one between batches).
    """
    encoder = tuning.shipped_fingerprint()
    vocabulary = voice.vocabulary() | language.words_in(examples)
    repaired = [language.repair_typos(text, vocabulary) for _, text in rows]
    vectors = (
        (encode or lazy_encoder())(repaired)
        if repaired
        else np.zeros((0, voice.dimensions()), np.float32)
    )
    width = vectors.shape[1]
    offsets = pa.array(np.arange(len(rows) + 1, dtype=np.int32) * width)
    values = pa.array(np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1))
    return pa.table(
        {
            "sentence_hash": pa.array([row[0] for row in rows], pa.string()),
            "repaired_text": pa.array(repaired, pa.string()),
            "lexicon_sentiment": pa.array(
                [language.lexicon_sentiment(text) for text in repaired], pa.float64()
            ),
            "embedding": pa.ListArray.from_arrays(offsets, values),
            "encoder_fingerprint": pa.array([encoder] * len(rows), pa.string()),
        },
        schema=SCORE_SCHEMA,
    )


class LazyEncoder:
    """``encode(texts)`` with the voice encoder, started on the first call and kept until
    :meth:`close` (or until this is collected), which ends its process and so gives
    back all its memory."""

    def __init__(self) -> None:
        self._encoder = None

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self._encoder = self._encoder or voice.encoder()
        return self._encoder.encode(texts)

    def close(self) -> None:
        encoder, self._encoder = self._encoder, None
        if encoder is not None:
            encoder.close()

    def __enter__(self) -> LazyEncoder:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def lazy_encoder() -> LazyEncoder:
    """The voice encoder, loaded on the first call and kept (see :class:`LazyEncoder`)."""
    return LazyEncoder()


# How long scoring waits for DuckDB to accept its lower limit before it goes on at the
# build's: the other dbt thread's model is then holding memory, and finishes in seconds
# (the L shop's customers and int_voice_documents, beside a full build's scoring, took
# 7.2 and 5.8 s).
LOWER_MEMORY_WAIT_SECONDS = 120.0


@contextmanager
def duckdb_memory(
    connection,
    limit: str = DUCKDB_MEMORY_WHILE_ENCODING,
    wait: float = LOWER_MEMORY_WAIT_SECONDS,
) -> Iterator[None]:
    """DuckDB's ``memory_limit`` lowered to ``limit`` while the block runs, then set back
    to a dbt build's (``EARSHOT_DUCKDB_MEMORY_LIMIT``, as transform/profiles.yml reads it).

    Lowering it evicts the blocks DuckDB keeps cached from earlier models, so the
    encoder's memory takes their place rather than adding to them. (DuckDB reports
    its limit rounded, so the limit is set back from its setting, not read back.)

    DuckDB refuses to lower it below what it cannot evict: the connection is
    dbt's, and another dbt thread may be building a large model in it (the L
    shop's ``customers`` beside scoring). Then the block waits, trying again each
    half second for up to ``wait`` seconds, rather than start the encoder beside
    that model; if DuckDB still refuses, the limit is the build's, a warning says
    so, and the block runs all the same: the lower limit only saves memory, and a
    build must not fail for it.
    """
    build_limit = settings.duckdb_memory_limit(settings.BUILD_MEMORY_LIMIT)
    deadline = time.monotonic() + wait
    while True:
        try:
            connection.execute(f"set memory_limit = '{limit}'")
            break
        except duckdb.OutOfMemoryException as refused:
            # DuckDB keeps the lower setting though it raised: give the build its own back
            connection.execute(f"set memory_limit = '{build_limit}'")
            if time.monotonic() >= deadline:
                warnings.warn(
                    f"DuckDB's memory limit stays at {build_limit} while the encoder runs, not "
                    f"{limit}, after {wait:.0f} s: {str(refused).splitlines()[0]}",
                    stacklevel=3,
                )
                break
            time.sleep(0.5)
    try:
        yield
    finally:
        connection.execute(f"set memory_limit = '{build_limit}'")


def batches_into_table(
    connection, name: str, schema: pa.Schema, batches: Iterable[pa.Table]
) -> duckdb.DuckDBPyRelation:
    """A temporary table ``name`` of ``schema`` in ``connection``, each of ``batches``
    inserted as it comes, so memory holds one batch however many there are (DuckDB
    spills the table past its limit). A Python model returns the relation."""
    batch = f"{name}_batch"
    connection.register(batch, schema.empty_table())
    connection.execute(f"create or replace temp table {name} as from {batch}")
    for table in batches:
        connection.register(batch, table)
        connection.execute(f"insert into {name} from {batch}")
    connection.unregister(batch)
    return connection.table(name)


def embedding_matrix(vectors: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A list column of embeddings as one float32 matrix, a row per value, no Python lists."""
    flat = pc.list_flatten(vectors).to_numpy(zero_copy_only=False)
    return flat.reshape(-1, voice.dimensions()).astype(np.float32, copy=False)


def sentence_readings(
    sentences: pa.Table,
    classifier: voice.VoiceModel,
    negatable: set[str],
    encode: Callable[[Sequence[str]], np.ndarray] | None = None,
) -> pa.Table:
    """The themes and tone of each sentence of ``sentences``.

    ``sentences`` has ``sentence_hash``, ``repaired_text``, ``lexicon_sentiment``
    and ``embedding``. One row per sentence and theme it carries; a sentence with
    none keeps one row with a null theme. ``encode`` embeds the clauses that need
    it (:func:`lazy_encoder`, made here when not given: the encoder loads only if a
    clause needs embedding); pass one to share it between batches.
    """
    hashes = sentences["sentence_hash"].to_pylist()
    texts = sentences["repaired_text"].to_pylist()
    embeddings = embedding_matrix(sentences["embedding"])
    lexicon = pc.cast(sentences["lexicon_sentiment"], pa.float64()).to_numpy(zero_copy_only=False)
    readings = reading.read(
        texts, embeddings, lexicon, classifier, encode or lazy_encoder(), negatable
    )
    columns: dict[str, list] = {name: [] for name in READING_SCHEMA.names}
    for sentence_hash, read in zip(hashes, readings, strict=True):
        for theme, probability in sorted(read.themes.items()) or [(None, None)]:
            columns["sentence_hash"].append(sentence_hash)
            columns["theme"].append(theme)
            columns["probability"].append(probability)
            columns["denied_themes"].append(", ".join(read.denied) or None)
            columns["sentiment"].append(read.sentiment)
            columns["model_fingerprint"].append(classifier.fingerprint)
    return pa.table(columns, schema=READING_SCHEMA)


def batches_of(weights: Iterable[tuple[str, int]], size: int) -> Iterator[list[str]]:
    """The keys of ``weights`` ((key, weight), in order) in runs weighing at most ``size``.

    A key heavier than ``size`` makes a run of its own. The text models batch
    texts by their sentences this way, so a long transcript weighs what it holds.
    """
    batch: list[str] = []
    weight = 0
    for key, heft in weights:
        if batch and weight + heft > size:
            yield batch
            batch, weight = [], 0
        batch.append(key)
        weight += heft
    if batch:
        yield batch


def text_sentiments(sentences: pa.Table, classifier: voice.VoiceModel) -> pa.Table:
    """The tone of whole texts, from their sentences (nothing is embedded again).

    ``sentences`` has one row per sentence of a text: ``text_hash``,
    ``repaired_text``, ``lexicon_sentiment`` and ``embedding``, a text's rows
    together and in the order it says them. A text is read from the mean of
    its sentences' vectors, its words and its sentences' mean lexicon score.
    Rows, not a list of vectors per text: the query that gives them needs no
    memory to gather each text's vectors, and neither does this.
    """
    if sentences.num_rows == 0:
        return SENTIMENT_SCHEMA.empty_table()
    hashes = np.asarray(sentences["text_hash"].to_pylist(), dtype=object)
    starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
    ends = np.r_[starts[1:], len(hashes)]
    per_text = ends - starts
    # summed row after row in the order the text says its sentences (reduceat sums
    # otherwise, and moves a mean in its last bits)
    vectors = embedding_matrix(sentences["embedding"])
    means = np.zeros((len(starts), vectors.shape[1]), np.float32)
    np.add.at(means, np.repeat(np.arange(len(starts)), per_text), vectors)
    means /= per_text.reshape(-1, 1)
    lexicon = pc.cast(sentences["lexicon_sentiment"], pa.float64()).to_numpy(zero_copy_only=False)
    lexicon = np.add.reduceat(lexicon, starts) / per_text
    repaired = sentences["repaired_text"].to_pylist()
    words = [" ".join(repaired[a:b]) for a, b in zip(starts, ends, strict=True)]
    scores, labels = classifier.document_sentiments(means, words, lexicon)
    return pa.table(
        {
            "text_hash": pa.array(hashes[starts].tolist(), pa.string()),
            "sentiment_score": pa.array(scores, pa.float64()),
            "sentiment_label": pa.array(labels, pa.string()),
            "model_fingerprint": pa.array([classifier.fingerprint] * len(starts), pa.string()),
        },
        schema=SENTIMENT_SCHEMA,
    )


def text_sentiments_of(
    pairs: pa.Table, scores: pa.Table, classifier: voice.VoiceModel, batch: int = 10_000
) -> pa.Table:
    """:func:`text_sentiments` for texts given as their sentences' hashes.

    ``pairs`` has ``text_hash`` and ``sentence_hash``, one row per sentence of a text,
    a text's rows together and in sentence order; ``scores`` is
    :func:`sentence_scores`' table for those sentences. Each sentence's vector is
    held once, and texts are read ``batch`` at a time, so memory holds one batch of
    texts' vectors however many texts share the sentences. A sentence without a
    score is left out of its text, and a text with none is not read.
    """
    row_of = {key: row for row, key in enumerate(scores["sentence_hash"].to_pylist())}
    texts: list[str] = []
    rows: list[int] = []
    for text_hash, sentence_hash in zip(
        pairs["text_hash"].to_pylist(), pairs["sentence_hash"].to_pylist(), strict=True
    ):
        row = row_of.get(sentence_hash)
        if row is not None:
            texts.append(text_hash)
            rows.append(row)
    read = scores.select(["repaired_text", "lexicon_sentiment", "embedding"])
    parts = [SENTIMENT_SCHEMA.empty_table()]
    # a batch ends where a text does, after ``batch`` texts
    ends = [i + 1 for i in range(len(texts)) if i + 1 == len(texts) or texts[i + 1] != texts[i]]
    for first in range(0, len(ends), batch):
        start = ends[first - 1] if first else 0
        stop = ends[min(first + batch, len(ends)) - 1]
        chunk = read.take(pa.array(rows[start:stop], pa.int64()))
        parts.append(
            text_sentiments(
                chunk.add_column(0, "text_hash", pa.array(texts[start:stop], pa.string())),
                classifier,
            )
        )
    return pa.concat_tables(parts)
