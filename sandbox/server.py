"""One loopback HTTP server that answers like Shopify, Aircall and Judge.me.

The three vendors' paths do not overlap (``/admin/api/...``, ``/v1/calls``,
``/api/v1/reviews``), so one server can play all of them: a loader points each
source's base URL at this server and speaks the real contract.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

SHOPIFY_RESOURCES = ("orders", "customers", "products")
SHOPIFY_MAX_LIMIT = 250
AIRCALL_MAX_PER_PAGE = 50
AIRCALL_QUERY_CAP = 10_000
JUDGEME_MAX_PER_PAGE = 100
SHOPIFY_AUTH_ERROR = "[API] Invalid API key or access token (unrecognized login or wrong password)"


@dataclass(frozen=True)
class Credentials:
    """What the twin accepts; the sandbox defaults live in ``.dlt/secrets.toml.example``."""

    shopify_access_token: str = "shpat_sandbox"
    aircall_api_id: str = "sandbox"
    aircall_api_token: str = "sandbox-token"
    judgeme_api_token: str = "judgeme-sandbox"
    judgeme_shop_domain: str = "earshot-demo.myshopify.com"


class ApiError(Exception):
    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    with path.open() as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _parse_time(value: str, name: str) -> datetime:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ApiError(400, {"errors": {name: [f"{value!r} is not a valid date"]}}) from exc


def _int_param(params: dict[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ApiError(400, {"errors": {name: [f"{raw!r} is not an integer"]}}) from exc


class Dataset:
    """A shop in the generator's layout, indexed for the three APIs."""

    def __init__(self, root: Path) -> None:
        self.shopify = {
            name: sorted(_read_jsonl(root / "shopify" / f"{name}.jsonl"), key=lambda r: r["id"])
            for name in SHOPIFY_RESOURCES
        }
        self.calls = sorted(
            _read_jsonl(root / "aircall" / "calls.jsonl"), key=lambda c: (c["started_at"], c["id"])
        )
        self.transcripts = {
            t["call_id"]: t for t in _read_jsonl(root / "aircall" / "transcripts.jsonl")
        }
        self.reviews = sorted(
            _read_jsonl(root / "judgeme" / "reviews.jsonl"), key=lambda r: r["id"]
        )


class SandboxApp:
    """Request routing and the vendors' rules, independent of the HTTP plumbing."""

    def __init__(self, dataset: Dataset, credentials: Credentials, base_url: str) -> None:
        self.data = dataset
        self.credentials = credentials
        self.base_url = base_url

    def handle(
        self, path: str, params: dict[str, str], headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        parts = [p for p in path.split("/") if p]
        if parts[:2] == ["admin", "api"] and len(parts) >= 4:
            self._check_shopify_auth(headers)
            return self._shopify(parts[2], parts[3:], params)
        if parts[:2] == ["v1", "calls"]:
            self._check_aircall_auth(headers)
            return self._aircall(parts[2:], params)
        if parts[:3] == ["api", "v1", "reviews"]:
            self._check_judgeme_auth(params)
            return self._judgeme_reviews(params)
        raise ApiError(404, {"errors": "Not Found"})

    # Shopify Admin REST
    def _check_shopify_auth(self, headers: dict[str, str]) -> None:
        if headers.get("x-shopify-access-token") != self.credentials.shopify_access_token:
            raise ApiError(401, {"errors": SHOPIFY_AUTH_ERROR})

    def _shopify(
        self, version: str, parts: list[str], params: dict[str, str]
    ) -> tuple[int, Any, dict]:
        endpoint = "/".join(parts)
        resource = endpoint.removesuffix(".json").removesuffix("/count")
        if resource not in SHOPIFY_RESOURCES:
            raise ApiError(404, {"errors": "Not Found"})
        if endpoint.endswith("/count.json"):
            return 200, {"count": len(self._shopify_filter(resource, params))}, {}
        limit = _int_param(params, "limit", 50)
        if not 1 <= limit <= SHOPIFY_MAX_LIMIT:
            raise ApiError(
                400, {"errors": {"limit": [f"must be between 1 and {SHOPIFY_MAX_LIMIT}"]}}
            )
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
            filters, after_id = cursor["filters"], cursor["after_id"]
        else:
            filters, after_id = {k: v for k, v in params.items() if k not in ("limit", "fields")}, 0
        matching = [r for r in self._shopify_filter(resource, filters) if r["id"] > after_id]
        page = matching[:limit]
        links = []
        if after_id > 0:
            links.append(
                self._shopify_link(version, endpoint, limit, filters, after_id, "previous")
            )
        if len(matching) > limit:
            links.append(
                self._shopify_link(version, endpoint, limit, filters, page[-1]["id"], "next")
            )
        headers = {"Link": ", ".join(links)} if links else {}
        return 200, {resource: page}, headers

    def _shopify_filter(self, resource: str, params: dict[str, str]) -> list[dict[str, Any]]:
        records = self.data.shopify[resource]
        bounds: list[tuple[str, Callable[[datetime, datetime], bool], datetime]] = []
        for name, field, compare in (
            ("updated_at_min", "updated_at", lambda v, b: v >= b),
            ("updated_at_max", "updated_at", lambda v, b: v <= b),
            ("created_at_min", "created_at", lambda v, b: v >= b),
        ):
            if name in params:
                bounds.append((field, compare, _parse_time(params[name], name)))
        since_id = _int_param(params, "since_id", 0)
        status = params.get("status", "open") if resource == "orders" else "any"
        if status not in ("open", "closed", "cancelled", "any"):
            raise ApiError(400, {"errors": {"status": [f"{status!r} is not a valid status"]}})

        def keep(record: dict[str, Any]) -> bool:
            if record["id"] <= since_id:
                return False
            if status == "open" and (record.get("cancelled_at") or record.get("closed_at")):
                return False
            if status == "closed" and not record.get("closed_at"):
                return False
            if status == "cancelled" and not record.get("cancelled_at"):
                return False
            return all(
                compare(datetime.fromisoformat(record[field]), bound)
                for field, compare, bound in bounds
            )

        return [r for r in records if keep(r)]

    def _shopify_link(
        self,
        version: str,
        endpoint: str,
        limit: int,
        filters: dict[str, str],
        after_id: int,
        rel: str,
    ) -> str:
        token = base64.urlsafe_b64encode(
            json.dumps({"filters": filters, "after_id": after_id}).encode()
        ).decode()
        query = urlencode({"limit": limit, "page_info": token})
        return f'<{self.base_url}/admin/api/{version}/{endpoint}?{query}>; rel="{rel}"'

    @staticmethod
    def _decode_cursor(token: str) -> dict[str, Any]:
        try:
            return json.loads(base64.urlsafe_b64decode(token.encode()))
        except (binascii.Error, ValueError) as exc:
            raise ApiError(400, {"errors": {"page_info": ["Invalid value."]}}) from exc

    # Aircall
    def _check_aircall_auth(self, headers: dict[str, str]) -> None:
        expected = base64.b64encode(
            f"{self.credentials.aircall_api_id}:{self.credentials.aircall_api_token}".encode()
        ).decode()
        if headers.get("authorization") != f"Basic {expected}":
            raise ApiError(401, {"error": "Unauthorized", "troubleshoot": "Check your API key"})

    def _aircall(self, parts: list[str], params: dict[str, str]) -> tuple[int, Any, dict]:
        if len(parts) == 2 and parts[1] == "transcription":
            call_id = _int_param({"call_id": parts[0]}, "call_id", 0)
            transcript = self.data.transcripts.get(call_id)
            if transcript is None:
                raise ApiError(404, {"error": "Not found", "troubleshoot": "No transcription"})
            return 200, {"transcription": transcript}, {}
        if parts:
            raise ApiError(404, {"error": "Not found"})
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
        start, end = _int_param(params, "from", 0), _int_param(params, "to", 2**62)
        calls = [c for c in self.data.calls if start <= c["started_at"] <= end]
        if params.get("order", "asc") == "desc":
            calls.reverse()
        reachable = calls[:AIRCALL_QUERY_CAP]
        chunk = reachable[(page - 1) * per_page : page * per_page]
        has_next = page * per_page < len(reachable)
        query = {k: v for k, v in params.items() if k != "page"}
        next_link = (
            f"{self.base_url}/v1/calls?{urlencode({**query, 'page': page + 1})}"
            if has_next
            else None
        )
        previous_link = (
            f"{self.base_url}/v1/calls?{urlencode({**query, 'page': page - 1})}"
            if page > 1
            else None
        )
        meta = {
            "count": len(chunk),
            "total": len(calls),
            "current_page": page,
            "per_page": per_page,
            "next_page_link": next_link,
            "previous_page_link": previous_link,
        }
        return 200, {"calls": chunk, "meta": meta}, {}

    # Judge.me
    def _check_judgeme_auth(self, params: dict[str, str]) -> None:
        if (
            params.get("api_token") != self.credentials.judgeme_api_token
            or params.get("shop_domain") != self.credentials.judgeme_shop_domain
        ):
            raise ApiError(401, {"error": "Unauthorized"})

    def _judgeme_reviews(self, params: dict[str, str]) -> tuple[int, Any, dict]:
        page = max(_int_param(params, "page", 1), 1)
        per_page = min(max(_int_param(params, "per_page", 10), 1), JUDGEME_MAX_PER_PAGE)
        chunk = self.data.reviews[(page - 1) * per_page : page * per_page]
        return 200, {"current_page": page, "per_page": per_page, "reviews": chunk}, {}


class _Handler(BaseHTTPRequestHandler):
    app: SandboxApp
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            status, body, extra = self.app.handle(url.path, params, headers)
        except ApiError as error:
            status, body, extra = error.status, error.body, error.headers
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

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
    ) -> None:
        handler = type("Handler", (_Handler,), {})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://{host}:{self.httpd.server_address[1]}"
        handler.app = SandboxApp(Dataset(Path(data_dir)), credentials or Credentials(), self.url)
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
