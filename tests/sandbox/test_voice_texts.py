"""Labelled texts read out of a sandbox shop, and texts from elsewhere laid into one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sandbox import answer_key, voice_texts
from sandbox.__main__ import main
from sandbox.generate import SCALES, generate

TEXTS = [
    {
        "id": "t-1",
        "source": "review",
        "text": "Zip gave up on day two.",
        "themes": ["quality"],
        "sentiment": "negative",
        "rating": 1,
    },
    {
        "id": "t-2",
        "source": "call_note",
        "text": "Cx asked when the sage throw is back.",
        "themes": ["stock_out"],
        "sentiment": "neutral",
        "rating": None,
    },
    {
        "id": "t-3",
        "source": "transcript",
        "text": "Honestly the fit was fine, it's the postage.",
        "themes": ["shipping"],
        "sentiment": "negative",
        "rating": None,
        "note": "negation: sizing_fit",
    },
]


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    generate(tmp_path / "shop", seed=3, scale=SCALES["XS"])
    return tmp_path / "shop"


def test_laid_texts_replace_planted_ones_and_carry_their_labels(shop: Path) -> None:
    counts = voice_texts.lay(shop, TEXTS)
    assert counts == {"judgeme_review": 1, "aircall_comment": 1, "aircall_transcript": 1}
    laid = voice_texts.laid(shop)
    words = voice_texts.said(shop)
    by_label = {row["label_id"]: (document_id, row) for document_id, row in laid.items()}
    assert set(by_label) == {"t-1", "t-2", "t-3"}
    for text in TEXTS:
        document_id, row = by_label[text["id"]]
        assert words[document_id]["text"] == text["text"]
        assert row["themes"] == text["themes"]
        assert row["sentiment"] == text["sentiment"]
    review_id = by_label["t-1"][0]
    assert words[review_id]["rating"] == 1
    assert by_label["t-3"][1]["note"] == "negation: sizing_fit"
    # non-buyer conversations keep their planted reasons, for the price share
    for document_id, _ in by_label.values():
        assert "non_purchase_reason" not in answer_key.planted_texts(shop)[document_id]


def test_labelled_texts_are_what_the_warehouse_reads_with_the_planted_labels(shop: Path) -> None:
    tuning = voice_texts.labelled(shop, "tuning")
    holdout = voice_texts.labelled(shop, "holdout")
    assert tuning and holdout
    assert {row["id"] for row in tuning}.isdisjoint(row["id"] for row in holdout)
    assert all(answer_key.split_of(row["id"]) == "tuning" for row in tuning)
    assert all(row["text"] for row in tuning)
    reviews = [row for row in tuning if row["source"] == "judgeme_review"]
    assert reviews and all(1 <= row["rating"] <= 5 for row in reviews)


def test_the_generator_lays_texts_from_a_file(tmp_path: Path, capsys) -> None:
    source = tmp_path / "texts.jsonl"
    source.write_text("".join(json.dumps(t) + "\n" for t in TEXTS))
    out = tmp_path / "laid"
    assert main(["generate", "--out", str(out), "--scale", "XS", "--lay-texts", str(source)]) == 0
    assert "laid 1 judgeme_review" in capsys.readouterr().out
    assert len(voice_texts.laid(out)) == 3
