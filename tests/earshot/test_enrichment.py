"""The Python enrichment's batching: the same rows, whichever batches they come in."""

import threading
import time
import warnings

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from earshot import enrichment, voice
from earshot.voice import reading
from earshot.voice.model import VoiceModel


def fake_encode(texts):
    """A deterministic stand-in for the encoder: one vector per text, from its length."""
    return np.array([np.full(voice.dimensions(), len(t) / 100, np.float32) for t in texts])


def test_batches_weigh_at_most_the_size_and_a_heavy_key_goes_alone() -> None:
    weights = [("a", 3), ("b", 4), ("c", 12), ("d", 1), ("e", 9)]

    batches = list(enrichment.batches_of(weights, 10))

    assert batches == [["a", "b"], ["c"], ["d", "e"]]
    assert list(enrichment.batches_of([], 10)) == []


def test_scores_carry_the_encoder_s_vectors_as_float32_lists() -> None:
    rows = [("h1", "The parcel came late"), ("h2", "Lovely fabric")]

    scores = enrichment.sentence_scores(rows, ["too pricey"], fake_encode)

    matrix = enrichment.embedding_matrix(scores["embedding"])
    assert scores["embedding"].type == pa.list_(pa.float32())
    np.testing.assert_array_equal(matrix, fake_encode(scores["repaired_text"].to_pylist()))
    assert scores["sentence_hash"].to_pylist() == ["h1", "h2"]
    assert enrichment.sentence_scores([], [], fake_encode).num_rows == 0


def test_readings_are_the_same_in_one_batch_or_several() -> None:
    texts = [
        "the price was fine but the sleeves are long",
        "it arrived two weeks late",
        "love it, fits perfectly",
        "too expensive for what it is",
    ]
    rows = [(f"h{i}", text) for i, text in enumerate(texts)]
    scores = enrichment.sentence_scores(rows, [], fake_encode)
    classifier = VoiceModel.load()

    whole = enrichment.sentence_readings(scores, classifier, {"price"}, fake_encode)
    halves = pa.concat_tables(
        enrichment.sentence_readings(part, classifier, {"price"}, fake_encode)
        for part in (scores.slice(0, 2), scores.slice(2))
    )

    assert whole.to_pylist() == halves.to_pylist()
    assert set(whole["sentence_hash"].to_pylist()) == {"h0", "h1", "h2", "h3"}


def test_texts_read_from_sentence_hashes_as_from_their_vectors() -> None:
    sentences = ["it arrived two weeks late", "love it, fits perfectly", "too expensive"]
    scores = enrichment.sentence_scores(
        [(f"h{i}", text) for i, text in enumerate(sentences)], [], fake_encode
    )
    classifier = VoiceModel.load()
    # t1 says h0 then h2; t2 says h1 alone; t3's only sentence was never scored
    pairs = pa.table(
        {"text_hash": ["t1", "t1", "t2", "t3"], "sentence_hash": ["h0", "h2", "h1", "hx"]}
    )
    # the same texts as a row per sentence, as int_text_sentiments queries them
    sentences = scores.take([0, 2, 1]).add_column(0, "text_hash", pa.array(["t1", "t1", "t2"]))
    expected = enrichment.text_sentiments(sentences, classifier).to_pylist()

    assert enrichment.text_sentiments_of(pairs, scores, classifier).to_pylist() == expected
    assert enrichment.text_sentiments_of(pairs, scores, classifier, batch=1).to_pylist() == expected
    assert [row["text_hash"] for row in expected] == ["t1", "t2"]


def test_a_text_is_read_from_its_sentences_mean_vector_words_and_lexicon_score() -> None:
    sentences = ["it arrived two weeks late", "love it", "too expensive"]
    scores = enrichment.sentence_scores(
        [(f"h{i}", text) for i, text in enumerate(sentences)], [], fake_encode
    )
    rows = scores.take([0, 1, 2]).add_column(0, "text_hash", pa.array(["t1", "t1", "t2"]))
    read: dict[str, object] = {}

    class Recording:
        fingerprint = "recording"

        def document_sentiments(self, means, words, lexicon):
            read.update(means=means, words=words, lexicon=lexicon)
            return [0.5] * len(words), ["positive"] * len(words)

    result = enrichment.text_sentiments(rows, Recording())

    vectors = enrichment.embedding_matrix(scores["embedding"])
    lexicon = scores["lexicon_sentiment"].to_pylist()
    assert result["text_hash"].to_pylist() == ["t1", "t2"]
    assert np.array_equal(read["means"], np.stack([(vectors[0] + vectors[1]) / 2, vectors[2]]))
    assert read["words"] == [
        " ".join(scores["repaired_text"].to_pylist()[:2]),
        scores["repaired_text"].to_pylist()[2],
    ]
    assert np.allclose(read["lexicon"], [(lexicon[0] + lexicon[1]) / 2, lexicon[2]])
    assert enrichment.text_sentiments(rows.slice(0, 0), Recording()).num_rows == 0


def test_a_clause_that_is_its_whole_sentence_is_not_embedded_again() -> None:
    # denials, so each sentence is cut into clauses; two say "the sleeves are long"
    texts = [
        "the price was fine",
        "the price was fine but the sleeves are long",
        "the colour was fine but the sleeves are long",
    ]
    scores = enrichment.sentence_scores(
        [(f"h{i}", t) for i, t in enumerate(texts)], [], fake_encode
    )
    classifier = VoiceModel.load()
    embedded: list[str] = []

    def recording_encode(clauses):
        embedded.extend(clauses)
        return fake_encode(clauses)

    def every_clause(clauses, texts, embeddings, encode):
        return encode(clauses)

    readings = enrichment.sentence_readings(scores, classifier, {"price"}, recording_encode)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reading, "_clause_embeddings", every_clause)
        unshared = enrichment.sentence_readings(scores, classifier, {"price"}, fake_encode)

    assert readings.to_pylist() == unshared.to_pylist()
    assert "the price was fine" not in embedded
    assert embedded.count("the sleeves are long") <= 1


def test_duckdb_gives_back_its_cached_memory_while_the_encoder_runs_and_gets_its_limit_back(
    tmp_path, monkeypatch
) -> None:

    def rss_mib() -> int:
        with open("/proc/self/status") as status:
            line = next(line for line in status if line.startswith("VmRSS"))
        return int(line.split()[1]) // 1024

    monkeypatch.setenv("EARSHOT_DUCKDB_MEMORY_LIMIT", "1500MB")
    connection = duckdb.connect(str(tmp_path / "cache.duckdb"))
    connection.execute("set memory_limit = '1500MB'")
    connection.execute(
        "create table t as select range as a, md5(range::varchar) as b from range(3000000)"
    )
    connection.execute("select b, count(*) from t group by b order by 2 desc limit 1").fetchall()
    cached = rss_mib()

    with enrichment.duckdb_memory(connection, "64MB"):
        inside = connection.execute("select current_setting('memory_limit')").fetchone()[0]
        during = rss_mib()
    with pytest.raises(RuntimeError), enrichment.duckdb_memory(connection, "64MB"):
        raise RuntimeError("a batch failed")

    assert inside == "61.0 MiB"  # 64MB
    assert during < cached - 100
    (after,) = connection.execute("select current_setting('memory_limit')").fetchone()
    assert after == "1.3 GiB"  # 1500MB, as DuckDB shows it, after two round trips


def test_duckdb_memory_that_cannot_be_lowered_leaves_the_limit_and_runs_the_block(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another dbt thread may hold more than the lower limit in the same DuckDB: a
    build goes on at the limit it had (the L shop's daily run failed here)."""
    monkeypatch.setenv("EARSHOT_DUCKDB_MEMORY_LIMIT", "1GB")
    connection = duckdb.connect()  # in memory, with nowhere to spill
    connection.execute("set temp_directory = ''")
    connection.execute("set memory_limit = '1GB'")
    connection.execute(
        "create table held as select range as a, repeat('x', 100) as b from range(2000000)"
    )
    ran = []

    stays = "stays at 1GB while the encoder runs, not 64MB, after 1 s"
    with (
        pytest.warns(UserWarning, match=stays),
        enrichment.duckdb_memory(connection, "64MB", wait=1.0),
    ):
        inside = connection.execute("select current_setting('memory_limit')").fetchone()[0]
        ran.append(connection.execute("select count(*) from held").fetchone()[0])

    assert ran == [2_000_000]
    assert inside == "953.6 MiB"  # 1GB: unchanged
    assert connection.execute("select current_setting('memory_limit')").fetchone()[0] == inside


def test_duckdb_memory_waits_for_another_thread_s_model_to_let_go_before_lowering(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The other dbt thread's model finishes in seconds: the encoder then starts under the
    lower limit rather than beside that model's memory."""
    monkeypatch.setenv("EARSHOT_DUCKDB_MEMORY_LIMIT", "1GB")
    connection = duckdb.connect()
    connection.execute("set temp_directory = ''")
    connection.execute("set memory_limit = '1GB'")
    connection.execute(
        "create table held as select range as a, repeat('x', 100) as b from range(2000000)"
    )
    other = connection.cursor()  # the other thread's, on the same database
    finishes = threading.Timer(1.0, lambda: other.execute("drop table held"))
    finishes.start()
    started = time.monotonic()

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # it lowers, so nothing is said
        with enrichment.duckdb_memory(connection, "64MB", wait=60):
            waited = time.monotonic() - started
            inside = connection.execute("select current_setting('memory_limit')").fetchone()[0]
    finishes.join()

    assert inside == "61.0 MiB"  # 64MB
    assert waited >= 0.9


def test_batches_go_into_one_temporary_table_as_they_come() -> None:
    schema = pa.schema([("sentence_hash", pa.string()), ("sentiment", pa.float64())])
    connection = duckdb.connect()
    seen = []

    def batches():
        for start in (0, 2):
            # each batch is already in the table when the next is made
            seen.append(connection.execute("select count(*) from spooled").fetchone()[0])
            yield pa.table(
                {"sentence_hash": [f"h{start}", f"h{start + 1}"], "sentiment": [0.5, -0.5]},
                schema=schema,
            )

    table = enrichment.batches_into_table(connection, "spooled", schema, batches())
    empty = enrichment.batches_into_table(connection, "nothing", schema, iter(()))

    assert seen == [0, 2]
    assert sorted(table.fetchall()) == [("h0", 0.5), ("h1", -0.5), ("h2", 0.5), ("h3", -0.5)]
    assert empty.columns == ["sentence_hash", "sentiment"] and empty.fetchall() == []
