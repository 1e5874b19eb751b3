"""The voice classifier's training files: well-formed, and apart from the dev texts.

eval/voice_dev.jsonl measures how Earshot reads texts it never saw, so no
training text may be one of them or a close paraphrase of one. Two guards: no
run of eight words is shared with a dev text, and no written training text is
as close to a dev text, by tf-idf over words and word pairs, as 0.40: the
texts removed on 2026-12-02 sat at 0.33 to 0.50, and what is left sits at or
under 0.38 (short stock phrases such as "fine, does what it says"). The
shared training set is exempt from the second guard: it was written beside dev
by its authors.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from bench import quality_report
from earshot.voice import evaluation, training
from sandbox import voice_texts

RUN = 8
CLOSEST = 0.40
SOURCES = {"review", "call_note", "transcript"}
SENTIMENTS = {"positive", "negative", "neutral", "mixed"}
STARS = {"positive": {4, 5}, "negative": {1, 2}, "neutral": {3}, "mixed": {3}}
FIELDS = {"id", "source", "text", "themes", "sentiment", "rating", "note"}


def _written() -> list[tuple[str, dict]]:
    return [
        (path.name, row)
        for path in sorted(training.TRAINING_DIR.glob("*.jsonl"))
        if not path.name.startswith(("sandbox_", "shared_"))
        for row in voice_texts.read_jsonl(path)
    ]


def _words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9 ]+", "", text.lower()).split()


def _runs(text: str) -> set[str]:
    words = _words(text)
    return {" ".join(words[i : i + RUN]) for i in range(len(words) - RUN + 1)}


@pytest.fixture(scope="module")
def dev() -> list[dict]:
    if not quality_report.DEV.exists():
        pytest.fail(f"{quality_report.DEV} is missing: the shared eval texts sit beside the repo")
    return voice_texts.read_jsonl(quality_report.DEV)


def test_written_texts_use_eval_s_fields_themes_and_stars() -> None:
    themes = set(training.themes())
    rows = _written()
    assert len(rows) > 1000
    ids = Counter(row["id"] for _, row in rows)
    assert [i for i, n in ids.items() if n > 1] == []
    for name, row in rows:
        where = f"{name} {row.get('id')}"
        assert set(row) <= FIELDS and {"id", "text", "themes", "sentiment"} <= set(row), where
        assert row["source"] in SOURCES, where
        assert set(row["themes"]) <= themes and len(row["themes"]) <= 3, where
        assert row["sentiment"] in SENTIMENTS, where
        if row["source"] == "review":
            assert row["rating"] in STARS[row["sentiment"]], where
        else:
            assert row["rating"] is None, where
        denied = evaluation.denied_themes(row)
        assert denied <= themes and not denied & set(row["themes"]), where


def test_no_training_text_shares_a_run_of_words_with_a_dev_text(dev: list[dict]) -> None:
    dev_runs = {run: row["id"] for row in dev for run in _runs(row["text"])}
    rows = training.training_rows(training.read_seed())
    shared = sorted(
        (row.get("id", "seed"), dev_runs[run])
        for row in rows
        for run in _runs(row["text"])
        if run in dev_runs
    )
    assert shared == []


def test_no_written_text_is_a_close_paraphrase_of_a_dev_text(dev: list[dict]) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    rows = [row for _, row in _written()]
    texts = [row["text"] for row in rows]
    dev_texts = [row["text"] for row in dev]
    vectors = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english").fit(
        texts + dev_texts
    )
    similarity = (vectors.transform(texts) @ vectors.transform(dev_texts).T).toarray()
    close = [
        (rows[i]["id"], dev[j]["id"], round(float(similarity[i, j]), 2))
        for i, j in zip(*(similarity >= CLOSEST).nonzero(), strict=True)
    ]
    assert close == []
