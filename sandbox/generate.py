"""Generate a deterministic demo shop in the vendors' own record shapes.

Layout written under ``out`` (one JSON object per line, exactly as each API
returns a record):

    shopify/products.jsonl  shopify/customers.jsonl  shopify/orders.jsonl
    aircall/calls.jsonl     aircall/transcripts.jsonl
    judgeme/reviews.jsonl
    answer_key/texts.jsonl  (true themes per text; never served, never loaded)

Records are written as they are made, so memory does not grow with the number
of orders.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from sandbox.phrases import NEGATIVE_THEMES, OFF_TOPIC, THEME_PHRASES

SHOP_TZ = timezone(timedelta(hours=-5))
HISTORY_START = datetime(2024, 11, 1, tzinfo=UTC)
HISTORY_DAYS = 730
CENT = Decimal("0.01")

CATEGORIES = {
    "Outerwear": ["Storm Parka", "Trail Shell", "Harbour Raincoat", "Quilted Vest"],
    "Knitwear": ["Merino Crew", "Fisherman Sweater", "Cable Cardigan", "Alpaca Beanie"],
    "Footwear": ["Canvas Runner", "Leather Chelsea Boot", "Trail Sneaker", "Wool Slipper"],
    "Bags": ["Weekender Duffel", "Roll-top Backpack", "Market Tote", "Sling Pouch"],
    "Home": ["Linen Throw", "Stoneware Mug Set", "Cotton Waffle Towel", "Cedar Candle"],
}
COLOURS = ["black", "olive", "sand", "rust", "grey", "cream"]
FIRST_NAMES = [
    "Ava",
    "Ben",
    "Chloe",
    "Dev",
    "Elena",
    "Farid",
    "Grace",
    "Hugo",
    "Isla",
    "Jon",
    "Kira",
    "Liam",
    "Maya",
    "Noah",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
]
LAST_NAMES = [
    "Adams",
    "Brook",
    "Chen",
    "Diaz",
    "Evans",
    "Fox",
    "Garcia",
    "Hill",
    "Ito",
    "Jones",
    "Khan",
    "Lopez",
    "Moore",
    "Nagy",
    "Okafor",
    "Patel",
    "Reed",
    "Silva",
    "Tran",
    "Wood",
]
AGENTS = [(9001, "Alex Morgan"), (9002, "Jamie Lee"), (9003, "Riley Shah"), (9004, "Casey Kim")]
OUTBOUND_PURPOSES = [
    "recent_purchaser_follow_up",
    "high_value_check_in",
    "churned_customer_deep_dive",
    "cart_abandoner_outreach",
]
MISSED_REASONS = [
    "agents_did_not_answer",
    "out_of_opening_hours",
    "short_abandoned",
    "abandoned_in_ivr",
]
PRESENTMENT = [("USD", Decimal("1")), ("EUR", Decimal("0.92")), ("GBP", Decimal("0.79"))]


@dataclass(frozen=True)
class Scale:
    customers: int
    orders: int
    calls: int
    reviews: int


SCALES = {
    "XS": Scale(customers=120, orders=300, calls=150, reviews=200),
    "S": Scale(customers=800, orders=2_000, calls=1_000, reviews=1_500),
    "M": Scale(customers=60_000, orders=200_000, calls=100_000, reviews=150_000),
    "L": Scale(customers=600_000, orders=2_000_000, calls=1_000_000, reviews=1_500_000),
}


def _iso(moment: datetime) -> str:
    return moment.astimezone(SHOP_TZ).isoformat(timespec="seconds")


def _money(value: Decimal) -> str:
    return str(value.quantize(CENT))


def _money_set(value: Decimal, currency: str, rate: Decimal) -> dict[str, Any]:
    return {
        "shop_money": {"amount": _money(value), "currency_code": "USD"},
        "presentment_money": {"amount": _money(value * rate), "currency_code": currency},
    }


class ShopGenerator:
    """Makes one shop for a seed; every random draw comes from ``self.rng``."""

    def __init__(self, seed: int, scale: Scale) -> None:
        self.rng = random.Random(seed)
        self.scale = scale
        self.next_id = 1_000_000
        self.products: list[dict[str, Any]] = []
        self.customers: list[dict[str, Any]] = []

    def _id(self) -> int:
        self.next_id += self.rng.randint(1, 9)
        return self.next_id

    def _moment(self, start: datetime, max_days: float) -> datetime:
        end = min(start + timedelta(days=max_days), HISTORY_START + timedelta(days=HISTORY_DAYS))
        span = max((end - start).total_seconds(), 0)
        return (start + timedelta(seconds=self.rng.uniform(0, span))).replace(microsecond=0)

    def _seasonal_moment(self) -> datetime:
        """A time in the history, busier in November and December."""
        while True:
            moment = self._moment(HISTORY_START, HISTORY_DAYS)
            weight = 1.8 if moment.month in (11, 12) else 1.0
            if self.rng.random() < weight / 1.8:
                return moment

    def text(self, product_title: str) -> tuple[str, list[str]]:
        """A customer's words about a product and the themes they truly carry."""
        theme_count = self.rng.choices([0, 1, 2], weights=[1, 6, 3])[0]
        themes = self.rng.sample(sorted(THEME_PHRASES), theme_count)
        parts = [self.rng.choice(THEME_PHRASES[t]).format(product=product_title) for t in themes]
        if not parts or self.rng.random() < 0.3:
            parts.append(self.rng.choice(OFF_TOPIC))
        self.rng.shuffle(parts)
        return ". ".join(p[0].upper() + p[1:] for p in parts) + ".", sorted(themes)

    def make_products(self) -> Iterator[dict[str, Any]]:
        created = HISTORY_START - timedelta(days=60)
        for category, titles in CATEGORIES.items():
            for title in titles:
                product_id = self._id()
                price = Decimal(self.rng.randrange(1900, 24900)) / 100
                colours = self.rng.sample(COLOURS, self.rng.randint(1, 3))
                product = {
                    "id": product_id,
                    "title": title,
                    "body_html": f"<p>Our {title.lower()} is crafted for everyday adventures: "
                    f"premium {category.lower()} built to last, designed in small batches.</p>",
                    "vendor": "Earshot Outfitters",
                    "product_type": category,
                    "handle": title.lower().replace(" ", "-"),
                    "status": "active",
                    "tags": f"{category.lower()}, core",
                    "created_at": _iso(created),
                    "updated_at": _iso(created + timedelta(days=1)),
                    "published_at": _iso(created),
                    "variants": [
                        {
                            "id": self._id(),
                            "product_id": product_id,
                            "title": colour,
                            "price": _money(price),
                            "sku": f"{title[:3].upper()}-{colour[:3].upper()}",
                            "option1": colour,
                            "inventory_quantity": self.rng.randint(0, 400),
                            "created_at": _iso(created),
                            "updated_at": _iso(created + timedelta(days=1)),
                        }
                        for colour in colours
                    ],
                    "options": [{"name": "Colour", "values": colours}],
                }
                self.products.append(product)
                yield product

    def make_customers(self) -> Iterator[dict[str, Any]]:
        for index in range(self.scale.customers):
            created = self._seasonal_moment()
            first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
            area = self.rng.randint(201, 989)
            line = self.rng.randint(1000, 9999)
            customer = {
                "id": self._id(),
                "email": f"{first}.{last}.{index}@example.com".lower(),
                "first_name": first,
                "last_name": last,
                "phone": f"+1{area}555{line}",
                "created_at": _iso(created),
                "updated_at": _iso(created),
                "state": "enabled",
                "verified_email": True,
                "tags": "",
                "currency": "USD",
            }
            self.customers.append(customer)
            yield customer

    def make_order(self, number: int, customer: dict[str, Any] | None) -> dict[str, Any]:
        rng = self.rng
        if customer is not None:
            placed = self._moment(datetime.fromisoformat(customer["created_at"]), HISTORY_DAYS)
        else:
            placed = self._seasonal_moment()
        currency, rate = rng.choices(PRESENTMENT, weights=[8, 1, 1])[0]
        line_items = []
        for product in rng.sample(self.products, rng.choices([1, 2, 3], weights=[6, 3, 1])[0]):
            variant = rng.choice(product["variants"])
            price = Decimal(variant["price"])
            quantity = rng.choices([1, 2, 3], weights=[8, 2, 1])[0]
            line_items.append(
                {
                    "id": self._id(),
                    "product_id": product["id"],
                    "variant_id": variant["id"],
                    "title": product["title"],
                    "variant_title": variant["title"],
                    "name": f"{product['title']} - {variant['title']}",
                    "sku": variant["sku"],
                    "quantity": quantity,
                    "price": _money(price),
                    "price_set": _money_set(price, currency, rate),
                    "total_discount": "0.00",
                    "taxable": True,
                }
            )
        subtotal = sum(Decimal(li["price"]) * li["quantity"] for li in line_items)
        discount = (
            (subtotal * Decimal("0.10")).quantize(CENT) if rng.random() < 0.15 else Decimal(0)
        )
        tax = ((subtotal - discount) * Decimal("0.08")).quantize(CENT)
        shipping = Decimal("0") if subtotal > 100 else Decimal("7.95")
        total = subtotal - discount + tax + shipping
        updated = placed + timedelta(minutes=rng.randint(1, 240))
        cancelled = rng.random() < 0.03
        order: dict[str, Any] = {
            "id": self._id(),
            "name": f"#{1000 + number}",
            "order_number": 1000 + number,
            "email": customer["email"] if customer else f"guest{number}@example.net",
            "created_at": _iso(placed),
            "processed_at": _iso(placed),
            "currency": "USD",
            "presentment_currency": currency,
            "subtotal_price": _money(subtotal),
            "subtotal_price_set": _money_set(subtotal, currency, rate),
            "total_discounts": _money(discount),
            "total_tax": _money(tax),
            "total_price": _money(total),
            "total_price_set": _money_set(total, currency, rate),
            "financial_status": "paid",
            "fulfillment_status": None if cancelled else "fulfilled",
            "cancelled_at": _iso(updated) if cancelled else None,
            "cancel_reason": "customer" if cancelled else None,
            "closed_at": None,
            "test": rng.random() < 0.005,
            "tags": "",
            "source_name": "web",
            "discount_codes": (
                [{"code": "WELCOME10", "amount": _money(discount), "type": "percentage"}]
                if discount
                else []
            ),
            "shipping_lines": [
                {
                    "id": self._id(),
                    "title": "Standard",
                    "code": "STD",
                    "price": _money(shipping),
                }
            ],
            "line_items": line_items,
            "refunds": [],
        }
        if customer is not None:
            order["customer"] = {
                key: customer[key] for key in ("id", "email", "first_name", "last_name", "phone")
            }
        if not cancelled and rng.random() < 0.06:
            refunded_at = self._moment(placed + timedelta(days=3), 20)
            refunded = rng.choice(line_items)
            amount = Decimal(refunded["price"])
            order["refunds"].append(
                {
                    "id": self._id(),
                    "order_id": order["id"],
                    "created_at": _iso(refunded_at),
                    "processed_at": _iso(refunded_at),
                    "note": "Customer return",
                    "refund_line_items": [
                        {
                            "id": self._id(),
                            "line_item_id": refunded["id"],
                            "quantity": 1,
                            "subtotal": float(amount),
                            "total_tax": float((amount * Decimal("0.08")).quantize(CENT)),
                            "line_item": refunded,
                        }
                    ],
                }
            )
            order["financial_status"] = "partially_refunded"
            updated = max(updated, refunded_at)
        order["updated_at"] = _iso(updated)
        return order

    def make_orders(self) -> Iterator[dict[str, Any]]:
        for number in range(self.scale.orders):
            guest = self.rng.random() < 0.08
            customer = None if guest else self.rng.choice(self.customers)
            yield self.make_order(number, customer)

    def _raw_digits(self, phone: str) -> str:
        """Aircall's formatting of a number, which rarely matches Shopify's."""
        area, exchange, line = phone[2:5], phone[5:8], phone[8:]
        style = self.rng.randrange(3)
        if style == 0:
            return f"+1 {area}-{exchange}-{line}"
        if style == 1:
            return f"+1 ({area}) {exchange}-{line}"
        return f"+1 {area} {exchange} {line}"

    def make_calls(self) -> Iterator[tuple[dict[str, Any], dict[str, Any] | None, dict]]:
        """Calls, each with its transcript (or None) and its answer-key entry."""
        rng = self.rng
        for _ in range(self.scale.calls):
            customer = rng.choice(self.customers)
            product = rng.choice(self.products)
            started = self._moment(datetime.fromisoformat(customer["created_at"]), HISTORY_DAYS)
            direction = rng.choices(["inbound", "outbound"], weights=[3, 2])[0]
            purpose = rng.choice(OUTBOUND_PURPOSES) if direction == "outbound" else "support"
            answered = rng.random() < (0.35 if direction == "outbound" else 0.8)
            talk = rng.randint(40, 900) if answered else 0
            ring = rng.randint(5, 30)
            call_id = self._id()
            agent_id, agent_name = rng.choice(AGENTS)
            text, themes = self.text(product["title"]) if answered else ("", [])
            ended = started + timedelta(seconds=ring + talk)
            call: dict[str, Any] = {
                "id": call_id,
                "direct_link": f"https://api.aircall.io/v1/calls/{call_id}",
                "direction": direction,
                "status": "done",
                "missed_call_reason": None if answered else rng.choice(MISSED_REASONS),
                "started_at": int(started.timestamp()),
                "answered_at": int(started.timestamp()) + ring if answered else None,
                "ended_at": int(ended.timestamp()),
                "duration": ring + talk,
                "cost": "0.0",
                "raw_digits": self._raw_digits(customer["phone"]),
                "voicemail": None,
                "recording": None,
                "archived": False,
                "contact": None,
                "number": {"id": 404821, "digits": "+1 888-555-0100", "country": "US"},
                "tags": [{"id": 1, "name": purpose, "tagged_at": int(ended.timestamp()) + 60}],
                "comments": (
                    [
                        {
                            "id": self._id(),
                            "content": text,
                            "posted_at": int(ended.timestamp()) + 120,
                            "posted_by": {"id": agent_id, "name": agent_name},
                        }
                    ]
                    if answered
                    else []
                ),
            }
            if answered:
                call["user"] = {"id": agent_id, "name": agent_name}
            transcript = None
            if answered and rng.random() < 0.3:
                transcript = {
                    "id": self._id(),
                    "call_id": call_id,
                    "call_created_at": _iso(started),
                    "content": {
                        "language": "en",
                        "utterances": [
                            {
                                "start_time": 0.0,
                                "end_time": 3.0,
                                "participant_type": "internal",
                                "text": "Hi, this is the customer team, how can I help?",
                            },
                            {
                                "start_time": 3.5,
                                "end_time": 12.0,
                                "participant_type": "external",
                                "text": text,
                            },
                        ],
                    },
                }
            key = (
                {
                    "source": "aircall_comment",
                    "record_id": call_id,
                    "themes": themes,
                    "sentiment": _sentiment(themes),
                }
                if answered
                else None
            )
            yield call, transcript, key

    def make_reviews(self) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        rng = self.rng
        for _ in range(self.scale.reviews):
            customer = rng.choice(self.customers)
            product = rng.choice(self.products)
            created = self._moment(datetime.fromisoformat(customer["created_at"]), HISTORY_DAYS)
            body, themes = self.text(product["title"])
            negative = len(NEGATIVE_THEMES.intersection(themes))
            rating = max(1, min(5, 5 - 2 * negative + rng.choice([-1, 0, 0, 1])))
            review_id = self._id()
            known = rng.random() < 0.7
            review = {
                "id": review_id,
                "title": body.split(".")[0][:60],
                "body": body,
                "rating": rating,
                "product_external_id": product["id"],
                "product_title": product["title"],
                "product_handle": product["handle"],
                "reviewer": {
                    "id": self._id(),
                    "external_id": customer["id"] if known else None,
                    "email": customer["email"],
                    "name": f"{customer['first_name']} {customer['last_name'][0]}.",
                    "phone": None,
                    "tags": None,
                },
                "source": "web",
                "curated": "ok",
                "published": True,
                "hidden": False,
                "verified": "buyer" if known else "nothing",
                "pictures": [],
                "created_at": _iso(created),
                "updated_at": _iso(created),
            }
            key = {
                "source": "judgeme_review",
                "record_id": review_id,
                "themes": themes,
                "sentiment": _sentiment(themes),
            }
            yield review, key


def _sentiment(themes: list[str]) -> str:
    if not themes:
        return "neutral"
    negative = [t for t in themes if t in NEGATIVE_THEMES]
    if not negative:
        return "positive"
    return "negative" if len(negative) == len(themes) else "mixed"


def _write(handle: IO[str], record: dict[str, Any]) -> None:
    handle.write(json.dumps(record, separators=(",", ":")))
    handle.write("\n")


def generate(out: Path, seed: int = 7, scale: Scale = SCALES["S"]) -> dict[str, int]:
    """Write a shop under ``out`` and return how many records of each kind it holds."""
    shop = ShopGenerator(seed, scale)
    counts: dict[str, int] = {}
    files = {
        name: out / relative
        for name, relative in {
            "products": "shopify/products.jsonl",
            "customers": "shopify/customers.jsonl",
            "orders": "shopify/orders.jsonl",
            "calls": "aircall/calls.jsonl",
            "transcripts": "aircall/transcripts.jsonl",
            "reviews": "judgeme/reviews.jsonl",
            "answer_key": "answer_key/texts.jsonl",
        }.items()
    }
    for path in files.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        handles = {name: stack.enter_context(path.open("w")) for name, path in files.items()}
        counts = dict.fromkeys(files, 0)

        def emit(name: str, record: dict[str, Any] | None) -> None:
            if record is not None:
                _write(handles[name], record)
                counts[name] += 1

        for product in shop.make_products():
            emit("products", product)
        for customer in shop.make_customers():
            emit("customers", customer)
        for order in shop.make_orders():
            emit("orders", order)
        for call, transcript, key in shop.make_calls():
            emit("calls", call)
            emit("transcripts", transcript)
            emit("answer_key", key)
        for review, key in shop.make_reviews():
            emit("reviews", review)
            emit("answer_key", key)
    return counts
