"""The marts against the answer key of a small (S) sandbox shop.

The shop is built end to end once per session (twins, ingestion, `dbt build`,
through Dagster: the ``s_shop`` fixture); the answer key is read beside it and
never loaded. Themes are scored
on both halves of the planted texts: the tuning half and the holdout half.
"""

from __future__ import annotations

import duckdb
import pytest

from earshot.voice import evaluation
from sandbox import answer_key, voice_texts
from tests.conftest import BuiltShop

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def shop_and_marts(s_shop: BuiltShop):
    assert s_shop.run.result.success
    with duckdb.connect(str(s_shop.run.warehouse), read_only=True) as con:
        yield s_shop.shop, con


@pytest.mark.parametrize("split", answer_key.SPLITS)
def test_every_theme_is_found_precisely_and_fully(shop_and_marts, split: str) -> None:
    shop, con = shop_and_marts
    scores, documents = answer_key.theme_scores(con, shop, split)
    assert documents > 1000
    assert len(scores) == 14
    weak = {
        theme: (round(score.precision, 3), round(score.recall, 3))
        for theme, score in scores.items()
        if score.precision < 0.9 or score.recall < 0.85
    }
    assert weak == {}
    assert all(score.support >= 30 for score in scores.values())


@pytest.mark.parametrize("split", answer_key.SPLITS)
def test_sentiment_labels_mostly_agree_with_the_planted_ones(shop_and_marts, split: str) -> None:
    shop, con = shop_and_marts
    # Four labels (positive, negative, neutral, mixed); chance agreement is about 0.3.
    assert answer_key.sentiment_agreement(con, shop, split) >= 0.75


@pytest.mark.parametrize("split", answer_key.SPLITS)
def test_review_sentiment_agrees_with_the_stars(shop_and_marts, split: str) -> None:
    """4-5 stars read positive, 1-2 negative (3 left out).

    0.93 is the aim (issue 12); 0.991 (tuning) and 0.960 (holdout) on 2026-12-03
    (all-mpnet-base-v2, model 3795f262)."""
    shop, con = shop_and_marts
    words = voice_texts.said(shop)
    rows = {
        document_id: {"rating": words[document_id]["rating"]}
        for document_id in answer_key.planted_in(shop, split)
        if document_id.startswith("judgeme_review:")
    }
    readings = answer_key.pipeline_readings(con)
    agreement, reviews = evaluation.star_agreement(
        list(rows.values()), [readings[k][1] for k in rows]
    )
    assert reviews > 500
    assert agreement >= 0.93


def test_non_buyer_price_share_matches_the_planted_share(shop_and_marts) -> None:
    shop, con = shop_and_marts
    share, conversations = answer_key.non_buyer_price_share(con)
    planted = answer_key.truths(shop)["non_buyer_price_share"]
    assert conversations == planted["non_buyer_conversations"]
    assert abs(share - planted["realized"]) <= 0.02


def test_talked_to_aov_uplift_matches_the_planted_uplift(shop_and_marts) -> None:
    shop, con = shop_and_marts
    planted = answer_key.truths(shop)["talked_to_uplift"]["realized_aov"]
    assert abs(answer_key.aov_uplift(con) - planted) <= 0.05


def test_demand_signals_lead_planted_rises_and_spare_controls(shop_and_marts) -> None:
    shop, con = shop_and_marts
    checks = answer_key.demand_signal_checks(con, shop)
    signals = [check for check in checks if check.kind == "signal"]
    controls = [check for check in checks if check.kind == "control"]
    assert signals
    assert controls
    assert [(c.title, c.weeks_ahead) for c in signals if (c.weeks_ahead or 0) < 2] == []
    assert [c.title for c in controls if c.first_signal_week_start is not None] == []


def test_backtest_scores_both_methods_on_every_product(shop_and_marts) -> None:
    _, con = shop_and_marts
    rows = con.execute(
        "select forecast_method, count(*), min(forecasts_scored), count(wape) "
        "from marts.forecast_backtest group by 1 order by 1"
    ).fetchall()
    products = con.execute("select count(*) from staging.stg_shopify__products").fetchone()[0]
    assert [row[0] for row in rows] == ["baseline", "voice_adjusted"]
    assert all(row[1] == products and row[2] > 0 and row[3] == products for row in rows)
