"""One loopback HTTP server that answers like Shopify, Aircall and Judge.me.

The three vendors' paths do not overlap (``/admin/api/...``, ``/v1/calls``,
``/api/v1/reviews``), so one server plays all of them: a loader points each
source's base URL here and speaks the real contract (``docs/CONTRACTS.md`` in
the shared folder). On top of the contract, the twins can be told what time it
is (records appear and change as simulated days pass), apply the vendors' rate
limits or a faster bucket, and inject faults. Those controls live under
``/_sandbox/``, a path no vendor uses.
"""

from __future__ import annotations

import base64
import binascii
import threading
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import numpy as np
import orjson

from sandbox import timeline
from sandbox.limits import FaultInjector, FaultPlan, LeakyBucket, LimitSettings, MinuteWindow
from sandbox.store import (
    Store,
    call_columns,
    review_columns,
    shopify_columns,
    transcript_columns,
)

SHOPIFY_RESOURCES = ("orders", "customers", "products")
SHOPIFY_VERSIONS = ("2024-10", "2025-01", "2025-04", "2025-07", "2025-10", "2026-01")
SHOPIFY_MAX_LIMIT = 250
AIRCALL_MAX_PER_PAGE = 50
AIRCALL_QUERY_CAP = 10_000
JUDGEME_MAX_PER_PAGE = 100
# list queries whose matches are kept (each load pages through a handful at a time)
MATCHES_KEPT = 32
SHOPIFY_AUTH_ERROR = "[API] Invalid API key or access token (unrecognized login or wrong password)"
SHOPIFY_THROTTLED = (
    "Exceeded 2 calls per second for api client. Reduce request rates to resume "
    "uninterrupted service."
)
# Fields whose loss or corruption a loader must notice, per resource (for bad-record faults).
REQUIRED_FIELDS = {
    "orders": ("id", "updated_at", "total_price", "created_at"),
    "customers": ("id", "updated_at"),
    "products": ("id", "updated_at"),
    "calls": ("id", "started_at", "direction"),
    "reviews": ("id", "rating", "updated_at"),
}


@dataclass(frozen=True)
class Credentials:
    """What the twin accepts; the sandbox defaults live in ``.dlt/secrets.toml.example``."""

    shopify_access_token: str = "shpat_sandbox"
    aircall_api_id: str = "sandbox"
    aircall_api_token: str = "sandbox-token"
    judgeme_api_token: str = "judgeme-sandbox"
    judgeme_shop_domain: str = "earshot-demo.myshopify.com"


def source_settings(url: str, credentials: Credentials | None = None) -> dict[str, str]:
    """dlt's settings (as environment variables) that point every source at a twin."""
    credentials = credentials or Credentials()
    return {
        "SOURCES__SHOPIFY__SHOP_URL": url,
        "SOURCES__SHOPIFY__ACCESS_TOKEN": credentials.shopify_access_token,
        "SOURCES__AIRCALL__BASE_URL": url,
        "SOURCES__AIRCALL__API_ID": credentials.aircall_api_id,
        "SOURCES__AIRCALL__API_TOKEN": credentials.aircall_api_token,
        "SOURCES__JUDGEME__BASE_URL": url,
        "SOURCES__JUDGEME__SHOP_DOMAIN": credentials.judgeme_shop_domain,
        "SOURCES__JUDGEME__API_TOKEN": credentials.judgeme_api_token,
    }


@dataclass
class Response:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class ApiError(Exception):
    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.response = Response(status, body, headers or {})


def _int_param(params: dict[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ApiError(400, {"errors": {name: [f"{raw!r} is not an integer"]}}) from exc


def _time_param(params: dict[str, str], name: str) -> float | None:
    raw = params.get(name)
    if raw is None:
        return None
    try:
        return timeline.epoch(raw)
    except ValueError as exc:
        raise ApiError(400, {"errors": {name: [f"{raw!r} is not a valid date"]}}) from exc


class Dataset:
    """A shop in the generator's layout, indexed for the three APIs."""

    def __init__(self, root: Path) -> None:
        root = Path(root)
        self.shopify = {
            name: Store(root / "shopify" / f"{name}.jsonl", shopify_columns)
            for name in SHOPIFY_RESOURCES
        }
        self.calls = Store(root / "aircall" / "calls.jsonl", call_columns, ("started", "id"))
        self.transcripts = Store(root / "aircall" / "transcripts.jsonl", transcript_columns)
        self.reviews = Store(root / "judgeme" / "reviews.jsonl", review_columns)
        refunds_path = root / "shopify" / "refunds.jsonl"
        self.refunds: dict[int, list[dict[str, Any]]] = {}
        if refunds_path.exists():
            for line in refunds_path.read_bytes().splitlines():
                if line.strip():
                    refund = orjson.loads(line)
                    self.refunds.setdefault(int(refund["order_id"]), []).append(refund)


class SandboxApp:
    """Routing, the vendors' rules, time travel, rate limits and faults; no HTTP plumbing."""

    def __init__(
        self,
        dataset: Dataset,
        credentials: Credentials,
        base_url: str,
        now: float | None = None,
        rate_limits: str = "vendor",
        faults: FaultPlan | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.data = dataset
        self.credentials = credentials
        self.base_url = base_url
        self.wall_clock = wall_clock
        self.lock = threading.Lock()
        self.fixed_now = now
        self.faults = FaultInjector(faults or FaultPlan())
        self.set_rate_limits(rate_limits)
        self.requests: Counter[str] = Counter()
        self.log: deque[tuple[str, str, int]] = deque(maxlen=10_000)
        # each list query's matches, by query and clock: its pages reuse them
        self._matches: OrderedDict[tuple, Any] = OrderedDict()

    def matches(self, key: tuple, find: Callable[[], Any]) -> Any:
        """``find()``'s result for a list query, kept for its next pages.

        A list query's matches depend only on its filters and the clock, and the
        twins' data never changes while they serve, so every page of one query
        reads the same positions: a page costs its own records, not a scan of
        the whole resource (the L shop has two million orders).
        """
        key = (*key, self.now())
        with self.lock:
            if key in self._matches:
                self._matches.move_to_end(key)
                return self._matches[key]
        found = find()
        with self.lock:
            self._matches[key] = found
            while len(self._matches) > MATCHES_KEPT:
                self._matches.popitem(last=False)
        return found

    # controls ---------------------------------------------------------------------------
    def now(self) -> float:
        return self.fixed_now if self.fixed_now is not None else self.wall_clock()

    def set_now(self, value: Any) -> None:
        self.fixed_now = timeline.epoch(value)

    def set_rate_limits(self, mode: str) -> None:
        settings = LimitSettings.named(mode)
        with self.lock:
            self.rate_mode = mode
            self.limit_settings = settings
            self.buckets: dict[str, LeakyBucket] = {}
            self.windows: dict[str, MinuteWindow] = {}

    def set_faults(self, plan: FaultPlan) -> None:
        self.faults.replan(plan)

    def state(self) -> dict[str, Any]:
        return {
            "now": self.fixed_now,
            "rate_limits": self.rate_mode,
            "faults": asdict(self.faults.plan),
            "requests": dict(self.requests),
        }

    def control(self, method: str, parts: list[str], body: bytes) -> Response:
        payload = orjson.loads(body) if body.strip() else {}
        if method == "POST":
            try:
                if parts == ["now"]:
                    self.set_now(payload.get("now"))
                elif parts == ["faults"]:
                    self.set_faults(FaultPlan.from_mapping(payload))
                elif parts == ["rate-limits"]:
                    self.set_rate_limits(payload.get("mode", "vendor"))
                else:
                    raise ApiError(404, {"error": f"no sandbox control {'/'.join(parts)!r}"})
            except (ValueError, TypeError) as exc:
                raise ApiError(400, {"error": str(exc)}) from exc
        return Response(200, self.state())

    # routing ----------------------------------------------------------------------------
    def vendor_of(self, parts: list[str]) -> str | None:
        if parts[:2] == ["admin", "api"]:
            return "shopify"
        if parts[:2] == ["v1", "calls"]:
            return "aircall"
        if parts[:3] == ["api", "v1", "reviews"]:
            return "judgeme"
        return None

    def handle(
        self, method: str, path: str, params: dict[str, str], headers: dict[str, str], body: bytes
    ) -> Response:
        parts = [p for p in path.split("/") if p]
        if parts[:1] == ["_sandbox"]:
            return self.control(method, parts[1:], body)
        vendor = self.vendor_of(parts)
        if vendor is None:
            raise ApiError(404, {"errors": "Not Found"})
        if method != "GET":
            raise ApiError(405, {"errors": "Method Not Allowed"})
        if vendor == "shopify":
            self._check_shopify_auth(headers)
            limit_headers = self._shopify_limit(headers["x-shopify-access-token"])
            if len(parts) < 4:
                raise ApiError(404, {"errors": "Not Found"}, limit_headers)
            response = self._shopify(parts[2], parts[3:], params)
        elif vendor == "aircall":
            self._check_aircall_auth(headers)
            limit_headers = self._aircall_limit(headers["authorization"])
            response = self._aircall(parts[2:], params)
        else:
            self._check_judgeme_auth(params)
            limit_headers = {}
            response = self._judgeme_reviews(params)
        response.headers.update(limit_headers)
        return response

    # Shopify Admin REST -----------------------------------------------------------------
    def _check_shopify_auth(self, headers: dict[str, str]) -> None:
        if headers.get("x-shopify-access-token") != self.credentials.shopify_access_token:
            raise ApiError(401, {"errors": SHOPIFY_AUTH_ERROR})

    def _shopify_limit(self, token: str) -> dict[str, str]:
        settings = self.limit_settings
        if settings is None:
            return {}
        with self.lock:
            bucket = self.buckets.setdefault(
                token, LeakyBucket(settings.shopify_bucket, settings.shopify_leak_per_second)
            )
            allowed, level = bucket.take()
        header = {"X-Shopify-Shop-Api-Call-Limit": f"{level}/{settings.shopify_bucket}"}
        if not allowed:
            raise ApiError(429, {"errors": SHOPIFY_THROTTLED}, {**header, "Retry-After": "2.0"})
        return header

    def _shopify(self, version: str, parts: list[str], params: dict[str, str]) -> Response:
        served = version if version in SHOPIFY_VERSIONS else SHOPIFY_VERSIONS[0]
        headers = {"X-Shopify-API-Version": served}
        endpoint = "/".join(parts)
        if len(parts) == 3 and parts[0] == "orders" and parts[2] == "refunds.json":
            return Response(200, {"refunds": self._refunds(parts[1])}, headers)
        resource = endpoint.removesuffix(".json").removesuffix("/count")
        if resource not in SHOPIFY_RESOURCES:
            raise ApiError(404, {"errors": "Not Found"})
        if endpoint.endswith("/count.json"):
            positions, _ = self._shopify_matches(resource, params)
            return Response(200, {"count": int(positions.size)}, headers)
        limit = _int_param(params, "limit", 50)
        if not 1 <= limit <= SHOPIFY_MAX_LIMIT:
            raise ApiError(
                400, {"errors": {"limit": [f"must be between 1 and {SHOPIFY_MAX_LIMIT}"]}}
            )
        store = self.data.shopify[resource]
        if "page_info" in params:
            extra = sorted(set(params) - {"page_info", "limit", "fields"})
            if extra:
                raise ApiError(
                    400,
                    {
                        "errors": {
                            "page_info": [
                                f"{', '.join(extra)} cannot be passed when page_info is present"
                            ]
                        }
                    },
                )
            cursor = self._decode_cursor(params["page_info"])
            filters = cursor["filters"]
        else:
            cursor = {}
            filters = {k: v for k, v in params.items() if k not in ("limit", "fields")}
        positions, ids = self._shopify_matches(resource, filters)
        if "before" in cursor:
            end = int(np.searchsorted(ids, cursor["before"], side="left"))
            positions = positions[max(end - limit, 0) : end]
            has_next, has_previous = True, end > limit
        else:
            after = cursor.get("after", 0)
            start = int(np.searchsorted(ids, after, side="right"))
            positions = positions[start : start + limit]
            has_next, has_previous = ids.size - start > limit, after > 0
        now = self.now()
        view = timeline.order_at if resource == "orders" else timeline.created_record_at
        records = [view(store.record(int(p)), now) for p in positions]
        records = [self.faults.spoil(r, REQUIRED_FIELDS[resource]) for r in records if r]
        if params.get("fields"):
            wanted = {f.strip() for f in params["fields"].split(",")}
            records = [{k: v for k, v in r.items() if k in wanted} for r in records]
        links = []
        if has_previous and len(positions):
            first = int(store["id"][positions[0]])
            links.append(
                self._shopify_link(version, resource, limit, filters, {"before": first}, "previous")
            )
        if has_next and len(positions):
            last = int(store["id"][positions[-1]])
            links.append(
                self._shopify_link(version, resource, limit, filters, {"after": last}, "next")
            )
        if links:
            headers["Link"] = ", ".join(links)
        return Response(200, {resource: records}, headers)

    def _shopify_matches(
        self, resource: str, params: dict[str, str]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Positions (in id order) of the records a list query with these filters returns,
        and their ids."""
        key = ("shopify", resource, tuple(sorted(params.items())))
        return self.matches(key, lambda: self._shopify_find(resource, params))

    def _shopify_find(self, resource: str, params: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
        store = self.data.shopify[resource]
        now = self.now()
        mask = store["created"] <= now
        if params.get("ids"):
            try:
                wanted = [int(i) for i in params["ids"].split(",") if i.strip()]
            except ValueError as exc:
                raise ApiError(400, {"errors": {"ids": ["must be comma-separated ids"]}}) from exc
            mask &= np.isin(store["id"], wanted)
        since_id = _int_param(params, "since_id", 0)
        if since_id:
            mask &= store["id"] > since_id
        created_min = _time_param(params, "created_at_min")
        if created_min is not None:
            mask &= store["created"] >= created_min
        if resource == "orders":
            status = params.get("status", "open")
            if status not in ("open", "closed", "cancelled", "any"):
                raise ApiError(400, {"errors": {"status": [f"{status!r} is not a valid status"]}})
            cancelled = (store["cancelled"] > 0) & (store["cancelled"] <= now)
            closed = (store["closed"] > 0) & (store["closed"] <= now)
            mask &= {
                "open": ~cancelled & ~closed,
                "closed": closed,
                "cancelled": cancelled,
                "any": np.ones_like(mask),
            }[status]
        updated_min = _time_param(params, "updated_at_min")
        updated_max = _time_param(params, "updated_at_max")
        if updated_min is not None or updated_max is not None:
            updated = store["updated"].copy()
            in_flight = np.flatnonzero(mask & (updated > now))
            moment = (
                timeline.order_updated_at if resource == "orders" else timeline.record_updated_at
            )
            for position in in_flight:
                updated[position] = moment(store.record(int(position)), now) or 0.0
            if updated_min is not None:
                mask &= updated >= updated_min
            if updated_max is not None:
                mask &= updated <= updated_max
        positions = np.flatnonzero(mask)
        return positions, store["id"][positions]

    def _refunds(self, order_id: str) -> list[dict[str, Any]]:
        store = self.data.shopify["orders"]
        position = store.position_of(_int_param({"order_id": order_id}, "order_id", 0))
        order = (
            timeline.order_at(store.record(position), self.now()) if position is not None else None
        )
        if order is None:
            raise ApiError(404, {"errors": "Not Found"})
        listed = self.data.refunds.get(int(order["id"]))
        return listed if listed is not None else order.get("refunds") or []

    def _shopify_link(
        self,
        version: str,
        resource: str,
        limit: int,
        filters: dict[str, str],
        position: dict[str, int],
        rel: str,
    ) -> str:
        token = base64.urlsafe_b64encode(orjson.dumps({"filters": filters, **position})).decode()
        query = urlencode({"limit": limit, "page_info": token.rstrip("=")})
        return f'<{self.base_url}/admin/api/{version}/{resource}.json?{query}>; rel="{rel}"'

    @staticmethod
    def _decode_cursor(token: str) -> dict[str, Any]:
        try:
            cursor = orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        except (binascii.Error, ValueError) as exc:
            raise ApiError(400, {"errors": {"page_info": ["Invalid value."]}}) from exc
        if not isinstance(cursor, dict) or "filters" not in cursor:
            raise ApiError(400, {"errors": {"page_info": ["Invalid value."]}})
        return cursor

    # Aircall ----------------------------------------------------------------------------
    def _check_aircall_auth(self, headers: dict[str, str]) -> None:
        expected = base64.b64encode(
            f"{self.credentials.aircall_api_id}:{self.credentials.aircall_api_token}".encode()
        ).decode()
        if headers.get("authorization") != f"Basic {expected}":
            raise ApiError(401, {"error": "Unauthorized", "troubleshoot": "Check your API key"})

    def _aircall_limit(self, company: str) -> dict[str, str]:
        settings = self.limit_settings
        if settings is None:
            return {}
        with self.lock:
            window = self.windows.setdefault(company, MinuteWindow(settings.aircall_per_minute))
            allowed, headers = window.take()
        if not allowed:
            raise ApiError(
                429,
                {
                    "error": "Too Many Requests",
                    "troubleshoot": "Rate limit reached, see X-AircallApi-Reset",
                },
                headers,
            )
        return headers

    def _aircall(self, parts: list[str], params: dict[str, str]) -> Response:
        now = self.now()
        calls = self.data.calls
        if parts:
            call_id = _int_param({"call_id": parts[0]}, "call_id", 0)
            position = calls.position_of(call_id)
            call = timeline.call_at(calls.record(position), now) if position is not None else None
            if call is None:
                raise ApiError(404, {"error": "Not found", "troubleshoot": "No such call"})
            if parts[1:] == ["transcription"]:
                position = self.data.transcripts.position_of(call_id)
                if position is None or not timeline.transcript_at(call.get("ended_at"), now):
                    raise ApiError(
                        404,
                        {"error": "Not found", "troubleshoot": "No transcription for this call"},
                    )
                return Response(200, {"transcription": self.data.transcripts.record(position)})
            if len(parts) > 1:
                raise ApiError(404, {"error": "Not found"})
            return Response(200, {"call": call})
        per_page = _int_param(params, "per_page", 20)
        if not 1 <= per_page <= AIRCALL_MAX_PER_PAGE:
            raise ApiError(
                400,
                {
                    "error": "Invalid per_page",
                    "troubleshoot": f"per_page must be at most {AIRCALL_MAX_PER_PAGE}",
                },
            )
        page = _int_param(params, "page", 1)
        if page < 1:
            raise ApiError(400, {"error": "Invalid page"})
        start = _int_param(params, "from", 0)
        end = min(_int_param(params, "to", 2**62), now)
        descending = params.get("order", "asc") == "desc"

        def find() -> np.ndarray:
            started = calls["started"]
            found = np.flatnonzero((started >= start) & (started <= end))
            return found[::-1] if descending else found

        positions = self.matches(("aircall", start, end, descending), find)
        reachable = positions[:AIRCALL_QUERY_CAP]
        chunk = reachable[(page - 1) * per_page : page * per_page]
        records = [timeline.call_at(calls.record(int(p)), now) for p in chunk]
        records = [self.faults.spoil(r, REQUIRED_FIELDS["calls"]) for r in records if r]
        query = {k: v for k, v in params.items() if k != "page"}
        has_next = page * per_page < reachable.size
        meta = {
            "count": len(records),
            "total": int(positions.size),
            "current_page": page,
            "per_page": per_page,
            "next_page_link": f"{self.base_url}/v1/calls?{urlencode({**query, 'page': page + 1})}"
            if has_next
            else None,
            "previous_page_link": f"{self.base_url}/v1/calls?"
            f"{urlencode({**query, 'page': page - 1})}"
            if page > 1
            else None,
        }
        return Response(200, {"calls": records, "meta": meta})

    # Judge.me ---------------------------------------------------------------------------
    def _check_judgeme_auth(self, params: dict[str, str]) -> None:
        if (
            params.get("api_token") != self.credentials.judgeme_api_token
            or params.get("shop_domain") != self.credentials.judgeme_shop_domain
        ):
            raise ApiError(401, {"error": "Unauthorized"})

    def _judgeme_reviews(self, params: dict[str, str]) -> Response:
        page = max(_int_param(params, "page", 1), 1)
        per_page = min(max(_int_param(params, "per_page", 10), 1), JUDGEME_MAX_PER_PAGE)
        now = self.now()
        reviews = self.data.reviews
        positions = self.matches(("judgeme",), lambda: np.flatnonzero(reviews["created"] <= now))
        chunk = positions[(page - 1) * per_page : page * per_page]
        records = [timeline.review_at(reviews.record(int(p)), now) for p in chunk]
        records = [self.faults.spoil(r, REQUIRED_FIELDS["reviews"]) for r in records if r]
        return Response(200, {"current_page": page, "per_page": per_page, "reviews": records})


class _Handler(BaseHTTPRequestHandler):
    app: SandboxApp
    protocol_version = "HTTP/1.1"
    # Headers and body leave in one segment: with Nagle's algorithm on, a keep-alive client
    # waits out a delayed ACK (about 40 ms) on every small page.
    disable_nagle_algorithm = True
    wbufsize = 1 << 16

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        url = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        length = int(headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        app = self.app
        parts = [p for p in url.path.split("/") if p]
        vendor = app.vendor_of(parts)
        decision = app.faults.decide() if vendor else None
        if decision is not None and decision.slow_seconds:
            time.sleep(decision.slow_seconds)
        try:
            if decision is not None and decision.status is not None:
                response = self._fault(app, vendor, decision.status)
            else:
                response = app.handle(method, url.path, params, headers, body)
        except ApiError as error:
            response = error.response
        except Exception as error:  # a twin bug answers 500 rather than hanging up
            response = Response(500, {"errors": f"sandbox error: {type(error).__name__}: {error}"})
        app.requests[f"{vendor or 'sandbox'} {response.status}"] += 1
        app.log.append((method, self.path, response.status))
        if isinstance(response.body, str):
            payload, content_type = response.body.encode(), "text/html; charset=utf-8"
        else:
            payload, content_type = orjson.dumps(response.body), "application/json; charset=utf-8"
        if decision is not None and decision.malformed and response.status == 200:
            payload = payload[: max(1, len(payload) // 2)]
        self.send_response(response.status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if decision is not None and decision.drop and response.status == 200:
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(payload)

    @staticmethod
    def _fault(app: SandboxApp, vendor: str, status: int) -> Response:
        if status == 429:
            if vendor == "shopify":
                return Response(429, {"errors": SHOPIFY_THROTTLED}, {"Retry-After": "2.0"})
            if vendor == "aircall":
                return Response(
                    429,
                    {"error": "Too Many Requests"},
                    {
                        "X-AircallApi-Limit": "60",
                        "X-AircallApi-Remaining": "0",
                        "X-AircallApi-Reset": str(int(app.wall_clock()) + 1),
                    },
                )
            return Response(429, {"error": "Too Many Requests"}, {"Retry-After": "1"})
        if status == 502:
            return Response(502, "<html><body><h1>502 Bad Gateway</h1></body></html>")
        return Response(status, {"errors": "Internal Server Error"})

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Stay quiet: a load makes thousands of requests."""


class SandboxServer:
    """The twin APIs on loopback; ``port=0`` picks a free port."""

    def __init__(
        self,
        data_dir: Path,
        port: int = 0,
        host: str = "127.0.0.1",
        credentials: Credentials | None = None,
        now: Any = None,
        rate_limits: str = "vendor",
        faults: FaultPlan | None = None,
    ) -> None:
        handler = type("Handler", (_Handler,), {})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://{host}:{self.httpd.server_address[1]}"
        self.app = SandboxApp(
            Dataset(Path(data_dir)),
            credentials or Credentials(),
            self.url,
            now=timeline.epoch(now),
            rate_limits=rate_limits,
            faults=faults,
        )
        handler.app = self.app
        self._thread: threading.Thread | None = None

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
