"""How well Earshot understands what customers say, on texts it was not trained on.

    .venv/bin/python bench/quality_report.py [--scale S] [--seed 7] [--dev PATH] [--json OUT]

Three readings, each scored on themes (P/R/F1 per theme and micro), denied
themes still counted, and sentiment (against the labels, and against the stars
of 1-2 and 4-5 star reviews):

- the sandbox: a shop generated, loaded through the twins and built with
  `dbt build`, scored against its answer key on the tuning and holdout halves
  of its planted texts (with the non-buyer price share, the talked-to AOV
  uplift, the demand signals and the backtest, as before);
- dev through the pipeline: eval/voice_dev.jsonl laid into a second shop
  (reviews as Judge.me reviews, agent notes as call comments, customer speech
  as transcripts; its non-buyer price share planted at 0.20), built the same
  way and scored on the laid texts only;
- the classifier alone on the same dev texts and the sandbox holdout.

voice_dev.jsonl is read to measure only. docs/quality.md records a run.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path

import duckdb

from earshot.voice import evaluation, training
from sandbox import answer_key, harness, voice_texts
from sandbox.generate import SCALES, Plants, generate

DEV = Path(__file__).resolve().parents[2] / "shared" / "eval" / "voice_dev.jsonl"
DEV_SHOP_SEED = 11
DEV_SHOP_PRICE_SHARE = 0.20


def score(rows: Sequence[Mapping], readings: Sequence[tuple[set[str], str]]) -> dict:
    """Themes, denials and sentiment of ``readings`` against labelled ``rows``."""
    predicted = [themes for themes, _ in readings]
    labels = [label for _, label in readings]
    themes = evaluation.theme_scores(
        [set(row["themes"]) for row in rows], predicted, training.themes()
    )
    counted, denied = evaluation.denied_counted(rows, predicted)
    stars, reviews = evaluation.star_agreement(rows, labels)
    return {
        "texts": len(rows),
        "themes": {name: asdict(s) for name, s in themes.items()},
        "denied_counted": counted,
        "denied": denied,
        "denied_rate": counted / denied if denied else None,
        "sentiment_agreement": evaluation.sentiment_agreement(rows, labels),
        "star_agreement": stars,
        "star_reviews": reviews,
        "confusion": {f"{a}->{b}": n for (a, b), n in evaluation.confusion(rows, labels).items()},
    }


def through_pipeline(con: duckdb.DuckDBPyConnection, truths: Mapping[str, Mapping]) -> dict:
    read = answer_key.pipeline_readings(con)
    keys = sorted(truths)
    return score([truths[k] for k in keys], [read.get(k, (set(), "none")) for k in keys])


def alone(rows: Sequence[Mapping]) -> dict:
    return score(rows, evaluation.classify([row["text"] for row in rows]))


def build(
    workdir: Path,
    seed: int,
    scale: str,
    plants: Plants | None = None,
    lay: Sequence[Mapping] | None = None,
) -> tuple[Path, Path]:
    shop = workdir / "shop"
    if not (shop / "answer_key" / "truths.json").exists():
        generate(shop, seed=seed, scale=SCALES[scale], plants=plants)
        if lay is not None:
            voice_texts.lay(shop, lay)
    return shop, harness.build_warehouse(shop, workdir / "warehouse", progress=True)


def sandbox_report(con: duckdb.DuckDBPyConnection, shop: Path) -> dict:
    report: dict = {}
    planted = answer_key.planted_texts(shop)
    words = voice_texts.said(shop)
    for split in answer_key.SPLITS:
        truths = {
            k: {**row, "rating": words.get(k, {}).get("rating")}
            for k, row in planted.items()
            if answer_key.split_of(k) == split
        }
        report[split] = through_pipeline(con, truths)
    share, conversations = answer_key.non_buyer_price_share(con)
    truths = answer_key.truths(shop)
    report["non_buyer_price_share"] = {
        "measured": share,
        "planted": truths["non_buyer_price_share"]["realized"],
        "conversations": conversations,
    }
    report["talked_to_aov_uplift"] = {
        "measured": answer_key.aov_uplift(con),
        "planted": truths["talked_to_uplift"]["realized_aov"],
    }
    report["demand_signals"] = [asdict(c) for c in answer_key.demand_signal_checks(con, shop)]
    report["backtest_wape"] = dict(
        con.execute(
            "select forecast_method, sum(absolute_error) / sum(actual_units)"
            " from marts.forecast_backtest group by 1"
        ).fetchall()
    )
    return report


def dev_report(workdir: Path, dev: Path, scale: str) -> dict:
    rows = voice_texts.read_jsonl(dev)
    plants = Plants(non_buyer_price_share=DEV_SHOP_PRICE_SHARE)
    shop, warehouse = build(workdir, DEV_SHOP_SEED, scale, plants, lay=rows)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        report = {"pipeline": through_pipeline(con, voice_texts.laid(shop))}
        share, conversations = answer_key.non_buyer_price_share(con)
        report["non_buyer_price_share"] = {
            "measured": share,
            "planted": answer_key.truths(shop)["non_buyer_price_share"]["realized"],
            "conversations": conversations,
        }
    report["alone"] = alone(rows)
    return report


def _print_scores(title: str, result: Mapping) -> None:
    micro = result["themes"]["micro"]
    denied = (
        f"{result['denied_counted']} of {result['denied']} ({result['denied_rate']:.0%})"
        if result["denied"]
        else "none labelled"
    )
    print(
        f"\n{title}: {result['texts']} texts; theme micro-F1 {micro['f1']:.3f}"
        f" (P {micro['precision']:.3f}, R {micro['recall']:.3f}); denied themes counted {denied};"
        f" sentiment agreement {result['sentiment_agreement']:.3f};"
        f" stars {result['star_agreement']:.3f} of {result['star_reviews']} reviews"
    )
    print(f"  {'theme':<18} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>8}")
    for name, s in result["themes"].items():
        if name != "micro":
            print(
                f"  {name:<18} {s['precision']:>9.3f} {s['recall']:>7.3f} {s['f1']:>6.3f}"
                f" {s['support']:>8}"
            )


def markdown(report: Mapping) -> str:
    """The figures as the tables docs/quality.md shows."""
    lines = []
    themes = [t for t in report["sandbox"]["holdout"]["themes"] if t != "micro"]
    if "dev" in report:
        pipeline, alone_ = report["dev"]["pipeline"], report["dev"]["alone"]
        lines += [
            "| dev, through the pipeline | precision | recall | F1 | support |",
            "|---|---|---|---|---|",
        ]
        for name in [*themes, "micro"]:
            t = pipeline["themes"][name]
            label = "**micro**" if name == "micro" else name
            lines.append(
                f"| {label} | {t['precision']:.3f} | {t['recall']:.3f} | {t['f1']:.3f}"
                f" | {t['support']} |"
            )
        lines += [
            "",
            "| dev ({} texts) | pipeline | classifier alone |".format(pipeline["texts"]),
            "|---|---|---|",
        ]
        for key, title in (
            ("micro", "theme micro-F1"),
            ("lowest", "lowest theme F1"),
            ("denied", "denied themes counted"),
            ("sentiment", "sentiment agreement (4 labels)"),
            ("stars", "agreement with the stars"),
        ):
            cells = []
            for result in (pipeline, alone_):
                per = {k: v for k, v in result["themes"].items() if k != "micro"}
                cells.append(
                    {
                        "micro": f"{result['themes']['micro']['f1']:.3f}",
                        "lowest": "{:.3f} ({})".format(*min((v["f1"], k) for k, v in per.items())),
                        "denied": f"{result['denied_counted']} of {result['denied']}"
                        f" ({result['denied_rate']:.0%})",
                        "sentiment": f"{result['sentiment_agreement']:.3f}",
                        "stars": f"{result['star_agreement']:.3f}"
                        f" ({result['star_reviews']} reviews)",
                    }[key]
                )
            lines.append(f"| {title} | {cells[0]} | {cells[1]} |")
    sandbox = report["sandbox"]
    lines += [
        "",
        "| sandbox | tuning | holdout |",
        "|---|---|---|",
    ]
    for key, title in (
        ("micro", "theme micro-F1"),
        ("precision", "lowest theme precision"),
        ("recall", "lowest theme recall"),
        ("sentiment", "sentiment agreement (4 labels)"),
        ("stars", "agreement with the stars"),
    ):
        cells = []
        for split in answer_key.SPLITS:
            result = sandbox[split]
            per = {k: v for k, v in result["themes"].items() if k != "micro"}
            cells.append(
                {
                    "micro": f"{result['themes']['micro']['f1']:.3f}",
                    "precision": "{:.3f} ({})".format(
                        *min((v["precision"], k) for k, v in per.items())
                    ),
                    "recall": "{:.3f} ({})".format(*min((v["recall"], k) for k, v in per.items())),
                    "sentiment": f"{result['sentiment_agreement']:.3f}",
                    "stars": f"{result['star_agreement']:.3f} ({result['star_reviews']} reviews)",
                }[key]
            )
        lines.append(f"| {title} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="S")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dev", type=Path, default=DEV, help="labelled texts to lay into a shop")
    parser.add_argument("--workdir", type=Path, help="keep the shops and warehouses here")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--markdown", action="store_true", help="also print docs/quality.md's tables"
    )
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="earshot-quality-"))

    shop, warehouse = build(workdir / "sandbox", args.seed, args.scale)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        sandbox = sandbox_report(con, shop)
    sandbox["alone_holdout"] = alone(voice_texts.labelled(shop, "holdout"))
    report = {"sandbox": sandbox}
    if args.dev.exists():
        report["dev"] = dev_report(workdir / "dev", args.dev, args.scale)

    print(f"\nsandbox shop: scale {args.scale}, seed {args.seed}")
    for split in answer_key.SPLITS:
        _print_scores(f"sandbox {split} through the pipeline", sandbox[split])
    _print_scores("sandbox holdout, classifier alone", sandbox["alone_holdout"])
    for name in ("non_buyer_price_share", "talked_to_aov_uplift"):
        figure = sandbox[name]
        print(f"\n{name}: {figure['measured']:.4f} (planted {figure['planted']:.4f})")
    for check in sandbox["demand_signals"]:
        print(
            f"  {check['kind']:<8} {check['title']:<22} first signal"
            f" {check['first_signal_week_start']}, {check['weeks_ahead']} weeks ahead"
        )
    print(f"backtest WAPE: {sandbox['backtest_wape']}")
    if "dev" in report:
        dev = report["dev"]
        _print_scores(f"dev ({args.dev.name}) through the pipeline", dev["pipeline"])
        _print_scores(f"dev ({args.dev.name}), classifier alone", dev["alone"])
        share = dev["non_buyer_price_share"]
        print(
            f"\nnon-buyer price share in the dev shop: {share['measured']:.4f}"
            f" (planted {share['planted']:.4f}, {share['conversations']} conversations)"
        )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")
    if args.markdown:
        print("\n" + markdown(report))


if __name__ == "__main__":
    main()
