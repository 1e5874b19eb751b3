"""Rate limits as the vendors apply them, and the faults the twins can inject."""

from __future__ import annotations

import math
import random
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

Clock = Callable[[], float]


@dataclass(frozen=True)
class LimitSettings:
    """``vendor`` is what the real APIs enforce; ``fast`` keeps the rules with room to spare."""

    shopify_bucket: int
    shopify_leak_per_second: float
    aircall_per_minute: int

    @classmethod
    def named(cls, mode: str) -> LimitSettings | None:
        if mode == "vendor":
            return cls(shopify_bucket=40, shopify_leak_per_second=2.0, aircall_per_minute=60)
        if mode == "fast":
            return cls(shopify_bucket=400, shopify_leak_per_second=200.0, aircall_per_minute=6000)
        if mode == "off":
            return None
        raise ValueError(f"unknown rate-limit mode {mode!r}: use vendor, fast or off")


class LeakyBucket:
    """Shopify's REST limit: each request adds one; the bucket drains at a steady rate."""

    def __init__(self, capacity: int, leak_per_second: float, clock: Clock = time.monotonic):
        self.capacity = capacity
        self.leak_per_second = leak_per_second
        self.clock = clock
        self.level = 0.0
        self.last = clock()

    def take(self) -> tuple[bool, int]:
        """(allowed, level to report in ``X-Shopify-Shop-Api-Call-Limit``)."""
        now = self.clock()
        self.level = max(0.0, self.level - (now - self.last) * self.leak_per_second)
        self.last = now
        if self.level + 1 > self.capacity:
            return False, self.capacity
        self.level += 1
        return True, math.ceil(self.level)


class MinuteWindow:
    """Aircall's limit: so many requests per minute, counted in fixed one-minute windows."""

    def __init__(self, per_minute: int, clock: Clock = time.time):
        self.per_minute = per_minute
        self.clock = clock
        self.window = -1
        self.used = 0

    def take(self) -> tuple[bool, dict[str, str]]:
        now = self.clock()
        window = int(now // 60)
        if window != self.window:
            self.window, self.used = window, 0
        allowed = self.used < self.per_minute
        if allowed:
            self.used += 1
        headers = {
            "X-AircallApi-Limit": str(self.per_minute),
            "X-AircallApi-Remaining": str(self.per_minute - self.used),
            "X-AircallApi-Reset": str((window + 1) * 60),
        }
        return allowed, headers


@dataclass
class FaultPlan:
    """What goes wrong, and how often (each rate is a probability per request or record)."""

    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (500, 502, 503)
    storm_every: int = 0
    storm_length: int = 5
    slow_rate: float = 0.0
    slow_seconds: float = 2.0
    drop_rate: float = 0.0
    malformed_rate: float = 0.0
    bad_record_rate: float = 0.0
    seed: int = 0

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> FaultPlan:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(unknown)}")
        plan = cls(**values)
        plan.error_statuses = tuple(int(s) for s in plan.error_statuses)
        return plan


@dataclass
class Decision:
    """What to do to one response."""

    status: int | None = None
    slow_seconds: float = 0.0
    drop: bool = False
    malformed: bool = False


@dataclass
class FaultInjector:
    plan: FaultPlan = field(default_factory=FaultPlan)
    requests: int = 0
    storm_left: int = 0

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.rng = random.Random(self.plan.seed)

    def replan(self, plan: FaultPlan) -> None:
        with self.lock:
            self.plan, self.rng = plan, random.Random(plan.seed)
            self.requests, self.storm_left = 0, 0

    def decide(self) -> Decision:
        """Draw the faults for the next request, deterministically for the plan's seed."""
        with self.lock:
            plan, rng = self.plan, self.rng
            self.requests += 1
            decision = Decision()
            if plan.storm_every and self.requests % plan.storm_every == 0:
                self.storm_left = plan.storm_length
            if self.storm_left:
                self.storm_left -= 1
                decision.status = 429
                return decision
            if rng.random() < plan.error_rate:
                decision.status = rng.choice(plan.error_statuses)
                return decision
            if rng.random() < plan.slow_rate:
                decision.slow_seconds = plan.slow_seconds
            if rng.random() < plan.drop_rate:
                decision.drop = True
            elif rng.random() < plan.malformed_rate:
                decision.malformed = True
            return decision

    def spoil(self, record: dict[str, Any], required: tuple[str, ...]) -> dict[str, Any]:
        """The record, or a copy broken the way bad vendor data is (same record, same damage)."""
        rate = self.plan.bad_record_rate
        if not rate or "id" not in record:
            return record
        draw = zlib.crc32(f"{self.plan.seed}:{record['id']}".encode()) / 2**32
        if draw >= rate:
            return record
        broken = dict(record)
        field_name = required[int(draw / rate * len(required)) % len(required)]
        if int(draw / rate * 997) % 2:
            broken.pop(field_name, None)
        else:
            broken[field_name] = {"unexpected": "object"} if field_name != "id" else "not-a-number"
        return broken
