"""``python -m sandbox generate|serve``: make a demo shop and serve it like the vendors do."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sandbox.generate import SCALES, Scale, generate
from sandbox.server import SandboxServer


def _scale(args: argparse.Namespace) -> Scale:
    preset = SCALES[args.scale]
    return Scale(
        customers=args.customers or preset.customers,
        orders=args.orders or preset.orders,
        calls=args.calls or preset.calls,
        reviews=args.reviews or preset.reviews,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    gen = commands.add_parser("generate", help="write a deterministic shop as vendor JSONL")
    gen.add_argument("--out", type=Path, required=True, help="folder to write the shop into")
    gen.add_argument("--seed", type=int, default=7)
    gen.add_argument("--scale", choices=sorted(SCALES), default="S")
    for name in ("customers", "orders", "calls", "reviews"):
        gen.add_argument(f"--{name}", type=int, help=f"override the preset's number of {name}")

    serve = commands.add_parser("serve", help="serve a shop folder as Shopify, Aircall, Judge.me")
    serve.add_argument("--data", type=Path, required=True, help="a folder in the generator layout")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--host", default="127.0.0.1", help="loopback by default")

    args = parser.parse_args(argv)
    if args.command == "generate":
        started = time.perf_counter()
        counts = generate(args.out, seed=args.seed, scale=_scale(args))
        elapsed = time.perf_counter() - started
        summary = ", ".join(f"{n} {c}" for n, c in counts.items())
        print(f"wrote {args.out} in {elapsed:.1f}s: {summary}")
        return 0
    if not args.data.is_dir():
        print(
            f"error: {args.data} is not a folder; run 'python -m sandbox generate' first",
            file=sys.stderr,
        )
        return 2
    server = SandboxServer(args.data, port=args.port, host=args.host)
    print(f"sandbox serving {args.data} at {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
