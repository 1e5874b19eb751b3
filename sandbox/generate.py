"""Generate a deterministic shop in the vendors' own record shapes, with planted truths.

Layout written under ``out`` (one JSON object per line, exactly as each API
returns a record):

    shopify/products.jsonl  shopify/customers.jsonl  shopify/orders.jsonl
    aircall/calls.jsonl     aircall/transcripts.jsonl
    judgeme/reviews.jsonl
    answer_key/texts.jsonl  answer_key/truths.json   (never served, never loaded)

The shop is simulated day by day over two years. Records are written as they
are made; what is kept per customer is a handful of numbers in flat arrays, so
memory grows by bytes, not records, as the shop gets bigger.
"""

from __future__ import annotations

import itertools
import math
import random
import sys
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import orjson

from sandbox.phrases import (
    NEGATED,
    NON_PURCHASE_REASONS,
    OFF_TOPIC,
    THEME_CATEGORIES,
    THEME_PHRASES,
)
from sandbox.timeline import EDIT_MARKER

SHOP_TZ = timezone(timedelta(hours=-5))
HISTORY_START = datetime(2024, 11, 4, tzinfo=UTC)  # a Monday: weeks line up with ISO weeks
HISTORY_WEEKS = 104
HISTORY_DAYS = HISTORY_WEEKS * 7
HISTORY_END = HISTORY_START + timedelta(days=HISTORY_DAYS)
END_TS = int(HISTORY_END.timestamp())
DAY = 86_400
CENT = Decimal("0.01")
TAX_RATE = Decimal("0.08")

CATEGORIES = {
    "Outerwear": ["Storm Parka", "Trail Shell", "Harbour Raincoat", "Quilted Vest", "Down Jacket"],
    "Knitwear": [
        "Merino Crew",
        "Fisherman Sweater",
        "Cable Cardigan",
        "Alpaca Beanie",
        "Wool Scarf",
    ],
    "Footwear": ["Canvas Runner", "Chelsea Boot", "Trail Sneaker", "Wool Slipper", "Hiking Boot"],
    "Bags": [
        "Weekender Duffel",
        "Roll-top Backpack",
        "Market Tote",
        "Sling Pouch",
        "Laptop Sleeve",
    ],
    "Home": ["Linen Throw", "Stoneware Mug Set", "Waffle Towel", "Cedar Candle", "Wool Blanket"],
    "Basics": ["Organic Tee", "Everyday Chino", "Rib Tank", "Loopback Hoodie", "Fleece Jogger"],
}
COLOURS = ["black", "olive", "sand", "rust", "grey", "cream", "navy", "forest"]
MARKETING = [
    "crafted for everyday adventures",
    "built to last a lifetime",
    "designed in small batches",
    "elevated essentials for modern living",
    "sustainably sourced premium materials",
    "effortless style meets uncompromising comfort",
]
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
    "Uma",
    "Victor",
    "Wen",
    "Xavier",
    "Yara",
    "Zoe",
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
AGENTS = [
    (9001, "Alex Morgan"),
    (9002, "Jamie Lee"),
    (9003, "Riley Shah"),
    (9004, "Casey Kim"),
    (9005, "Morgan Blake"),
    (9006, "Sasha Ortiz"),
]
MISSED_REASONS = [
    "agents_did_not_answer",
    "out_of_opening_hours",
    "short_abandoned",
    "abandoned_in_ivr",
    "no_available_agent",
]
PRESENTMENT = [
    ("USD", Decimal("1")),
    ("EUR", Decimal("0.92")),
    ("GBP", Decimal("0.79")),
    ("CAD", Decimal("1.37")),
]
OUTBOUND_PURPOSES = {
    "recent_purchaser_follow_up": 0.40,
    "high_value_check_in": 0.20,
    "churned_customer_deep_dive": 0.20,
    "cart_abandoner_outreach": 0.20,
}
PURPOSE_TAGS = {
    "support": "support",
    "recent_purchaser_follow_up": "follow-up",
    "high_value_check_in": "high-value",
    "churned_customer_deep_dive": "win-back",
    "cart_abandoner_outreach": "abandoned-cart",
}
# Which themes each kind of conversation tends to raise (weights before trends).
CONTEXT_THEMES = {
    "support": {
        "shipping": 5,
        "quality": 4,
        "sizing_fit": 4,
        "checkout_friction": 2,
        "stock_out": 2,
        "price": 1,
        "navigation": 1,
        "product_request": 1,
        "praise": 1,
    },
    "follow_up": {
        "praise": 6,
        "sizing_fit": 2,
        "quality": 2,
        "shipping": 2,
        "product_request": 2,
        "price": 1,
        "value_proposition": 1,
        "product_photos": 1,
    },
    "review": {
        "praise": 8,
        "quality": 3,
        "sizing_fit": 3,
        "shipping": 2,
        "price": 2,
        "product_request": 1,
        "stock_out": 1,
        "product_photos": 1,
        "competitor": 1,
        "value_proposition": 1,
        "navigation": 1,
        "slow_pages": 1,
        "popups": 1,
        "checkout_friction": 1,
    },
}
LAPSE_DAYS = 120
HIGH_VALUE_SPEND = 600.0


@dataclass(frozen=True)
class Scale:
    customers: int
    orders: int
    calls: int
    reviews: int


SCALES = {
    "XS": Scale(customers=150, orders=400, calls=250, reviews=250),
    "S": Scale(customers=800, orders=2_000, calls=1_000, reviews=1_500),
    "M": Scale(customers=60_000, orders=200_000, calls=100_000, reviews=150_000),
    "L": Scale(customers=600_000, orders=2_000_000, calls=1_000_000, reviews=1_500_000),
}


@dataclass(frozen=True)
class Plants:
    """The truths the generator plants; tests read them back from the answer key."""

    non_buyer_price_share: float = 0.11
    talked_to_aov_uplift: float = 0.27
    talked_to_share: float = 0.36
    signal_products: int = 3
    control_products: int = 2
    demand_multiplier: float = 5.0
    emerging_theme: str = "checkout_friction"
    emerging_weeks: int = 12
    seasonal_theme: str = "price"
    seasonal_months: tuple[int, ...] = (1, 11)
    # Planted demand rise week and how many weeks the asks lead it; drawn when None.
    demand_rise_week: int | None = None
    signal_lead_weeks: int | None = None
    # Customers asking for each signal product per week once its asks rise.
    signal_asks_per_week: float | None = None


VENDORS = ("shopify", "aircall", "judgeme")
# Tags as a real Aircall account might spell its call purposes: some only differ
# from the seed's names in case or separators, one is a synonym the seed lists,
# and one ("Key account") is a name no purpose knows.
UNFAMILIAR_TAGS = {
    "support": "Customer Support",
    "recent_purchaser_follow_up": "Follow_Up",
    "high_value_check_in": "Key account",
    "churned_customer_deep_dive": "WINBACK",
    "cart_abandoner_outreach": "cart_abandoner",
}
# What an order keeps when a shop fills no optional field: the contract's
# required fields, its line items and who bought it.
SPARSE_ORDER_FIELDS = {"id", "created_at", "updated_at", "total_price", "line_items", "customer"}
SPARSE_LINE_FIELDS = {"id", "product_id", "variant_id", "quantity", "price"}


@dataclass(frozen=True)
class Shape:
    """How a shop differs from the demo, as real accounts do.

    ``weeks`` of history ending where the demo's ends; ``vendors`` connected
    (the others' files stay empty); ``transcripts`` off as on an Aircall plan
    without transcription; ``sparse``: no record carries a null, an empty list
    or an empty string, and orders carry only the fields the contract requires;
    ``tag_names`` replaces the tag each call purpose is filed under.
    """

    weeks: int = HISTORY_WEEKS
    vendors: tuple[str, ...] = VENDORS
    transcripts: bool = True
    sparse: bool = False
    tag_names: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.weeks < 4:
            raise ValueError(f"a shop needs at least 4 weeks of history, got {self.weeks}")
        unknown = set(self.vendors) - set(VENDORS)
        if unknown or "shopify" not in self.vendors:
            raise ValueError(f"vendors must include shopify and be among {VENDORS}")
        if unknown_purposes := set(self.tag_names) - set(PURPOSE_TAGS):
            raise ValueError(f"unknown call purposes in tag_names: {sorted(unknown_purposes)}")

    def writes(self, name: str, record: dict[str, Any]) -> bool:
        """Whether a record of layout file ``name`` belongs in this shop."""
        vendor = {
            "calls": "aircall",
            "transcripts": "aircall",
            "reviews": "judgeme",
        }.get(name, "shopify")
        if name == "texts":
            vendor = record["source"].split("_")[0]
            if record["source"] == "aircall_transcript" and not self.transcripts:
                return False
        if name == "transcripts" and not self.transcripts:
            return False
        return vendor in self.vendors

    def shaped(self, name: str, record: dict[str, Any]) -> dict[str, Any]:
        if not self.sparse or name == "texts":
            return record
        if name == "orders":
            record = {k: v for k, v in record.items() if k in SPARSE_ORDER_FIELDS}
            record["line_items"] = [
                {k: v for k, v in line.items() if k in SPARSE_LINE_FIELDS}
                for line in record["line_items"]
            ]
            if "customer" in record:
                record["customer"] = {"id": record["customer"]["id"]}
        return _without_empty(record)


def _without_empty(value: Any) -> Any:
    """``value`` with every null, empty list and empty string left out, at any depth."""
    if isinstance(value, dict):
        kept = {k: _without_empty(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v is not None and v != [] and v != ""}
    if isinstance(value, list):
        return [_without_empty(v) for v in value]
    return value


@dataclass
class DemandPlant:
    product_id: int
    title: str
    kind: str  # "signal" or "control"
    demand_rise_week: int
    mentions_rise_week: int | None = None
    planted_mentions: int = 0


@dataclass
class Tally:
    """Running sums the answer key reports; a few numbers, whatever the shop's size."""

    non_buyer_calls: int = 0
    non_buyer_price: int = 0
    # net revenue and orders of customers planted as talked-to (True) and silent (False)
    group_net: dict[bool, float] = field(default_factory=lambda: {True: 0.0, False: 0.0})
    group_orders: dict[bool, int] = field(default_factory=lambda: {True: 0, False: 0})


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, SHOP_TZ).isoformat(timespec="seconds")


def _money(value: Decimal) -> str:
    return str(value.quantize(CENT))


def _money_set(value: Decimal, currency: str, rate: Decimal) -> dict[str, Any]:
    return {
        "shop_money": {"amount": _money(value), "currency_code": "USD"},
        "presentment_money": {"amount": _money(value * rate), "currency_code": currency},
    }


def _season(day: int, start: datetime, days: int) -> float:
    """Relative shop traffic on a day: growth over the history, a Q4 peak, a January dip."""
    moment = start + timedelta(days=day)
    growth = 1.0 + 0.5 * day / days
    month = {11: 1.5, 12: 1.8, 1: 0.8, 2: 0.85}.get(moment.month, 1.0)
    weekend = 1.15 if moment.weekday() >= 5 else 1.0
    return growth * month * weekend


LAYOUT = {
    "products": "shopify/products.jsonl",
    "customers": "shopify/customers.jsonl",
    "orders": "shopify/orders.jsonl",
    "calls": "aircall/calls.jsonl",
    "transcripts": "aircall/transcripts.jsonl",
    "reviews": "judgeme/reviews.jsonl",
    "texts": "answer_key/texts.jsonl",
}


class Writer:
    """Appends vendor records to the layout's files and counts them."""

    def __init__(self, out: Path, shape: Shape) -> None:
        self.shape = shape
        self.handles: dict[str, BinaryIO] = {}
        self.counts = dict.fromkeys(LAYOUT, 0)
        for name, relative in LAYOUT.items():
            path = out / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            self.handles[name] = path.open("wb", buffering=1 << 20)

    def write(self, name: str, record: dict[str, Any]) -> None:
        if not self.shape.writes(name, record):
            return
        handle = self.handles[name]
        handle.write(orjson.dumps(self.shape.shaped(name, record)))
        handle.write(b"\n")
        self.counts[name] += 1

    def close(self) -> None:
        for handle in self.handles.values():
            handle.close()


class ShopGenerator:
    """Simulates one shop for a seed; every random draw comes from ``self.rng``."""

    def __init__(self, seed: int, scale: Scale, plants: Plants, writer: Writer) -> None:
        self.shape = writer.shape
        # A shorter history ends where the demo's does: it starts later.
        self.weeks = self.shape.weeks
        self.days = self.weeks * 7
        self.start = HISTORY_END - timedelta(days=self.days)
        self.end_ts = END_TS
        self.seed = seed
        self.rng = random.Random(seed)
        self.scale = scale
        self.plants = plants
        self.out = writer
        self.tally = Tally()
        self.next_ids = {
            "order": 5_100_000_000_000,
            "line": 13_400_000_000_000,
            "refund": 920_000_000_000,
            "call": 1_600_000_000,
            "comment": 40_000_000,
            "review": 300_000_000,
            "misc": 70_000_000_000,
        }
        capacity = int(scale.customers * 1.2) + 16
        self.customer_created = np.zeros(capacity, dtype=np.int64)
        self.customer_last_order = np.zeros(capacity, dtype=np.int64)
        self.customer_orders = np.zeros(capacity, dtype=np.int32)
        self.customer_spent = np.zeros(capacity, dtype=np.float64)
        self.customer_net = np.zeros(capacity, dtype=np.float64)
        self.customer_talked = np.zeros(capacity, dtype=np.bool_)
        self.customers = 0
        self.recent_buyers: deque[tuple[int, int]] = deque()
        self.recent_prospects: deque[tuple[int, int]] = deque()
        self.high_value: list[int] = []
        self.products: list[dict[str, Any]] = []
        self.demand: list[DemandPlant] = []
        self.order_number = 1000
        self.issued: dict[str, int] = {}

    # identifiers and per-customer facts -------------------------------------------------
    def _id(self, kind: str) -> int:
        self.next_ids[kind] += self.rng.randint(1, 9)
        return self.next_ids[kind]

    def profile(self, index: int) -> dict[str, Any]:
        """Facts about customer ``index`` that never change, derived from the seed alone."""
        rng = random.Random(f"{self.seed}:customer:{index}")
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        uk = rng.random() < 0.25
        if rng.random() < 0.15:
            phone = None
        elif uk:
            phone = f"+447700{rng.randint(900000, 999999)}"
        else:
            phone = f"+1{rng.randint(201, 989)}555{rng.randint(1000, 9999):04d}"
        return {
            "id": 7_000_000_000_000 + index * 11,
            "first_name": first,
            "last_name": last,
            "email": f"{first}.{last}.{index}@example.com".lower(),
            "phone": phone,
            "prospect": rng.random() < 0.15,
            # Only a customer with a phone number on file can be called back or recognised.
            "talked": phone is not None and rng.random() < self.plants.talked_to_share,
            "lifetime_days": rng.expovariate(1 / 420),
            "reorder_rate": rng.uniform(0.4, 1.6),
        }

    # catalogue ----------------------------------------------------------------------------
    def make_products(self) -> None:
        created = (self.start - timedelta(days=90)).timestamp()
        for category, titles in CATEGORIES.items():
            for title in titles:
                product_id = 8_200_000_000_000 + len(self.products) * 17
                price = Decimal(self.rng.randrange(1900, 24900)) / 100
                colours = self.rng.sample(COLOURS, self.rng.randint(1, 3))
                sizes = ["S", "M", "L"] if category in ("Outerwear", "Knitwear", "Basics") else [""]
                variants = []
                for colour in colours:
                    for size in sizes:
                        label = f"{colour} / {size}" if size else colour
                        variants.append(
                            {
                                "id": product_id + 1 + len(variants),
                                "product_id": product_id,
                                "title": label,
                                "price": _money(price),
                                "sku": f"{title[:3].upper()}-{colour[:3].upper()}{size}",
                                "option1": colour,
                                "option2": size or None,
                                "inventory_quantity": self.rng.randint(0, 400),
                                "created_at": _iso(created),
                                "updated_at": _iso(created + DAY),
                            }
                        )
                pitch = " and ".join(self.rng.sample(MARKETING, 2))
                product = {
                    "id": product_id,
                    "title": title,
                    "body_html": f"<p>Our {title.lower()}: {pitch}. Premium {category.lower()} "
                    f"for people who expect more.</p>",
                    "vendor": "Earshot Outfitters",
                    "product_type": category,
                    "handle": title.lower().replace(" ", "-"),
                    "status": "active",
                    "tags": f"{category.lower()}, core",
                    "created_at": _iso(created),
                    "updated_at": _iso(created + DAY),
                    "published_at": _iso(created),
                    "variants": variants,
                    "options": [{"name": "Colour", "values": colours}],
                    "images": [
                        {"id": product_id + 900, "src": f"https://cdn.example.com/{product_id}.jpg"}
                    ],
                }
                self.products.append(product)
                self.out.write("products", product)
        self._plant_demand()

    def _plant_demand(self) -> None:
        """Pick products whose demand will rise: some after customers ask for them, some not."""
        chosen = self.rng.sample(
            self.products, self.plants.signal_products + self.plants.control_products
        )
        for number, product in enumerate(chosen):
            rise = self._rise_week()
            if number < self.plants.signal_products:
                lead = self.plants.signal_lead_weeks or self.rng.randint(3, 5)
                self.demand.append(
                    DemandPlant(
                        product["id"],
                        product["title"],
                        "signal",
                        rise,
                        mentions_rise_week=max(0, rise - lead),
                    )
                )
            else:
                self.demand.append(DemandPlant(product["id"], product["title"], "control", rise))

    def _rise_week(self) -> int:
        if self.plants.demand_rise_week is not None:
            return self.plants.demand_rise_week
        if self.weeks >= 74:
            return self.rng.randint(60, self.weeks - 14)
        return self.rng.randint(self.weeks // 2, max(self.weeks // 2, self.weeks - 6))

    def product_weights(self, week: int) -> list[float]:
        multipliers = {
            plant.product_id: self.plants.demand_multiplier
            for plant in self.demand
            if week >= plant.demand_rise_week
        }
        return [multipliers.get(p["id"], 1.0) for p in self.products]

    # text -----------------------------------------------------------------------------------
    def theme_weights(self, context: str, week: int) -> dict[str, float]:
        weights = {theme: float(w) for theme, w in CONTEXT_THEMES[context].items()}
        for theme in THEME_CATEGORIES:
            weights.setdefault(theme, 0.3)
        weeks_left = self.weeks - week
        if weeks_left <= self.plants.emerging_weeks:
            ramp = 1 - weeks_left / self.plants.emerging_weeks
            weights[self.plants.emerging_theme] *= 1 + 10 * ramp
        month = (self.start + timedelta(weeks=week)).month
        if month in self.plants.seasonal_months:
            weights[self.plants.seasonal_theme] *= 3.0
        return weights

    def _typo(self, text: str) -> str:
        words = text.split(" ")
        candidates = [i for i, word in enumerate(words) if len(word) > 4 and word.isalpha()]
        if not candidates:
            return text
        i = self.rng.choice(candidates)
        word = words[i]
        j = self.rng.randrange(1, len(word) - 1)
        words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
        return " ".join(words)

    def compose(
        self,
        product: dict[str, Any],
        week: int,
        context: str,
        forced: list[str] | None = None,
        lead: str | None = None,
    ) -> tuple[str, list[str], float]:
        """A customer's words, the themes they truly carry, and their sentiment score.

        ``forced`` names the themes to use (``[]`` for none besides ``lead``);
        ``None`` draws them from the week's theme weights for the context.
        """
        rng = self.rng
        themes = list(forced or [])
        if forced is None:
            weights = self.theme_weights(context, week)
            count = rng.choices([0, 1, 2, 3], weights=[1, 10, 5, 1])[0]
            names = list(weights)
            while len(themes) < count:
                theme = rng.choices(names, weights=[weights[n] for n in names])[0]
                if theme not in themes:
                    themes.append(theme)
        parts: list[tuple[str, float]] = []
        if lead:
            parts.append((lead, -0.3))
        for theme in themes:
            phrase, score = rng.choice(THEME_PHRASES[theme])
            parts.append((phrase.format(product=product["title"].lower()), score))
        if rng.random() < 0.12:
            decoy_theme = rng.choice(sorted(NEGATED))
            if decoy_theme not in themes:
                parts.append(rng.choice(NEGATED[decoy_theme]))
        rng.shuffle(parts)
        if not parts or rng.random() < 0.25:
            parts.insert(rng.randrange(len(parts) + 1), (rng.choice(OFF_TOPIC), 0.0))
        text = ". ".join(p[0][0].upper() + p[0][1:] for p in parts) + "."
        if rng.random() < 0.15:
            text = self._typo(text)
        scores = [score for _, score in parts]
        return text, sorted(themes), round(sum(scores) / len(scores), 3)

    @staticmethod
    def sentiment_label(score: float, themes: list[str]) -> str:
        positive = any(t == "praise" for t in themes)
        negative = any(THEME_CATEGORIES[t] in ("pain_point", "site_experience") for t in themes)
        if positive and negative:
            return "mixed"
        if score > 0.2:
            return "positive"
        if score < -0.2:
            return "negative"
        return "neutral"

    def answer(self, source: str, record_id: int, text_facts: dict[str, Any]) -> None:
        self.out.write("texts", {"source": source, "record_id": record_id, **text_facts})

    # the day-by-day simulation --------------------------------------------------------------
    def run(self, progress: bool) -> None:
        self.make_products()
        weights = list(
            itertools.accumulate(_season(day, self.start, self.days) for day in range(self.days))
        )
        started = time.perf_counter()
        for day in range(self.days):
            self.simulate_day(day, weights[day] / weights[-1])
            if progress and (day + 1) % 30 == 0:
                counts = self.out.counts
                print(
                    f"  day {day + 1}/{self.days}: {counts['orders']:,} orders, "
                    f"{counts['calls']:,} calls, {counts['reviews']:,} reviews "
                    f"({time.perf_counter() - started:.0f}s)",
                    file=sys.stderr,
                    flush=True,
                )
        self.write_customers()

    def _draw(self, expected: float) -> int:
        whole = int(expected)
        return whole + (1 if self.rng.random() < expected - whole else 0)

    def _quota(self, name: str, target: float, share_so_far: float) -> int:
        """How many of ``name`` today, so that the running total tracks the target exactly."""
        due = round(target * share_so_far)
        today = max(0, due - self.issued.get(name, 0))
        self.issued[name] = self.issued.get(name, 0) + today
        return today

    def simulate_day(self, day: int, share_so_far: float) -> None:
        day_start = int(self.start.timestamp()) + day * DAY
        week = day // 7
        product_weights = self.product_weights(week)
        while self.recent_buyers and self.recent_buyers[0][0] < day_start - 30 * DAY:
            self.recent_buyers.popleft()
        while self.recent_prospects and self.recent_prospects[0][0] < day_start - 4 * DAY:
            self.recent_prospects.popleft()

        orders_today = self._quota("orders", self.scale.orders, share_so_far)
        placed = 0
        for _ in range(self._quota("customers", self.scale.customers, share_so_far)):
            index = self.new_customer(day_start)
            if not self.profile(index)["prospect"] and placed < orders_today:
                self.place_order(index, day_start, week, product_weights)
                placed += 1
        attempts = 0
        while placed < orders_today and attempts < orders_today * 20:
            attempts += 1
            if self.rng.random() < 0.07 or self.customers == 0:
                self.place_order(None, day_start, week, product_weights)
                placed += 1
                continue
            index = self.rng.randrange(self.customers)
            if self.is_active(index, day_start):
                self.place_order(index, day_start, week, product_weights)
                placed += 1

        # Welcome calls to new talked-to buyers come on top; these fill the rest of the target.
        calls_today = self._quota("calls", self.scale.calls * 0.85, share_so_far)
        for _ in range(calls_today):
            self.make_call(day_start, week)
        self.plant_requests(day_start, week)

    def new_customer(self, day_start: int) -> int:
        index = self.customers
        if index >= len(self.customer_created):
            grow = len(self.customer_created) // 2 + 16
            for name in (
                "customer_created",
                "customer_last_order",
                "customer_orders",
                "customer_spent",
                "customer_net",
                "customer_talked",
            ):
                array = getattr(self, name)
                setattr(self, name, np.concatenate([array, np.zeros(grow, dtype=array.dtype)]))
        self.customers += 1
        self.customer_created[index] = day_start + self.rng.randrange(DAY)
        if self.profile(index)["prospect"]:
            self.recent_prospects.append((day_start, index))
        return index

    def is_active(self, index: int, day_start: int) -> bool:
        facts = self.profile(index)
        if facts["prospect"] or self.customer_created[index] >= day_start:
            return False
        lifetime = facts["lifetime_days"] * (1.3 if facts["talked"] else 1.0)
        if day_start - self.customer_created[index] > lifetime * DAY:
            return False
        return self.rng.random() < min(1.0, 0.6 * facts["reorder_rate"])

    def place_order(
        self, index: int | None, day_start: int, week: int, product_weights: list[float]
    ) -> None:
        rng = self.rng
        placed = day_start + rng.randrange(DAY)
        if index is not None:
            placed = max(placed, int(self.customer_created[index]) + 60)
        facts = self.profile(index) if index is not None else None
        currency, rate = rng.choices(PRESENTMENT, weights=[16, 2, 1, 1])[0]
        line_count = rng.choices([1, 2, 3], weights=[6, 3, 1])[0]
        if facts and facts["talked"] and self.below_planted_uplift():
            line_count += 1
        line_items = []
        for product in rng.choices(self.products, weights=product_weights, k=line_count):
            variant = rng.choice(product["variants"])
            price = Decimal(variant["price"])
            quantity = rng.choices([1, 2, 3], weights=[8, 2, 1])[0]
            line_items.append(
                {
                    "id": self._id("line"),
                    "product_id": product["id"],
                    "variant_id": variant["id"],
                    "title": product["title"],
                    "variant_title": variant["title"],
                    "name": f"{product['title']} - {variant['title']}",
                    "sku": variant["sku"],
                    "vendor": product["vendor"],
                    "quantity": quantity,
                    "current_quantity": quantity,
                    "price": _money(price),
                    "price_set": _money_set(price, currency, rate),
                    "total_discount": "0.00",
                    "taxable": True,
                    "requires_shipping": True,
                    "gift_card": False,
                }
            )
        if rng.random() < 0.02:
            line_items[0]["product_id"] = None  # a custom or since-deleted item
            line_items[0]["variant_id"] = None
        subtotal = sum(Decimal(li["price"]) * li["quantity"] for li in line_items)
        discount = (
            (subtotal * Decimal("0.10")).quantize(CENT) if rng.random() < 0.15 else Decimal(0)
        )
        tax = ((subtotal - discount) * TAX_RATE).quantize(CENT)
        shipping = Decimal("0.00") if subtotal > 100 else Decimal("7.95")
        total = subtotal - discount + tax + shipping
        order_id = self._id("order")
        self.order_number += 1
        is_test = rng.random() < 0.004
        cancelled_at = placed + rng.randrange(600, 2 * DAY) if rng.random() < 0.025 else None
        if cancelled_at is not None and cancelled_at >= self.end_ts:
            cancelled_at = None
        email = facts["email"] if facts else f"guest{self.order_number}@example.net"
        order: dict[str, Any] = {
            "id": order_id,
            "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
            "name": f"#{self.order_number}",
            "order_number": self.order_number,
            "number": self.order_number - 1000,
            "email": email,
            "contact_email": email,
            "phone": None,
            "created_at": _iso(placed),
            "processed_at": _iso(placed),
            "currency": "USD",
            "presentment_currency": currency,
            "subtotal_price": _money(subtotal),
            "subtotal_price_set": _money_set(subtotal, currency, rate),
            "total_line_items_price": _money(subtotal),
            "total_discounts": _money(discount),
            "total_tax": _money(tax),
            "total_price": _money(total),
            "total_price_set": _money_set(total, currency, rate),
            "total_shipping_price_set": _money_set(shipping, currency, rate),
            "financial_status": "paid",
            "fulfillment_status": None,
            "confirmed": True,
            "cancelled_at": None,
            "cancel_reason": None,
            "closed_at": None,
            "note": None,
            "test": is_test,
            "tags": "",
            "source_name": rng.choice(["web", "web", "web", "shopify_draft_order", "pos"]),
            "taxes_included": False,
            "discount_codes": (
                [{"code": "WELCOME10", "amount": _money(discount), "type": "percentage"}]
                if discount
                else []
            ),
            "shipping_lines": [
                {
                    "id": self._id("misc"),
                    "title": "Standard",
                    "code": "STD",
                    "price": _money(shipping),
                    "source": "shopify",
                }
            ],
            "tax_lines": [{"title": "Sales Tax", "rate": float(TAX_RATE), "price": _money(tax)}],
            "line_items": line_items,
            "fulfillments": [],
            "refunds": [],
        }
        if facts is not None:
            order["customer"] = {
                "id": facts["id"],
                "email": facts["email"],
                "first_name": facts["first_name"],
                "last_name": facts["last_name"],
                "phone": facts["phone"],
                "created_at": _iso(int(self.customer_created[index])),
            }
        events = [placed]
        net = subtotal - discount
        if cancelled_at is not None:
            order.update(
                {
                    "cancelled_at": _iso(cancelled_at),
                    "cancel_reason": "customer",
                    "financial_status": "voided",
                    "closed_at": _iso(cancelled_at),
                }
            )
            events.append(cancelled_at)
            net = Decimal(0)
        elif (fulfilled := placed + rng.randrange(3600, 3 * DAY)) < self.end_ts:
            order["fulfillments"].append(
                {
                    "id": self._id("misc"),
                    "order_id": order_id,
                    "status": "success",
                    "created_at": _iso(fulfilled),
                    "updated_at": _iso(fulfilled),
                }
            )
            order["fulfillment_status"] = "fulfilled"
            events.append(fulfilled)
            refunded_at = fulfilled + rng.randrange(2 * DAY, 25 * DAY)
            if rng.random() < 0.06 and refunded_at < self.end_ts:
                refunded = rng.choice(line_items)
                amount = Decimal(refunded["price"])
                order["refunds"].append(
                    {
                        "id": self._id("refund"),
                        "order_id": order_id,
                        "created_at": _iso(refunded_at),
                        "processed_at": _iso(refunded_at),
                        "note": "Customer return",
                        "restock": True,
                        "refund_line_items": [
                            {
                                "id": self._id("misc"),
                                "line_item_id": refunded["id"],
                                "quantity": 1,
                                "restock_type": "return",
                                "subtotal": float(amount),
                                "total_tax": float((amount * TAX_RATE).quantize(CENT)),
                                "line_item": refunded,
                            }
                        ],
                    }
                )
                order["financial_status"] = "partially_refunded"
                events.append(refunded_at)
                net -= amount
        edited_at = max(events) + rng.randrange(600, 5 * DAY)
        if rng.random() < 0.05 and edited_at < self.end_ts:
            order["note"] = rng.choice(
                ["Please leave with a neighbour", "Gift: no receipt", "Changed delivery address"]
            )
            events.append(edited_at)
        order["updated_at"] = _iso(max(events))
        self.out.write("orders", order)

        if index is None or is_test or cancelled_at is not None:
            return
        self.tally.group_orders[facts["talked"]] += 1
        self.tally.group_net[facts["talked"]] += float(net)
        self.customer_orders[index] += 1
        self.customer_spent[index] += float(total)
        self.customer_net[index] += float(net)
        self.customer_last_order[index] = placed
        self.recent_buyers.append((day_start, index))
        if self.customer_spent[index] >= HIGH_VALUE_SPEND and (
            self.customer_spent[index] - float(total) < HIGH_VALUE_SPEND
        ):
            self.high_value.append(index)
        if facts["talked"] and self.customer_orders[index] == 1:
            # The welcome call is retried on the following days until the customer picks up.
            attempt_at = placed + rng.randrange(DAY, 2 * DAY)
            for _ in range(5):
                if self.call(index, attempt_at, week, "recent_purchaser_follow_up", connect=None):
                    break
                attempt_at += rng.randrange(DAY, 2 * DAY)
        if rng.random() < min(1.0, self.scale.reviews / self.scale.orders * 1.2):
            self.review(index, order, fulfilled_after=max(events), week=week)

    def below_planted_uplift(self) -> bool:
        """Whether talked-to customers' AOV so far trails silent customers' by the planted uplift.

        Steering each talked-to order by the running averages keeps the realized
        uplift on the setting even in a small shop, where chance alone would
        move it by several points.
        """
        tally = self.tally
        if not tally.group_orders[False] or not tally.group_orders[True]:
            return self.rng.random() < self.plants.talked_to_aov_uplift
        silent = tally.group_net[False] / tally.group_orders[False]
        talked = tally.group_net[True] / tally.group_orders[True]
        return talked < silent * (1 + self.plants.talked_to_aov_uplift)

    # calls -----------------------------------------------------------------------------------
    def make_call(self, day_start: int, week: int) -> None:
        rng = self.rng
        moment = day_start + rng.randrange(8 * 3600, 20 * 3600)
        if rng.random() < 0.45:
            # Support calls come from recent buyers who talk to the shop.
            for _ in range(10):
                if not self.recent_buyers:
                    return
                _, index = rng.choice(self.recent_buyers)
                if self.profile(index)["talked"]:
                    self.call(index, moment, week, "support", connect=None)
                    return
            return
        purpose = rng.choices(list(OUTBOUND_PURPOSES), weights=list(OUTBOUND_PURPOSES.values()))[0]
        index = self.pick_for(purpose, day_start)
        if index is not None:
            self.call(index, moment, week, purpose, connect=None)

    def pick_for(self, purpose: str, day_start: int) -> int | None:
        rng = self.rng
        if purpose == "recent_purchaser_follow_up":
            latest = itertools.islice(reversed(self.recent_buyers), 50)
            recent = [i for t, i in latest if t >= day_start - 3 * DAY]
            return rng.choice(recent) if recent else None
        if purpose == "high_value_check_in":
            return rng.choice(self.high_value) if self.high_value else None
        if purpose == "cart_abandoner_outreach":
            return rng.choice(self.recent_prospects)[1] if self.recent_prospects else None
        for _ in range(30):
            if self.customers == 0:
                return None
            index = rng.randrange(self.customers)
            last = self.customer_last_order[index]
            if last and day_start - last > LAPSE_DAYS * DAY:
                return index
        return None

    def call(self, index: int, started: int, week: int, purpose: str, connect: bool | None) -> bool:
        """Place a call; returns whether somebody picked up."""
        rng = self.rng
        facts = self.profile(index)
        direction = "inbound" if purpose == "support" else "outbound"
        if connect is None:
            # Silent customers never pick up (nor call in): that is what makes them silent.
            chance = 0.85 if direction == "inbound" else 0.7
            connect = facts["talked"] and rng.random() < chance
        if started + 3 * DAY >= self.end_ts:
            return False
        call_id = self._id("call")
        ring = rng.randint(5, 35)
        talk = rng.randint(45, 900) if connect else 0
        ended = started + ring + talk
        agent_id, agent_name = rng.choice(AGENTS)
        number = facts["phone"] or f"+1{rng.randint(201, 989)}555{rng.randint(1000, 9999):04d}"
        tag_at = ended + rng.randrange(60, 2 * DAY)
        call: dict[str, Any] = {
            "id": call_id,
            "direct_link": f"https://api.aircall.io/v1/calls/{call_id}",
            "direction": direction,
            "status": "done",
            "missed_call_reason": None if connect else rng.choice(MISSED_REASONS),
            "started_at": started,
            "answered_at": started + ring if connect else None,
            "ended_at": ended,
            "duration": ring + talk,
            "cost": f"{rng.uniform(0, 0.4):.3f}" if direction == "outbound" else "0.0",
            "hangup_cause": None,
            "raw_digits": self._raw_digits(number),
            "voicemail": None,
            "recording": None,
            "asset": None,
            "archived": rng.random() < 0.1,
            "contact": None,
            "number": {
                "id": 404821,
                "digits": "+1 888-555-0100",
                "country": "US",
                "name": "Customer team",
            },
            "teams": [],
            "tags": [
                {
                    "id": 100 + list(PURPOSE_TAGS).index(purpose),
                    "name": self.shape.tag_names.get(purpose, PURPOSE_TAGS[purpose]),
                    "tagged_at": tag_at,
                }
            ],
            "comments": [],
        }
        if connect:
            self.customer_talked[index] = True
            call["user"] = {
                "id": agent_id,
                "name": agent_name,
                "direct_link": f"https://api.aircall.io/v1/users/{agent_id}",
            }
            self.converse(call, index, week, purpose, agent_id, agent_name)
        self.out.write("calls", call)
        return connect

    def converse(
        self, call: dict, index: int, week: int, purpose: str, agent_id: int, agent_name: str
    ) -> None:
        rng = self.rng
        product = rng.choice(self.products)
        facts: dict[str, Any] = {"call_id": call["id"], "product_id": product["id"]}
        non_buyer = purpose in ("cart_abandoner_outreach", "churned_customer_deep_dive")
        if non_buyer:
            reason = self.non_purchase_reason()
            theme, phrasings = NON_PURCHASE_REASONS[reason]
            text, _, score = self.compose(
                product, week, "follow_up", forced=[], lead=rng.choice(phrasings)
            )
            themes = [theme] if theme else []
            facts.update(
                non_purchase_reason=reason,
                non_buyer_kind="cart_abandoner"
                if purpose == "cart_abandoner_outreach"
                else "lapsed",
            )
        else:
            context = "support" if purpose == "support" else "follow_up"
            text, themes, score = self.compose(product, week, context)
        facts.update(
            themes=themes,
            sentiment=self.sentiment_label(score, themes),
            sentiment_score=score,
            said_at=_iso(call["started_at"]),
        )
        comment_id = self._id("comment")
        note = rng.choice(["{t}", "Customer said: {t}", "Cust: {t}", "Spoke to customer. {t}"])
        call["comments"].append(
            {
                "id": comment_id,
                "content": note.format(t=text),
                "posted_at": call["ended_at"] + rng.randrange(30, 6 * 3600),
                "posted_by": {"id": agent_id, "name": agent_name},
            }
        )
        self.answer("aircall_comment", comment_id, facts)
        if rng.random() < 0.3:
            self.out.write(
                "transcripts",
                {
                    "id": self._id("misc"),
                    "call_id": call["id"],
                    "call_created_at": _iso(call["started_at"]),
                    "content": {
                        "language": "en",
                        "utterances": [
                            {
                                "start_time": 0.0,
                                "end_time": 3.2,
                                "participant_type": "internal",
                                "text": "Hi, this is the customer team, how can I help?",
                            },
                            {
                                "start_time": 3.6,
                                "end_time": 14.0,
                                "participant_type": "external",
                                "text": text,
                            },
                            {
                                "start_time": 14.5,
                                "end_time": 17.0,
                                "participant_type": "internal",
                                "text": "Thanks, I have noted that down for the team.",
                            },
                        ],
                    },
                },
            )
            self.answer("aircall_transcript", call["id"], facts)

    def non_purchase_reason(self) -> str:
        """Spread reasons so the share citing price tracks the planted setting exactly."""
        tally = self.tally
        tally.non_buyer_calls += 1
        due = math.floor(tally.non_buyer_calls * self.plants.non_buyer_price_share + 0.5)
        if due > tally.non_buyer_price:
            tally.non_buyer_price += 1
            return "price"
        others = [r for r in NON_PURCHASE_REASONS if r != "price"]
        return self.rng.choice(others)

    def _raw_digits(self, phone: str) -> str:
        """Aircall's formatting of a number, which rarely matches Shopify's E.164."""
        if phone.startswith("+44"):
            national = phone[3:]
            return f"+44 {national[:4]} {national[4:]}"
        area, exchange, line = phone[2:5], phone[5:8], phone[8:]
        return self.rng.choice(
            [
                f"+1 {area}-{exchange}-{line}",
                f"+1 ({area}) {exchange}-{line}",
                f"+1 {area} {exchange} {line}",
            ]
        )

    def plant_requests(self, day_start: int, week: int) -> None:
        """Customers asking for a signal product, weeks before its demand rises."""
        per_week = self.plants.signal_asks_per_week or max(
            3.0, self.scale.orders / self.weeks * 0.015
        )
        for plant in self.demand:
            if plant.kind != "signal" or week < plant.mentions_rise_week:
                continue
            product = next(p for p in self.products if p["id"] == plant.product_id)
            for _ in range(self._draw(per_week / 7)):
                if not self.customers:
                    return
                index = self.rng.randrange(self.customers)
                theme = self.rng.choice(["stock_out", "product_request"])
                plant.planted_mentions += 1
                self.review(
                    index,
                    None,
                    fulfilled_after=day_start,
                    week=week,
                    product=product,
                    forced=[theme],
                    delay=(0, DAY),
                )

    # reviews ---------------------------------------------------------------------------------
    def review(
        self,
        index: int,
        order: dict[str, Any] | None,
        fulfilled_after: int,
        week: int,
        product: dict[str, Any] | None = None,
        forced: list[str] | None = None,
        delay: tuple[int, int] = (DAY, 20 * DAY),
    ) -> None:
        rng = self.rng
        if product is None:
            line = rng.choice(order["line_items"])
            product = next((p for p in self.products if p["id"] == line["product_id"]), None)
            if product is None:
                return
        created = fulfilled_after + rng.randrange(*delay)
        if created >= self.end_ts:
            return
        # Themes follow the week the review is written in, not the week of the order.
        week = int((created - self.start.timestamp()) // (7 * DAY))
        facts = self.profile(index)
        body, themes, score = self.compose(product, week, "review", forced=forced)
        rating = 5 if score > 0.5 else 4 if score > 0.1 else 3 if score > -0.25 else 2
        if score < -0.55:
            rating = 1
        updated = created
        edited = created + rng.randrange(DAY, 30 * DAY)
        if rng.random() < 0.04 and edited < self.end_ts:
            updated = edited
            body += f"{EDIT_MARKER}the replacement arrived and it's perfect, thank you."
            themes = sorted({*themes, "praise"})
            score = round((score + 0.8) / 2, 3)
        review_id = self._id("review")
        known = rng.random() < 0.7
        email = facts["email"] if known or rng.random() < 0.5 else facts["email"].title()
        title = body.split(".")[0]
        review = {
            "id": review_id,
            "title": title[:60],
            "body": body,
            "rating": rating,
            "product_external_id": product["id"],
            "product_title": product["title"],
            "product_handle": product["handle"],
            "reviewer": {
                "id": 50_000_000 + index,
                "external_id": facts["id"] if known else None,
                "email": email,
                "name": f"{facts['first_name']} {facts['last_name'][0]}.",
                "phone": None,
                "tags": rng.choice([None, "", "vip", ["repeat", "newsletter"]]),
                "accepts_marketing": rng.random() < 0.5,
            },
            "source": rng.choice(["web", "email", "import"]),
            "curated": "ok",
            "published": True,
            "hidden": False,
            "verified": "buyer" if order is not None else "nothing",
            "ip_address": None,
            "has_published_pictures": False,
            "has_published_videos": False,
            "pictures": [],
            "created_at": _iso(created),
            "updated_at": _iso(updated),
        }
        self.out.write("reviews", review)
        self.answer(
            "judgeme_review",
            review_id,
            {
                "product_id": product["id"],
                "themes": themes,
                "sentiment": self.sentiment_label(score, themes),
                "sentiment_score": score,
                "said_at": _iso(created),
            },
        )

    # customers last, when their order counts are known ----------------------------------
    def write_customers(self) -> None:
        for index in range(self.customers):
            facts = self.profile(index)
            created = int(self.customer_created[index])
            last = int(self.customer_last_order[index])
            self.out.write(
                "customers",
                {
                    "id": facts["id"],
                    "email": facts["email"],
                    "first_name": facts["first_name"],
                    "last_name": facts["last_name"],
                    "phone": facts["phone"],
                    "created_at": _iso(created),
                    "updated_at": _iso(max(created, last)),
                    "orders_count": int(self.customer_orders[index]),
                    "total_spent": f"{self.customer_spent[index]:.2f}",
                    "state": "enabled",
                    "verified_email": True,
                    "tags": "prospect" if facts["prospect"] else "",
                    "currency": "USD",
                    "email_marketing_consent": {
                        "state": "subscribed" if index % 3 else "not_subscribed"
                    },
                },
            )

    def truths(self) -> dict[str, Any]:
        buyers = self.customer_orders[: self.customers] > 0
        talked = self.customer_talked[: self.customers]

        def group(mask: np.ndarray) -> dict[str, float]:
            orders = float(self.customer_orders[: self.customers][mask].sum())
            net = float(self.customer_net[: self.customers][mask].sum())
            customers = int(mask.sum())
            return {
                "customers": customers,
                "aov": round(net / orders, 4) if orders else 0.0,
                "ltv": round(net / customers, 4) if customers else 0.0,
            }

        talked_group, silent_group = group(buyers & talked), group(buyers & ~talked)
        tally = self.tally
        return {
            "seed": self.seed,
            "scale": asdict(self.scale),
            "history": {
                "start": self.start.isoformat(),
                "end": HISTORY_END.isoformat(),
                "weeks": self.weeks,
            },
            "non_buyer_price_share": {
                "setting": self.plants.non_buyer_price_share,
                "realized": round(tally.non_buyer_price / tally.non_buyer_calls, 4)
                if tally.non_buyer_calls
                else None,
                "non_buyer_conversations": tally.non_buyer_calls,
                "definition": "connected cart-abandoner and win-back calls whose stated "
                "non_purchase_reason is price",
            },
            "talked_to_uplift": {
                "setting_aov": self.plants.talked_to_aov_uplift,
                "talked_to": talked_group,
                "silent": silent_group,
                "realized_aov": round(talked_group["aov"] / silent_group["aov"] - 1, 4)
                if silent_group["aov"]
                else None,
                "realized_ltv": round(talked_group["ltv"] / silent_group["ltv"] - 1, 4)
                if silent_group["ltv"]
                else None,
                "definition": "buyers (one or more non-test, non-cancelled orders) with at least "
                "one answered call vs without; revenue net of discounts and "
                "refunds, before tax and shipping",
            },
            "demand": [
                {
                    **asdict(plant),
                    "mentions_rise_week_start": (
                        self.start + timedelta(weeks=plant.mentions_rise_week)
                    )
                    .date()
                    .isoformat()
                    if plant.mentions_rise_week is not None
                    else None,
                    "demand_rise_week_start": (self.start + timedelta(weeks=plant.demand_rise_week))
                    .date()
                    .isoformat(),
                }
                for plant in self.demand
            ],
            "theme_trends": {
                "emerging": {
                    "theme": self.plants.emerging_theme,
                    "from_week": self.weeks - self.plants.emerging_weeks,
                    "from_week_start": (
                        self.start + timedelta(weeks=self.weeks - self.plants.emerging_weeks)
                    )
                    .date()
                    .isoformat(),
                },
                "seasonal": {
                    "theme": self.plants.seasonal_theme,
                    "peak_months": list(self.plants.seasonal_months),
                },
            },
            "theme_categories": THEME_CATEGORIES,
            "negation": 'a phrasing that denies a theme ("it\'s not the price") does not carry it',
        }


def generate(
    out: Path,
    seed: int = 7,
    scale: Scale = SCALES["S"],
    plants: Plants | None = None,
    progress: bool = False,
    shape: Shape | None = None,
) -> dict[str, int]:
    """Write a shop under ``out`` and return how many records of each kind it holds."""
    shape = shape or Shape()
    writer = Writer(Path(out), shape)
    shop = ShopGenerator(seed, scale, plants or Plants(), writer)
    try:
        shop.run(progress)
    finally:
        writer.close()
    truths = shop.truths()
    truths["counts"] = dict(writer.counts)
    truths["shape"] = asdict(shape)
    (Path(out) / "answer_key" / "truths.json").write_bytes(
        orjson.dumps(truths, option=orjson.OPT_INDENT_2)
    )
    return dict(writer.counts)
