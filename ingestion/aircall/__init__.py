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
import pyarrow as pa
from dlt.sources import DltResource

from ingestion.columnar import DEDUPLICATED_MERGE, Child, Layout
from ingestion.contracts import Contract, Quarantine, one_of
from ingestion.declared import Cursor, Declared, Window, load_items
from ingestion.http import VendorClient, read_ahead

QUERY_CAP = 10_000
MAX_PER_PAGE = 50
DAY = 86_400
# Transcripts come one request per call: a few at a time keep the line busy.
# Under Aircall's 60 requests a minute each waits for the reset on its own.
TRANSCRIPT_FETCHERS = 4
# Transcripts are fetched and spooled this many calls at a time: a batch of the
# calls' table (50,000 calls) fetched whole held every transcript as Python
# objects until the last arrived.
TRANSCRIPT_PAGE = 500

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
    "number": {"data_type": "json"},
    "teams": {"data_type": "json"},
}
CALL_LAYOUT = Layout(
    root="calls",
    columns=CALL_COLUMNS,
    children=(
        Child(
            ("tags",),
            required=("name",),
            # one tag (id) is on many calls: a row is a tag on a call
            primary_key=("call_id", "name"),
            parent_key="call_id",
            columns={
                "call_id": {"data_type": "bigint"},
                "id": {"data_type": "bigint"},
                "name": {"data_type": "text"},
                "tagged_at": {"data_type": "bigint"},
            },
        ),
        Child(
            ("comments",),
            required=("id",),
            primary_key=("id",),
            parent_key="call_id",
            columns={
                "call_id": {"data_type": "bigint"},
                "id": {"data_type": "bigint"},
                "content": {"data_type": "text"},
                "posted_at": {"data_type": "bigint"},
                "posted_by": {"data_type": "json"},
            },
        ),
    ),
)
TRANSCRIPT_LAYOUT = Layout(
    root="transcripts",
    columns={
        "id": {"data_type": "bigint", "nullable": False},
        "call_id": {"data_type": "bigint"},
        "call_created_at": {"data_type": "timestamp"},
        "content__language": {"data_type": "text"},
    },
    children=(
        Child(
            ("content", "utterances"),
            primary_key=("transcript_id", "utterance_index"),
            parent_key="transcript_id",
            columns={
                "transcript_id": {"data_type": "bigint"},
                "call_id": {"data_type": "bigint"},
                "utterance_index": {"data_type": "bigint"},
                "participant_type": {"data_type": "text"},
                "start_time": {"data_type": "double"},
                "end_time": {"data_type": "double"},
                "text": {"data_type": "text"},
            },
        ),
    ),
)


def link_children(call: dict[str, Any]) -> dict[str, Any]:
    """Give tags and comments their call's id, so staging reads each child table on its own."""
    for child in (call.get("tags") or []) + (call.get("comments") or []):
        child["call_id"] = call["id"]
    return call


def link_utterances(transcript: dict[str, Any]) -> dict[str, Any]:
    """Give each utterance its transcript, its call and its place in the conversation."""
    content = transcript.get("content") or {}
    for index, utterance in enumerate(content.get("utterances") or []):
        utterance.update(
            transcript_id=transcript["id"], call_id=transcript["call_id"], utterance_index=index
        )
    return transcript


CALLS = Declared(
    Contract(
        "aircall",
        "calls",
        required={
            "id": "integer",
            "started_at": "integer",
            "direction": one_of("inbound", "outbound"),
        },
    ),
    CALL_LAYOUT,
    prepare=link_children,
)
TRANSCRIPTS = Declared(
    Contract("aircall", "transcripts", required={"id": "integer", "call_id": "integer"}),
    TRANSCRIPT_LAYOUT,
    prepare=link_utterances,
)


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
    window: Window | None = None,
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
        window: a span of call creation times to read instead of the cursor's
            (a backfill; see :class:`~ingestion.declared.Window`). A bounded
            window fetches the transcripts of its answered calls again.
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
    CALLS.declare()
    TRANSCRIPTS.declare()

    @dlt.resource(name="calls", primary_key="id", write_disposition=DEDUPLICATED_MERGE)
    def calls() -> Iterator[Any]:
        cursor = Cursor("started_at", start_date, lag=lookback_days * DAY, window=window)
        end = int(time.time()) if cursor.end is None else int(cursor.end) - 1  # "to" is inclusive
        windows = calls_in_window(client, int(cursor.start), end)
        yield from load_items(read_ahead(windows), CALLS, quarantine, cursor, deduplicated=True)

    @dlt.transformer(
        data_from=calls,
        name="transcripts",
        primary_key="id",
        write_disposition="merge",
    )
    def call_transcripts(item: Any, meta: Any = None) -> Iterator[Any]:
        # The calls table's batches come without hints; child tables and set-aside
        # records carry theirs. Transcripts do not change once made: fetch each
        # answered call's once.
        if meta is not None or not isinstance(item, pa.RecordBatch | pa.Table):
            return
        state = dlt.current.resource_state()
        rereads = window is not None and window.rereads
        done_through = 0 if rereads else state.get("transcribed_through", 0)
        settled_before = time.time() - 3600
        called = item.select(["id", "started_at", "answered_at", "ended_at"]).to_pylist()
        settled = [c for c in called if (c["ended_at"] or 0) <= settled_before]
        wanted = [c["id"] for c in settled if c["answered_at"] and c["started_at"] > done_through]
        pages = (
            [found for found in fetchers.map(transcript_of, part) if found is not None]
            for part in (
                wanted[start : start + TRANSCRIPT_PAGE]
                for start in range(0, len(wanted), TRANSCRIPT_PAGE)
            )
        )
        yield from load_items(pages, TRANSCRIPTS, quarantine)
        if settled and not rereads:
            state["transcribed_through"] = max(done_through, *(c["started_at"] for c in settled))

    return [calls, call_transcripts] if transcripts else [calls]
