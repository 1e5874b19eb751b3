"""An HTTP client that paces itself to vendor rate limits and retries what is transient.

dlt's stock retry reads ``Retry-After`` only as an integer or an HTTP date, but
Shopify sends ``2.0``; this client accepts both, waits for Aircall's
``X-AircallApi-Reset``, slows down before Shopify's bucket fills, retries
dropped connections and pages that arrive as broken JSON, and names the
vendor and the URL in every error.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
import requests

log = logging.getLogger("earshot.ingestion")

T = TypeVar("T")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
TRANSIENT_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


class SourceError(RuntimeError):
    """A vendor answered in a way that retrying did not or cannot fix."""


def retry_after_seconds(value: str | None) -> float | None:
    """Parse a ``Retry-After`` header given as seconds, integer or float (``"2.0"``)."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return max(seconds, 0.0)


def shopify_pause(response: requests.Response) -> float:
    """Seconds to wait so that Shopify's leaky bucket drains to half before the next call.

    ``X-Shopify-Shop-Api-Call-Limit: 32/40`` says how full the bucket is; it
    drains a twentieth of its size per second (2/s for 40, 20/s for Plus's 400).
    """
    header = response.headers.get("X-Shopify-Shop-Api-Call-Limit")
    if not header or "/" not in header:
        return 0.0
    used, _, size = header.partition("/")
    try:
        used_calls, capacity = float(used), float(size)
    except ValueError:
        return 0.0
    if capacity <= 0 or used_calls < 0.8 * capacity:
        return 0.0
    return (used_calls - capacity / 2) / (capacity / 20)


def aircall_reset_seconds(response: requests.Response, now: float) -> float | None:
    reset = response.headers.get("X-AircallApi-Reset")
    if reset is None:
        return None
    try:
        return min(max(float(reset) - now, 0.5), 65.0)
    except ValueError:
        return None


@dataclass
class ClientStats:
    requests: int = 0
    retries: int = 0
    rate_limit_waits: int = 0
    seconds_waited: float = 0.0


class VendorClient:
    """GET JSON from one vendor API with pacing, retries and clear errors."""

    def __init__(
        self,
        vendor: str,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        max_attempts: int = 8,
        backoff_seconds: float = 0.5,
        timeout_seconds: float = 60.0,
        pace: Callable[[requests.Response], float] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.vendor = vendor
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers.update(headers or {})
        self.session.auth = auth
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.timeout_seconds = timeout_seconds
        self.pace = pace
        self.sleep = sleep
        self.stats = ClientStats()

    def url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base_url}/{path.lstrip('/')}"

    def get_json(
        self, path: str, params: Mapping[str, Any] | None = None, missing_ok: bool = False
    ) -> tuple[requests.Response, Any]:
        """GET ``path`` (relative to the base URL, or a full URL from a pagination link)
        and decode it; a page that arrives as broken JSON is fetched again.

        With ``missing_ok`` a 404 returns ``(response, None)`` instead of raising.
        """
        return self._fetch(path, params, missing_ok=missing_ok)

    def _fetch(
        self, path: str, params: Mapping[str, Any] | None, missing_ok: bool
    ) -> tuple[requests.Response, Any]:
        url = self.url(path)
        for attempt in range(1, self.max_attempts + 1):
            last = attempt == self.max_attempts
            self.stats.requests += 1
            try:
                response = self.session.get(url, params=params, timeout=self.timeout_seconds)
            except TRANSIENT_ERRORS as exc:
                if last:
                    raise SourceError(
                        f"{self.vendor}: GET {url} failed after {attempt} attempts: {exc}"
                    ) from exc
                self.stats.retries += 1
                self._wait(self._backoff(attempt), f"connection failed ({type(exc).__name__})")
                continue
            if response.status_code == 404 and missing_ok:
                return response, None
            if response.status_code >= 400:
                if response.status_code not in RETRY_STATUSES or last:
                    raise SourceError(
                        f"{self.vendor}: GET {response.url} answered {response.status_code} "
                        f"after {attempt} attempt(s): {response.text[:300]}"
                    )
                self.stats.retries += 1
                self._wait(self._retry_wait(response, attempt), f"HTTP {response.status_code}")
                continue
            try:
                body = orjson.loads(response.content)
            except orjson.JSONDecodeError as exc:
                if last:
                    raise SourceError(
                        f"{self.vendor}: GET {response.url} returned malformed JSON "
                        f"{attempt} times: {exc}"
                    ) from exc
                self.stats.retries += 1
                self._wait(self._backoff(attempt), "malformed JSON page")
                continue
            if self.pace is not None and (pause := self.pace(response)) > 0:
                self.stats.rate_limit_waits += 1
                self._wait(pause, "pacing to the rate limit")
            return response, body
        raise AssertionError("unreachable: the loop returns or raises")

    def _retry_wait(self, response: requests.Response, attempt: int) -> float:
        if response.status_code == 429:
            self.stats.rate_limit_waits += 1
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            if wait is None:
                wait = aircall_reset_seconds(response, time.time())
            if wait is not None:
                return wait
        return self._backoff(attempt)

    def _backoff(self, attempt: int) -> float:
        return min(self.backoff_seconds * 2 ** (attempt - 1), 30.0)

    def _wait(self, seconds: float, reason: str) -> None:
        log.info("%s: %s, waiting %.1fs", self.vendor, reason, seconds)
        self.stats.seconds_waited += seconds
        self.sleep(seconds)


_DONE = object()


def read_ahead(pages: Iterator[T], depth: int = 2) -> Iterator[T]:
    """Yield what ``pages`` yields, fetching up to ``depth`` pages ahead in a thread.

    While dlt writes one page, the next is already on its way: waiting for the
    vendor and decoding its JSON overlap with the work on the page before. An
    error in the producer is raised here, in the consumer, after the pages
    fetched before it; closing this generator stops the producer.
    """
    ready: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for page in pages:
                if not put((page, None)):
                    return
            put((_DONE, None))
        except BaseException as exc:  # handed to the consumer, which raises it
            put((_DONE, exc))

    worker = threading.Thread(target=produce, name="earshot-read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            page, error = ready.get()
            if error is not None:
                raise error
            if page is _DONE:
                return
            yield page
    finally:
        stop.set()
        worker.join()
