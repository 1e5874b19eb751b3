"""An HTTP client that waits out vendor rate limits and retries transient failures.

dlt's stock retry reads ``Retry-After`` only as an integer or an HTTP date, but
Shopify sends ``2.0``; this client accepts both, and says what it is waiting for.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import requests

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class SourceError(RuntimeError):
    """A vendor answered in a way a retry cannot fix (bad credentials, bad request)."""


def retry_after_seconds(value: str | None) -> float | None:
    """Parse a ``Retry-After`` header given as seconds, integer or float (``"2.0"``)."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return max(seconds, 0.0)


class VendorClient:
    """GET JSON from one vendor API with retries and clear errors.

    ``vendor`` names the API in every message, so a failure in a run that loads
    three sources says which one failed.
    """

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
    ) -> None:
        self.vendor = vendor
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers.update(headers or {})
        self.session.auth = auth
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.timeout_seconds = timeout_seconds
        self.requests_made = 0
        self.seconds_waited = 0.0

    def url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base_url}/{path.lstrip('/')}"

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> requests.Response:
        """GET ``path`` (relative to the base URL, or a full URL from a pagination link)."""
        url = self.url(path)
        for attempt in range(1, self.max_attempts + 1):
            self.requests_made += 1
            try:
                response = self.session.get(url, params=params, timeout=self.timeout_seconds)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt == self.max_attempts:
                    raise SourceError(
                        f"{self.vendor}: {url} failed after {attempt} attempts: {exc}"
                    ) from exc
                self._wait(self._backoff(attempt), f"connection failed ({exc.__class__.__name__})")
                continue
            if response.status_code < 400:
                return response
            if response.status_code in RETRY_STATUSES and attempt < self.max_attempts:
                wait = retry_after_seconds(response.headers.get("Retry-After"))
                self._wait(
                    wait if wait is not None else self._backoff(attempt),
                    f"HTTP {response.status_code}",
                )
                continue
            raise SourceError(
                f"{self.vendor}: GET {response.url} answered {response.status_code}: "
                f"{response.text[:300]}"
            )
        raise AssertionError("unreachable: the loop returns or raises")

    def _backoff(self, attempt: int) -> float:
        return min(self.backoff_seconds * 2 ** (attempt - 1), 30.0)

    def _wait(self, seconds: float, reason: str) -> None:
        log.info("%s: %s, waiting %.1fs", self.vendor, reason, seconds)
        self.seconds_waited += seconds
        time.sleep(seconds)
