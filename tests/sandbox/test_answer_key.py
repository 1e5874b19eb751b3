"""The generated shop carries the truths its answer key claims, checked from the data itself."""

import json
from collections import Counter, defaultdict
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from statistics import mean

import pytest

from sandbox.generate import HISTORY_START, SCALES, Plants, Scale, generate
from sandbox.timeline import epoch

WEEK = 7 * 86_400


def read(folder: Path, relative: str) -> list[dict]:
    with (folder / relative).open() as handle:
        return [json.loads(line) for line in handle]


def week_of(value: object) -> int:
    return int((epoch(value) - HISTORY_START.timestamp()) // WEEK)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("shop_s")
    generate(folder, seed=7, scale=SCALES["S"])
    return folder


@pytest.fixture(scope="module")
def truths(shop: Path) -> dict:
    return json.loads((shop / "answer_key" / "truths.json").read_text())


@pytest.fixture(scope="module")
def texts(shop: Path) -> list[dict]:
    return read(shop, "answer_key/texts.jsonl")


def test_every_answer_refers_to_a_served_record(shop: Path, texts: list[dict]) -> None:
    reviews = {r["id"] for r in read(shop, "judgeme/reviews.jsonl")}
    calls = read(shop, "aircall/calls.jsonl")
    comments = {c["id"] for call in calls for c in call["comments"]}
    transcribed = {t["call_id"] for t in read(shop, "aircall/transcripts.jsonl")}
    known = {
        "judgeme_review": reviews,
        "aircall_comment": comments,
        "aircall_transcript": transcribed,
    }
    assert Counter(t["source"] for t in texts).keys() == known.keys()
    for text in texts:
        assert text["record_id"] in known[text["source"]], text


@pytest.mark.parametrize("share", [0.11, 0.25])
def test_non_buyer_price_share_is_within_a_point(tmp_path: Path, share: float) -> None:
    # Extra calls so that one conversation moves the share by well under a point.
    busy = Scale(customers=800, orders=2_000, calls=4_000, reviews=300)
    generate(tmp_path, seed=3, scale=busy, plants=Plants(non_buyer_price_share=share))
    calls = {c["id"]: c for c in read(tmp_path, "aircall/calls.jsonl")}
    reasons = [
        t
        for t in read(tmp_path, "answer_key/texts.jsonl")
        if t["source"] == "aircall_comment" and t.get("non_purchase_reason")
    ]
    assert len(reasons) >= 100
    for text in reasons:
        call = calls[text["call_id"]]
        assert call["answered_at"] is not None
        assert call["tags"][0]["name"] in ("abandoned-cart", "win-back")
    price = sum(1 for t in reasons if t["non_purchase_reason"] == "price")
    assert abs(price / len(reasons) - share) <= 0.01
    assert all(t["themes"] == ["price"] for t in reasons if t["non_purchase_reason"] == "price")


def test_talked_to_customers_spend_the_planted_uplift_more(shop: Path, truths: dict) -> None:
    def digits(number: str) -> str:
        return "+" + "".join(ch for ch in number if ch.isdigit())

    answered = {
        digits(c["raw_digits"])
        for c in read(shop, "aircall/calls.jsonl")
        if c["answered_at"] is not None
    }
    net: dict[bool, Decimal] = defaultdict(Decimal)
    orders: Counter[bool] = Counter()
    for order in read(shop, "shopify/orders.jsonl"):
        customer = order.get("customer")
        if not customer or order["test"] or order["cancelled_at"]:
            continue
        talked = bool(customer["phone"]) and digits(customer["phone"]) in answered
        refunds = sum(
            Decimal(str(line["subtotal"]))
            for refund in order["refunds"]
            for line in refund["refund_line_items"]
        )
        net[talked] += (
            Decimal(order["subtotal_price"]) - Decimal(order["total_discounts"]) - refunds
        )
        orders[talked] += 1
    uplift = float((net[True] / orders[True]) / (net[False] / orders[False]) - 1)
    assert abs(uplift - truths["talked_to_uplift"]["setting_aov"]) <= 0.05
    assert abs(uplift - truths["talked_to_uplift"]["realized_aov"]) <= 0.02


def test_demand_follows_requests_for_signal_products_only(
    shop: Path, truths: dict, texts: list[dict]
) -> None:
    units: dict[int, Counter[int]] = defaultdict(Counter)
    for order in read(shop, "shopify/orders.jsonl"):
        for line in order["line_items"]:
            units[line["product_id"]][week_of(order["created_at"])] += line["quantity"]
    requests: dict[int, Counter[int]] = defaultdict(Counter)
    for text in texts:
        if {"stock_out", "product_request"} & set(text["themes"]) and text.get("product_id"):
            requests[text["product_id"]][week_of(text["said_at"])] += 1

    everything: Counter[int] = sum(units.values(), Counter())

    def rate(counter: Counter[int], start: int, end: int) -> float:
        return mean(counter[w] for w in range(start, end))

    def share(product: int, start: int, end: int) -> float:
        """The product's share of all units, which the season moves no more than its rivals'."""
        return rate(units[product], start, end) / rate(everything, start, end)

    for plant in truths["demand"]:
        product, rise = plant["product_id"], plant["demand_rise_week"]
        # Five times the weight after the rise; week-to-week noise in a small shop is large.
        assert share(product, rise, rise + 10) > 1.5 * share(product, rise - 24, rise - 4)
        if plant["kind"] == "signal":
            lead = plant["mentions_rise_week"]
            assert rise - lead >= 2
            asked = rate(requests[product], lead, rise)
            assert asked > 3 * rate(requests[product], lead - 20, lead) + 1
        else:
            before = rate(requests[product], rise - 8, rise)
            assert before <= rate(requests[product], rise - 30, rise - 8) + 1


def test_emerging_and_seasonal_themes_are_planted(texts: list[dict], truths: dict) -> None:
    trends = truths["theme_trends"]
    emerging, start = trends["emerging"]["theme"], trends["emerging"]["from_week"]
    recent = [t for t in texts if week_of(t["said_at"]) >= start + 6]
    earlier = [t for t in texts if start - 52 <= week_of(t["said_at"]) < start]

    def share(theme: str, group: list[dict]) -> float:
        return sum(theme in t["themes"] for t in group) / len(group)

    assert share(emerging, recent) > 2 * share(emerging, earlier)
    seasonal = trends["seasonal"]
    months = set(seasonal["peak_months"])
    in_season = [t for t in texts if datetime.fromisoformat(t["said_at"]).month in months]
    off_season = [t for t in texts if datetime.fromisoformat(t["said_at"]).month not in months]
    assert share(seasonal["theme"], in_season) > 1.5 * share(seasonal["theme"], off_season)


def test_negated_mentions_do_not_carry_their_theme(shop: Path, texts: list[dict]) -> None:
    bodies = {r["id"]: r["body"] for r in read(shop, "judgeme/reviews.jsonl")}
    negated = [
        t
        for t in texts
        if t["source"] == "judgeme_review"
        and "it's not the price" in bodies[t["record_id"]].lower()
    ]
    assert negated, "the shop has reviews that deny price as the problem"
    for text in negated:
        body = bodies[text["record_id"]].lower()
        if "price" not in text["themes"]:
            continue
        # Price may still be raised in another sentence of the same text.
        assert any(
            w in body
            for w in (
                "expensive",
                "price came",
                "pricey",
                "fortune",
                "budget",
                "rip off",
                "spending",
                "price tag",
                "quid",
            )
        )


def test_every_theme_is_spoken_in_several_phrasings(texts: list[dict], truths: dict) -> None:
    themes = Counter(theme for text in texts for theme in text["themes"])
    assert set(themes) == set(truths["theme_categories"])
    assert min(themes.values()) >= 20


def test_calls_look_like_a_customer_team(shop: Path) -> None:
    calls = read(shop, "aircall/calls.jsonl")
    outbound = [c for c in calls if c["direction"] == "outbound"]
    connected = sum(c["answered_at"] is not None for c in outbound) / len(outbound)
    assert 0.28 <= connected <= 0.45, connected
    inbound = [c for c in calls if c["direction"] == "inbound"]
    assert sum(c["answered_at"] is not None for c in inbound) / len(inbound) > 0.7
    assert {c["tags"][0]["name"] for c in outbound} == {
        "follow-up",
        "high-value",
        "win-back",
        "abandoned-cart",
    }
    missed = [c for c in calls if c["answered_at"] is None]
    assert all(c["missed_call_reason"] and "user" not in c for c in missed)
    assert all(c["tags"][0]["tagged_at"] > c["ended_at"] for c in calls)
    # Aircall formats numbers its own way; Shopify keeps E.164.
    assert all(" " in c["raw_digits"] for c in calls)


def test_reviews_use_every_rating_and_some_reviewers_are_known_only_by_email(shop: Path) -> None:
    reviews = read(shop, "judgeme/reviews.jsonl")
    assert {r["rating"] for r in reviews} == {1, 2, 3, 4, 5}
    anonymous = [r for r in reviews if r["reviewer"]["external_id"] is None]
    assert 0.1 < len(anonymous) / len(reviews) < 0.5
    assert all(r["reviewer"]["email"] for r in anonymous)
