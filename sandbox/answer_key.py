"""Scoring the warehouse's marts against a sandbox shop's answer key.

The answer key (answer_key/texts.jsonl, truths.json) is never loaded into the
warehouse; these functions read it beside a built warehouse and say how close
the marts came. Texts are split in two halves by a hash of their id: `tuning`,
the half a person improving the taxonomy may look at, and `holdout`, the half
nobody tunes on. Both are reported.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import duckdb

SPLITS = ("tuning", "holdout")


def split_of(document_id: str) -> str:
    digest = hashlib.md5(document_id.encode(), usedforsecurity=False).hexdigest()
    return SPLITS[int(digest, 16) % 2]


def truths(shop: Path) -> dict:
    return json.loads((shop / "answer_key" / "truths.json").read_text())


def planted_texts(shop: Path) -> dict[str, dict]:
    """Planted facts per text, keyed by the document_id the warehouse gives it."""
    with (shop / "answer_key" / "texts.jsonl").open() as handle:
        rows = [json.loads(line) for line in handle]
    return {f"{row['source']}:{row['record_id']}": row for row in rows}


@dataclass(frozen=True)
class ThemeScore:
    theme: str
    precision: float
    recall: float
    support: int  # documents that truly carry the theme


def theme_scores(
    con: duckdb.DuckDBPyConnection, shop: Path, split: str
) -> tuple[dict[str, ThemeScore], int]:
    """Precision and recall per theme over one split's documents, and the documents scored."""
    planted = {k: v for k, v in planted_texts(shop).items() if split_of(k) == split}
    found: dict[str, set[str]] = {}
    for document_id, theme in con.execute(
        "select document_id, theme from marts.voice_mentions"
    ).fetchall():
        found.setdefault(document_id, set()).add(theme)
    true_pos: Counter[str] = Counter()
    false_pos: Counter[str] = Counter()
    false_neg: Counter[str] = Counter()
    for document_id, row in planted.items():
        truth, predicted = set(row["themes"]), found.get(document_id, set())
        true_pos.update(truth & predicted)
        false_pos.update(predicted - truth)
        false_neg.update(truth - predicted)
    themes = sorted(truths(shop)["theme_categories"])
    scores = {}
    for theme in themes:
        tp, fp, fn = true_pos[theme], false_pos[theme], false_neg[theme]
        scores[theme] = ThemeScore(
            theme,
            precision=tp / (tp + fp) if tp + fp else 1.0,
            recall=tp / (tp + fn) if tp + fn else 1.0,
            support=tp + fn,
        )
    return scores, len(planted)


def sentiment_agreement(con: duckdb.DuckDBPyConnection, shop: Path, split: str) -> float:
    """Share of one split's documents whose sentiment label equals the planted one."""
    planted = {k: v for k, v in planted_texts(shop).items() if split_of(k) == split}
    labels = dict(
        con.execute("select document_id, sentiment_label from marts.voice_documents").fetchall()
    )
    agree = sum(labels.get(k) == row["sentiment"] for k, row in planted.items())
    return agree / len(planted)
