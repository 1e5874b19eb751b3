import hashlib
import json
from datetime import timedelta
from pathlib import Path

from sandbox.generate import HISTORY_END, SCALES, UNFAMILIAR_TAGS, Plants, Scale, Shape, generate

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


def _records(folder: Path, relative: str) -> list[dict]:
    return [json.loads(line) for line in (folder / relative).open()]


def test_a_short_history_ends_where_the_demo_does(tmp_path: Path) -> None:
    generate(tmp_path, seed=2, scale=SMALL, shape=Shape(weeks=12))
    truths = json.loads((tmp_path / "answer_key/truths.json").read_text())
    assert truths["history"]["weeks"] == 12
    assert truths["history"]["end"] == HISTORY_END.isoformat()
    first = min(o["created_at"] for o in _records(tmp_path, "shopify/orders.jsonl"))
    assert first >= (HISTORY_END - timedelta(weeks=12)).date().isoformat()
    assert all(0 <= plant["demand_rise_week"] < 12 for plant in truths["demand"])


def test_vendors_left_out_and_transcripts_off_leave_their_files_empty(tmp_path: Path) -> None:
    counts = generate(
        tmp_path,
        seed=2,
        scale=SMALL,
        shape=Shape(vendors=("shopify", "aircall"), transcripts=False),
    )
    assert counts["reviews"] == counts["transcripts"] == 0
    assert counts["calls"] > 0
    sources = {text["source"] for text in _records(tmp_path, "answer_key/texts.jsonl")}
    assert sources == {"aircall_comment"}


def test_a_sparse_shop_sends_no_empty_values_and_orders_only_their_required_fields(
    tmp_path: Path,
) -> None:
    generate(tmp_path, seed=2, scale=SMALL, shape=Shape(sparse=True))

    def empties(value: object) -> int:
        if isinstance(value, dict):
            return sum(v in (None, [], "") or empties(v) for v in value.values())
        if isinstance(value, list):
            return sum(empties(v) for v in value)
        return 0

    for relative in ("shopify/orders.jsonl", "aircall/calls.jsonl", "judgeme/reviews.jsonl"):
        assert sum(empties(r) for r in _records(tmp_path, relative)) == 0, relative
    orders = _records(tmp_path, "shopify/orders.jsonl")
    assert set().union(*orders) <= {
        "id",
        "created_at",
        "updated_at",
        "total_price",
        "line_items",
        "customer",
    }


def test_calls_are_tagged_with_the_names_the_shape_gives(tmp_path: Path) -> None:
    generate(tmp_path, seed=2, scale=SCALES["XS"], shape=Shape(tag_names=UNFAMILIAR_TAGS))
    tags = {
        tag["name"] for call in _records(tmp_path, "aircall/calls.jsonl") for tag in call["tags"]
    }
    assert tags <= set(UNFAMILIAR_TAGS.values())
    assert "cart_abandoner" in tags


def test_the_planted_non_buyer_price_share_is_the_one_asked_for(tmp_path: Path) -> None:
    generate(tmp_path, seed=2, scale=SCALES["XS"], plants=Plants(non_buyer_price_share=0.4))
    truths = json.loads((tmp_path / "answer_key/truths.json").read_text())
    assert abs(truths["non_buyer_price_share"]["realized"] - 0.4) < 0.1
