"""Aircall Public API: call logs, re-reading a look-back window as calls change after ending."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import dlt
from dlt.sources import DltResource

from ingestion.http import VendorClient

QUERY_CAP = 10_000
MAX_PER_PAGE = 50
DAY = 86_400


CALL_COLUMNS = {
    "id": {"data_type": "bigint", "nullable": False},
    "direction": {"data_type": "text"},
    "status": {"data_type": "text"},
    "missed_call_reason": {"data_type": "text"},
    "started_at": {"data_type": "bigint"},
    "answered_at": {"data_type": "bigint"},
    "ended_at": {"data_type": "bigint"},
    "duration": {"data_type": "bigint"},
    "raw_digits": {"data_type": "text"},
    "archived": {"data_type": "bool"},
    "user__id": {"data_type": "bigint"},
    "user__name": {"data_type": "text"},
    "voicemail": {"data_type": "text"},
    "recording": {"data_type": "text"},
    "contact": {"data_type": "json"},
}


def link_children(call: dict[str, Any]) -> dict[str, Any]:
    """Give tags and comments their call's id, so staging reads each child table on its own."""
    for child in (call.get("tags") or []) + (call.get("comments") or []):
        child["call_id"] = call["id"]
    return call


def calls_in_window(client: VendorClient, start: int, end: int) -> Iterator[list[dict[str, Any]]]:
    """Yield pages of calls created in ``[start, end]``.

    One Aircall query returns at most 10,000 calls, so a window that holds more
    is split in two until every half fits.
    """
    params = {"from": start, "to": end, "order": "asc", "per_page": MAX_PER_PAGE, "page": 1}
    body = client.get("calls", params=params).json()
    if body["meta"]["total"] > QUERY_CAP and end > start:
        middle = (start + end) // 2
        yield from calls_in_window(client, start, middle)
        yield from calls_in_window(client, middle + 1, end)
        return
    while True:
        if body["calls"]:
            yield [link_children(call) for call in body["calls"]]
        link = body["meta"].get("next_page_link")
        if not link:
            return
        body = client.get(link).json()


@dlt.source(name="aircall")
def aircall_source(
    base_url: str = dlt.config.value,
    api_id: str = dlt.secrets.value,
    api_token: str = dlt.secrets.value,
    start_date: int = 0,
    lookback_days: int = 31,
) -> DltResource:
    """Calls from an Aircall company, merged on ``id``.

    Args:
        base_url: ``https://api.aircall.io`` (the sandbox's URL in the demo).
        api_id: the API ID of an Aircall API key.
        api_token: the API token of that key.
        start_date: Unix seconds; the earliest call creation time loaded on the first run.
        lookback_days: days re-read on every run, because tags, comments and
            ``archived`` change after a call has ended and the API has no
            ``updated_at`` filter.
    """
    client = VendorClient("aircall", f"{base_url.rstrip('/')}/v1", auth=(api_id, api_token))

    @dlt.resource(name="calls", primary_key="id", write_disposition="merge", columns=CALL_COLUMNS)
    def calls(
        started_at: dlt.sources.incremental[int] = dlt.sources.incremental(
            "started_at", initial_value=start_date, lag=lookback_days * DAY
        ),
    ) -> Iterator[list[dict[str, Any]]]:
        yield from calls_in_window(client, int(started_at.last_value), int(time.time()))

    return calls
