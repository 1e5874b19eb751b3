import hashlib
import json
from pathlib import Path

from sandbox.generate import SCALES, Scale, generate

SMALL = Scale(customers=30, orders=60, calls=40, reviews=40)


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*.jsonl"))
    }


def test_same_seed_writes_identical_files(tmp_path: Path) -> None:
    generate(tmp_path / "a", seed=3, scale=SMALL)
    generate(tmp_path / "b", seed=3, scale=SMALL)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")


def test_another_seed_writes_another_shop(tmp_path: Path) -> None:
    generate(tmp_path / "a", seed=3, scale=SMALL)
    generate(tmp_path / "b", seed=4, scale=SMALL)
    assert _digest(tmp_path / "a") != _digest(tmp_path / "b")


def test_writes_the_vendor_layout_with_requested_counts(tmp_path: Path) -> None:
    counts = generate(tmp_path, seed=1, scale=SMALL)
    for relative in (
        "shopify/orders.jsonl",
        "shopify/customers.jsonl",
        "shopify/products.jsonl",
        "aircall/calls.jsonl",
        "aircall/transcripts.jsonl",
        "judgeme/reviews.jsonl",
        "answer_key/texts.jsonl",
    ):
        assert (tmp_path / relative).exists(), relative
    # Orders and customers hit the scale exactly; calls and reviews follow from who buys.
    assert counts["orders"] == SMALL.orders
    assert counts["customers"] == SMALL.customers
    assert counts["calls"] > 0
    assert counts["reviews"] > 0
    orders = (tmp_path / "shopify/orders.jsonl").read_text().splitlines()
    assert len(orders) == SMALL.orders


def test_orders_have_the_shapes_shopify_returns(tmp_path: Path) -> None:
    generate(tmp_path, seed=2, scale=SCALES["XS"])
    orders = [json.loads(line) for line in (tmp_path / "shopify/orders.jsonl").open()]
    assert any("customer" not in order for order in orders), "guest orders exist"
    assert any(order["refunds"] for order in orders), "some orders are refunded"
    sample = orders[0]
    assert isinstance(sample["total_price"], str) and "." in sample["total_price"]
    assert sample["updated_at"].endswith("-05:00")
    refund_lines = [
        line
        for order in orders
        for refund in order["refunds"]
        for line in refund["refund_line_items"]
    ]
    assert all(isinstance(line["subtotal"], float) for line in refund_lines)
