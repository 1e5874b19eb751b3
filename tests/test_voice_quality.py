"""How well the whole pipeline reads texts Earshot never trained on, held at a floor.

eval/voice_dev.jsonl (beside the repository, in shared/) is laid into a small
shop (reviews as Judge.me reviews, agent notes as call comments, customer
speech as transcripts), loaded through the twins and built with `dbt build`;
the marts are scored on the laid texts. The file is read to measure only.

The floors sit a little below what the classifier reaches today, so a change
that makes Earshot read customers worse fails the build. They rise as the
classifier improves (docs/quality.md has the figures and the targets).
"""

from __future__ import annotations

import duckdb
import pytest

from bench import quality_report
from sandbox import answer_key, voice_texts

pytestmark = pytest.mark.e2e

# Measured 2026-12-03 with all-mpnet-base-v2 (model 3795f262): micro-F1 0.883,
# lowest theme F1 0.806 (shipping), denied themes counted 5% (3 of 55), star
# agreement 0.934. Targets (issue 12): 0.85, 0.70, 10%, 0.90; the floors sit a
# little below them.
MIN_MICRO_F1 = 0.84
MIN_THEME_F1 = 0.70
MAX_DENIED_COUNTED = 0.10
MIN_STAR_AGREEMENT = 0.89


@pytest.fixture(scope="module")
def dev_shop(tmp_path_factory: pytest.TempPathFactory):
    if not quality_report.DEV.exists():
        pytest.fail(f"{quality_report.DEV} is missing: the shared eval texts sit beside the repo")
    workdir = tmp_path_factory.mktemp("voice_dev")
    rows = voice_texts.read_jsonl(quality_report.DEV)
    plants = quality_report.Plants(non_buyer_price_share=quality_report.DEV_SHOP_PRICE_SHARE)
    shop, warehouse = quality_report.build(
        workdir, quality_report.DEV_SHOP_SEED, "S", plants, lay=rows
    )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        yield shop, con, rows


def test_every_dev_text_was_laid_and_read(dev_shop) -> None:
    shop, con, rows = dev_shop
    laid = voice_texts.laid(shop)
    assert len(laid) == len(rows)
    readings = answer_key.pipeline_readings(con)
    assert set(laid) <= set(readings)


def test_dev_themes_denials_and_stars_hold_their_floors(dev_shop) -> None:
    shop, con, _ = dev_shop
    result = quality_report.through_pipeline(con, voice_texts.laid(shop))
    themes = result["themes"]
    lowest = min((s["f1"], name) for name, s in themes.items() if name != "micro")
    assert themes["micro"]["f1"] >= MIN_MICRO_F1
    assert lowest[0] >= MIN_THEME_F1, lowest
    assert result["denied_rate"] <= MAX_DENIED_COUNTED
    assert result["star_agreement"] >= MIN_STAR_AGREEMENT


def test_non_buyer_price_share_at_a_planted_twenty_percent(dev_shop) -> None:
    shop, con, _ = dev_shop
    share, conversations = answer_key.non_buyer_price_share(con)
    planted = answer_key.truths(shop)["non_buyer_price_share"]
    assert planted["setting"] == pytest.approx(0.20)
    assert conversations == planted["non_buyer_conversations"]
    assert abs(share - planted["realized"]) <= 0.02
