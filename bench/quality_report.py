"""How close Earshot's marts come to a sandbox shop's answer key.

    .venv/bin/python bench/quality_report.py --scale S --seed 7

Generates the shop, loads it through the twins, runs `dbt build`, then scores
theme precision and recall per theme and sentiment agreement (on the tuning
and holdout halves of the planted texts), the non-buyer price share, the
talked-to AOV uplift and the demand signals. docs/quality.md records a run.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import duckdb

from sandbox import answer_key, harness
from sandbox.generate import SCALES, generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="S")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, help="keep the shop and warehouse here")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="earshot-quality-"))
    shop = workdir / "shop"
    if not (shop / "answer_key" / "truths.json").exists():
        generate(shop, seed=args.seed, scale=SCALES[args.scale])
    warehouse = harness.build_warehouse(shop, workdir / "warehouse", progress=True)
    truths = answer_key.truths(shop)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        print(f"\nshop: scale {args.scale}, seed {args.seed}; warehouse {warehouse}")
        for split in answer_key.SPLITS:
            scores, documents = answer_key.theme_scores(con, shop, split)
            agreement = answer_key.sentiment_agreement(con, shop, split)
            print(f"\n{split}: {documents} documents, sentiment agreement {agreement:.3f}")
            print(f"  {'theme':<18} {'precision':>9} {'recall':>7} {'support':>8}")
            for score in scores.values():
                print(
                    f"  {score.theme:<18} {score.precision:>9.3f} {score.recall:>7.3f}"
                    f" {score.support:>8}"
                )
            print(
                f"  {'lowest':<18} {min(s.precision for s in scores.values()):>9.3f}"
                f" {min(s.recall for s in scores.values()):>7.3f}"
            )
        share, conversations = answer_key.non_buyer_price_share(con)
        planted = truths["non_buyer_price_share"]["realized"]
        print(
            f"\nnon-buyer price share: {share:.4f} of {conversations} conversations"
            f" (planted {planted:.4f}, off by {abs(share - planted) * 100:.2f} points)"
        )
        uplift = answer_key.aov_uplift(con)
        planted = truths["talked_to_uplift"]["realized_aov"]
        print(
            f"talked-to AOV uplift: {uplift:.4f} (planted {planted:.4f},"
            f" off by {abs(uplift - planted) * 100:.2f} points)"
        )
        print("\ndemand signals:")
        for check in answer_key.demand_signal_checks(con, shop):
            ahead = "none raised" if check.weeks_ahead is None else f"{check.weeks_ahead} weeks"
            print(
                f"  {check.kind:<8} {check.title:<22} demand rises {check.demand_rise_week_start},"
                f" first signal {check.first_signal_week_start}: {ahead}"
            )
        wape = dict(
            con.execute(
                "select forecast_method, sum(absolute_error) / sum(actual_units)"
                " from marts.forecast_backtest group by 1"
            ).fetchall()
        )
        print(
            f"\nforecast backtest WAPE, all products: baseline {wape['baseline']:.3f},"
            f" voice-adjusted {wape['voice_adjusted']:.3f}"
        )


if __name__ == "__main__":
    main()
