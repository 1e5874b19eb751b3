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
from datetime import date
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


def planted_in(shop: Path, split: str) -> dict[str, dict]:
    """The planted texts of one split (`tuning` or `holdout`)."""
    return {key: row for key, row in planted_texts(shop).items() if split_of(key) == split}


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
    planted = planted_in(shop, split)
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
    planted = planted_in(shop, split)
    labels = dict(
        con.execute("select document_id, sentiment_label from marts.voice_documents").fetchall()
    )
    agree = sum(labels.get(k) == row["sentiment"] for k, row in planted.items())
    return agree / len(planted)


def pipeline_readings(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[set[str], str]]:
    """Each document's themes and sentiment label, as the marts give them."""
    themes: dict[str, set[str]] = {}
    for document_id, theme in con.execute(
        "select document_id, theme from marts.voice_mentions"
    ).fetchall():
        themes.setdefault(document_id, set()).add(theme)
    return {
        document_id: (themes.get(document_id, set()), label)
        for document_id, label in con.execute(
            "select document_id, sentiment_label from marts.voice_documents"
        ).fetchall()
    }


def non_buyer_price_share(con: duckdb.DuckDBPyConnection) -> tuple[float, int]:
    """Share of non-buyer conversations citing price, over all months, and the conversations."""
    citing, total = con.execute(
        """
        select
            coalesce(sum(case when reason = 'price' then conversations_citing end), 0),
            (select sum(non_buyer_conversations) from (
                select distinct month_start, non_buyer_conversations
                from marts.non_purchase_reasons))
        from marts.non_purchase_reasons
        """
    ).fetchone()
    return citing / total, int(total)


def aov_uplift(con: duckdb.DuckDBPyConnection) -> float:
    """Talked-to customers' AOV over silent customers' AOV, less 1, over all cohorts."""
    talked, silent = con.execute(
        """
        select
            sum(case when has_conversation then net_revenue end)
                / sum(case when has_conversation then orders end),
            sum(case when not has_conversation then net_revenue end)
                / sum(case when not has_conversation then orders end)
        from marts.voice_vs_silent
        """
    ).fetchone()
    return float(talked) / float(silent) - 1


@dataclass(frozen=True)
class SignalCheck:
    product_id: int
    title: str
    kind: str  # signal or control
    demand_rise_week_start: str
    first_signal_week_start: str | None
    weeks_ahead: int | None  # weeks from the first signal to the rise in demand


def demand_signal_checks(con: duckdb.DuckDBPyConnection, shop: Path) -> list[SignalCheck]:
    checks = []
    for plant in truths(shop)["demand"]:
        first = con.execute(
            "select min(week_start) from marts.demand_signals where is_signal and product_id = ?",
            [plant["product_id"]],
        ).fetchone()[0]
        rise = date.fromisoformat(plant["demand_rise_week_start"])
        checks.append(
            SignalCheck(
                product_id=plant["product_id"],
                title=plant["title"],
                kind=plant["kind"],
                demand_rise_week_start=plant["demand_rise_week_start"],
                first_signal_week_start=None if first is None else first.isoformat(),
                weeks_ahead=None if first is None else (rise - first).days // 7,
            )
        )
    return checks
