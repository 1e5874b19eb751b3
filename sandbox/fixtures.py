"""Turn vendor payloads (``{"orders": [...]}`` pages) into a dataset the twins can serve.

The records are copied unchanged, one per line, into the generator's layout, so
the twins answer with exactly the payloads the vendors published.
"""

from __future__ import annotations

from pathlib import Path

import orjson

# payload file (relative to the fixtures folder) -> (list key, file in the layout)
PAYLOADS = {
    "shopify/orders.json": ("orders", "shopify/orders.jsonl"),
    "shopify/customers.json": ("customers", "shopify/customers.jsonl"),
    "shopify/products.json": ("products", "shopify/products.jsonl"),
    "shopify/refunds.json": ("refunds", "shopify/refunds.jsonl"),
    "aircall/calls.json": ("calls", "aircall/calls.jsonl"),
    "judgeme/reviews.json": ("reviews", "judgeme/reviews.jsonl"),
}


def dataset_from_payloads(fixtures: Path, out: Path) -> dict[str, int]:
    """Write every known payload under ``fixtures`` into ``out``; returns records per file."""
    counts: dict[str, int] = {}
    for relative, (key, target) in PAYLOADS.items():
        source = Path(fixtures) / relative
        if not source.exists():
            continue
        records = orjson.loads(source.read_bytes())[key]
        path = Path(out) / target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"".join(orjson.dumps(record) + b"\n" for record in records))
        counts[target] = len(records)
    if not counts:
        raise FileNotFoundError(f"no vendor payloads found under {fixtures}")
    return counts
