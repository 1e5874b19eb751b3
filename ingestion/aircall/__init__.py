"""Aircall Public API: calls (with tags and agent notes) and their transcripts.

Calls change after they end (tags, notes, ``archived``) and the API has no
``updated_at`` filter, so every run re-reads a look-back window and merges on
``id``. One query returns at most 10,000 calls, so a window holding more is
split in two until every half fits.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import dlt
from dlt.sources import DltResource

from ingestion.contracts import Contract, Quarantine, checked, declare_columns, one_of
from ingestion.http import VendorClient, read_ahead

QUERY_CAP = 10_000
MAX_PER_PAGE = 50
DAY = 86_400
# Transcripts come one request per call: a few at a time keep the line busy.
# Under Aircall's 60 requests a minute each waits for the reset on its own.
TRANSCRIPT_FETCHERS = 4

CALL_COLUMNS = {
    "id": {"data_type": "bigint", "nullable": False},
    "direction": {"data_type": "text"},
    "status": {"data_type": "text"},
    "missed_call_reason": {"data_type": "text"},
    "started_at": {"data_type": "bigint"},
    "answered_at": {"data_type": "bigint"},
    "ended_at": {"data_type": "bigint"},
    "duration": {"data_type": "bigint"},
    "cost": {"data_type": "decimal", "precision": 18, "scale": 4},
    "raw_digits": {"data_type": "text"},
    "archived": {"data_type": "bool"},
    "user__id": {"data_type": "bigint"},
    "user__name": {"data_type": "text"},
    "voicemail": {"data_type": "text"},
    "recording": {"data_type": "text"},
    "contact": {"data_type": "json"},
}
CALL_NESTED = {
    "tags": dlt.mark.make_nested_hints(
        columns={
            "call_id": {"data_type": "bigint"},
            "name": {"data_type": "text"},
            "tagged_at": {"data_type": "bigint"},
        }
    ),
    "comments": dlt.mark.make_nested_hints(
        columns={
            "call_id": {"data_type": "bigint"},
            "content": {"data_type": "text"},
            "posted_at": {"data_type": "bigint"},
        }
    ),
}
CALLS = Contract(
    "aircall",
    "calls",
    required={
        "id": "integer",
        "started_at": "integer",
        "direction": one_of("inbound", "outbound"),
    },
    optional={"answered_at": "integer", "ended_at": "integer", "duration": "integer"},
)
TRANSCRIPTS = Contract("aircall", "transcripts", required={"id": "integer", "call_id": "integer"})


def link_children(call: dict[str, Any]) -> dict[str, Any]:
    """Give tags and comments their call's id, so staging reads each child table on its own."""
    for child in (call.get("tags") or []) + (call.get("comments") or []):
        if isinstance(child, dict):
            child["call_id"] = call["id"]
    return call


def calls_in_window(client: VendorClient, start: int, end: int) -> Iterator[list[Any]]:
    """Yield pages of calls created in ``[start, end]``, splitting windows over the cap."""
    params = {"from": start, "to": end, "order": "asc", "per_page": MAX_PER_PAGE, "page": 1}
    _, body = client.get_json("calls", params=params)
    if body["meta"]["total"] > QUERY_CAP and end > start:
        middle = (start + end) // 2
        yield from calls_in_window(client, start, middle)
        yield from calls_in_window(client, middle + 1, end)
        return
    while True:
        if body["calls"]:
            yield body["calls"]
        link = body["meta"].get("next_page_link")
        if not link:
            return
        _, body = client.get_json(link)


@dlt.source(name="aircall")
def aircall_source(
    base_url: str = dlt.config.value,
    api_id: str = dlt.secrets.value,
    api_token: str = dlt.secrets.value,
    start_date: int = 0,
    lookback_days: int = 31,
    transcripts: bool = True,
    max_attempts: int = 8,
    backoff_seconds: float = 0.5,
) -> list[DltResource]:
    """Calls and transcripts from an Aircall company.

    Args:
        base_url: ``https://api.aircall.io`` (the sandbox's URL in the demo).
        api_id: the API ID of an Aircall API key.
        api_token: the API token of that key.
        max_attempts: requests per page before a run gives up on a failing API.
        backoff_seconds: the first wait between retries; each next wait doubles (at most 30s).
        start_date: Unix seconds; the earliest call creation time loaded on the first run.
        lookback_days: days re-read on every run, because tags, comments and
            ``archived`` change after a call has ended.
        transcripts: also load transcripts of answered calls (an Aircall plan feature;
            one request per new answered call, so the first load of a long history
            takes a while under the 60-requests-a-minute limit).
    """

    def new_client() -> VendorClient:
        return VendorClient(
            "aircall",
            f"{base_url.rstrip('/')}/v1",
            auth=(api_id, api_token),
            max_attempts=max_attempts,
            backoff_seconds=backoff_seconds,
        )

    client = new_client()
    # requests' sessions are not shared across threads: one client per fetcher.
    fetcher = threading.local()
    fetchers = ThreadPoolExecutor(TRANSCRIPT_FETCHERS, thread_name_prefix="earshot-transcripts")

    def transcript_of(call_id: int) -> Any:
        if not hasattr(fetcher, "client"):
            fetcher.client = new_client()
        _, body = fetcher.client.get_json(f"calls/{call_id}/transcription", missing_ok=True)
        return None if body is None else body["transcription"]

    quarantine = Quarantine()
    declare_columns("calls", CALL_COLUMNS)
    declare_columns(
        "transcripts",
        {"id": {"data_type": "bigint", "nullable": False}, "call_id": {"data_type": "bigint"}},
    )

    @dlt.resource(
        name="calls",
        primary_key="id",
        write_disposition="merge",
        nested_hints=CALL_NESTED,
    )
    def calls(
        started_at: dlt.sources.incremental[int] = dlt.sources.incremental(
            "started_at",
            initial_value=start_date,
            lag=lookback_days * DAY,
            on_cursor_value_missing="include",
        ),
    ) -> Iterator[Any]:
        windows = calls_in_window(client, int(started_at.last_value), int(time.time()))
        for page in read_ahead(windows):
            yield from checked(page, CALLS, quarantine, link_children)

    @dlt.transformer(
        data_from=calls,
        name="transcripts",
        primary_key="id",
        write_disposition="merge",
    )
    def call_transcripts(page: list[dict[str, Any]]) -> Iterator[Any]:
        # Transcripts do not change once made: fetch each answered call's once.
        state = dlt.current.resource_state()
        done_through = state.get("transcribed_through", 0)
        settled_before = time.time() - 3600
        wanted = [
            call["id"]
            for call in page
            if "quarantine_key" not in call
            and call.get("answered_at")
            and call["started_at"] > done_through
            and (call.get("ended_at") or 0) <= settled_before
        ]
        found = [t for t in fetchers.map(transcript_of, wanted) if t is not None]
        settled = [
            c["started_at"]
            for c in page
            if "quarantine_key" not in c and (c.get("ended_at") or 0) <= settled_before
        ]
        if settled:
            state["transcribed_through"] = max(done_through, max(settled))
        yield from checked(found, TRANSCRIPTS, quarantine)

    return [calls, call_transcripts] if transcripts else [calls]
