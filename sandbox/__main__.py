"""``python -m sandbox generate|serve``: make a demo shop and serve it like the vendors do."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sandbox.fixtures import dataset_from_payloads
from sandbox.generate import SCALES, UNFAMILIAR_TAGS, VENDORS, Plants, Scale, Shape, generate
from sandbox.limits import FaultPlan
from sandbox.server import SandboxServer


def _scale(args: argparse.Namespace) -> Scale:
    preset = SCALES[args.scale]
    return Scale(
        customers=args.customers or preset.customers,
        orders=args.orders or preset.orders,
        calls=args.calls or preset.calls,
        reviews=args.reviews or preset.reviews,
    )


def _tag_names(value: str | None) -> dict[str, str]:
    if not value:
        return {}
    if value == "unfamiliar":
        return dict(UNFAMILIAR_TAGS)
    pairs = [part.split("=", 1) for part in value.split(",") if part.strip()]
    if any(len(pair) != 2 for pair in pairs):
        raise SystemExit(f"--tag-names: expected PURPOSE=TAG pairs, got {value!r}")
    return {purpose.strip(): tag.strip() for purpose, tag in pairs}


def _shape(args: argparse.Namespace) -> Shape:
    try:
        return Shape(
            weeks=args.weeks,
            vendors=tuple(v for v in VENDORS if v not in args.without),
            transcripts=not args.no_transcripts,
            sparse=args.sparse,
            tag_names=_tag_names(args.tag_names),
        )
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    gen = commands.add_parser("generate", help="write a deterministic shop as vendor JSONL")
    gen.add_argument("--out", type=Path, required=True, help="folder to write the shop into")
    gen.add_argument("--seed", type=int, default=7)
    gen.add_argument("--scale", choices=sorted(SCALES), default="S")
    for name in ("customers", "orders", "calls", "reviews"):
        gen.add_argument(f"--{name}", type=int, help=f"override the preset's number of {name}")
    shapes = gen.add_argument_group("shop shape (what a real account may lack or name its own way)")
    shapes.add_argument("--weeks", type=int, default=104, help="weeks of history (at least 4)")
    shapes.add_argument(
        "--without",
        action="append",
        choices=[v for v in VENDORS if v != "shopify"],
        default=[],
        help="a vendor the shop does not use (its files stay empty); repeatable",
    )
    shapes.add_argument(
        "--no-transcripts", action="store_true", help="an Aircall plan without transcription"
    )
    shapes.add_argument(
        "--sparse",
        action="store_true",
        help="no nulls or empty values anywhere, and orders with only their required fields",
    )
    shapes.add_argument(
        "--tag-names",
        metavar="unfamiliar|PURPOSE=TAG,...",
        help="file call purposes under other tag names; 'unfamiliar' is a preset",
    )
    shapes.add_argument(
        "--non-buyer-price-share",
        type=float,
        default=Plants.non_buyer_price_share,
        help="share of non-buyer conversations whose reason is price",
    )
    gen.add_argument(
        "--lay-texts",
        type=Path,
        metavar="JSONL",
        help="labelled texts (eval/ fields) to put in place of the planted ones",
    )

    imported = commands.add_parser(
        "import-fixtures", help="copy vendor payload pages into a dataset the twins can serve"
    )
    imported.add_argument(
        "--fixtures", type=Path, required=True, help="e.g. ../shared/fixtures/vendor"
    )
    imported.add_argument("--out", type=Path, required=True)

    serve = commands.add_parser("serve", help="serve a shop folder as Shopify, Aircall, Judge.me")
    serve.add_argument("--data", type=Path, required=True, help="a folder in the generator layout")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--host", default="127.0.0.1", help="loopback by default")
    serve.add_argument(
        "--now",
        help="what time the twins think it is (ISO timestamp or Unix seconds); records created "
        "later are hidden and later changes undone. Default: the wall clock",
    )
    serve.add_argument(
        "--rate-limits",
        choices=["vendor", "fast", "off"],
        default="vendor",
        help="vendor: Shopify's 40-request bucket draining 2/s, Aircall's 60 per minute; "
        "fast: the same rules with ten to a hundred times the room; off: none",
    )
    faults = serve.add_argument_group("fault injection (rates are probabilities per request)")
    faults.add_argument("--error-rate", type=float, default=0.0, help="answer 500, 502 or 503")
    faults.add_argument("--storm-every", type=int, default=0, help="every Nth request starts…")
    faults.add_argument("--storm-length", type=int, default=5, help="…a run of this many 429s")
    faults.add_argument("--slow-rate", type=float, default=0.0)
    faults.add_argument("--slow-seconds", type=float, default=2.0)
    faults.add_argument("--drop-rate", type=float, default=0.0, help="close mid-body")
    faults.add_argument("--malformed-rate", type=float, default=0.0, help="send broken JSON")
    faults.add_argument(
        "--bad-record-rate",
        type=float,
        default=0.0,
        help="share of records served with a required field missing or of the wrong type",
    )
    faults.add_argument("--fault-seed", type=int, default=0)

    args = parser.parse_args(argv)
    if args.command == "generate":
        started = time.perf_counter()
        counts = generate(
            args.out,
            seed=args.seed,
            scale=_scale(args),
            plants=Plants(non_buyer_price_share=args.non_buyer_price_share),
            shape=_shape(args),
        )
        elapsed = time.perf_counter() - started
        summary = ", ".join(f"{n} {c}" for n, c in counts.items())
        print(f"wrote {args.out} in {elapsed:.1f}s: {summary}")
        if args.lay_texts:
            from sandbox import voice_texts

            laid = voice_texts.lay(args.out, voice_texts.read_jsonl(args.lay_texts))
            print("laid " + ", ".join(f"{n} {k}" for k, n in laid.items()))
        return 0
    if args.command == "import-fixtures":
        counts = dataset_from_payloads(args.fixtures, args.out)
        print(f"wrote {args.out}: " + ", ".join(f"{n} {c}" for n, c in counts.items()))
        return 0
    if not args.data.is_dir():
        print(
            f"error: {args.data} is not a folder; run 'python -m sandbox generate' first",
            file=sys.stderr,
        )
        return 2
    plan = FaultPlan(
        error_rate=args.error_rate,
        storm_every=args.storm_every,
        storm_length=args.storm_length,
        slow_rate=args.slow_rate,
        slow_seconds=args.slow_seconds,
        drop_rate=args.drop_rate,
        malformed_rate=args.malformed_rate,
        bad_record_rate=args.bad_record_rate,
        seed=args.fault_seed,
    )
    started = time.perf_counter()
    server = SandboxServer(
        args.data,
        port=args.port,
        host=args.host,
        now=args.now,
        rate_limits=args.rate_limits,
        faults=plan,
    )
    print(
        f"sandbox serving {args.data} at {server.url} "
        f"(indexed in {time.perf_counter() - started:.1f}s, rate limits: {args.rate_limits})",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
