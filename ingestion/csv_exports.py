"""CSV exports for teams without API access: Aircall call history and Judge.me reviews.

Drop export files in a folder (a local path or any fsspec URL: ``s3://``,
``gs://``, ``az://``, ``sftp://``...). Each run reads only files added or
changed since the last run (by modification time) and loads their rows into
the same raw tables the API sources fill, merged on a stable id derived from
each row, since exports carry no vendor id. Rows that break the contract go to
quarantine like API records do.

    python -m ingestion.csv_exports aircall path/to/call-exports
    python -m ingestion.csv_exports judgeme s3://bucket/review-exports
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import dlt
from dlt.sources import DltResource
from dlt.sources.filesystem import FileItemDict, filesystem

from ingestion.aircall import CALLS
from ingestion.columnar import DEDUPLICATED_MERGE
from ingestion.contracts import Quarantine
from ingestion.declared import load_items
from ingestion.judgeme import REVIEWS

ID_SPACE = 2**62


def stable_id(*parts: Any) -> int:
    """A positive 62-bit id from a row's identifying fields: the same row, the same id."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") % ID_SPACE


def _rows(file: FileItemDict) -> Iterator[tuple[int, dict[str, str]]]:
    with file.open(mode="rb") as handle:
        text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
        for number, row in enumerate(csv.DictReader(text), start=2):
            yield number, {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}


def _seconds(value: str) -> int | str:
    """Seconds from "1:02:03", "02:03" or "123"; anything else is left for the contract to flag."""
    if re.fullmatch(r"\d+", value):
        return int(value)
    if re.fullmatch(r"\d+(:\d{1,2}){1,2}", value):
        total = 0
        for part in value.split(":"):
            total = total * 60 + int(part)
        return total
    return value


def _digits(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit())


def call_from_export(
    row: dict[str, str], company_numbers: set[str], source_file: str, line: int
) -> dict[str, Any]:
    """One row of Aircall's call-history export in the shape of the API's call."""
    date = row.get("date (tz offset incl.)") or row.get("date", "")
    clock = row.get("time (tz offset incl.)") or row.get("time", "")
    started: int | str
    try:
        started = int(datetime.fromisoformat(f"{date}T{clock}".replace(" ", "")).timestamp())
    except ValueError:
        started = f"{date} {clock}".strip()
    direction = (row.get("direction") or row.get("type") or "").lower()
    if direction not in ("inbound", "outbound"):
        direction = "outbound" if _digits(row.get("from", "")) in company_numbers else "inbound"
    customer = row.get("to", "") if direction == "outbound" else row.get("from", "")
    answered = row.get("answered", "").lower() in ("yes", "true", "1", "answered")
    total = _seconds(row.get("duration (total)", "") or "0")
    in_call = _seconds(row.get("duration (in call)", "") or "0")
    call_id = stable_id(date, clock, row.get("from", ""), row.get("to", ""))
    ring = total - in_call if isinstance(total, int) and isinstance(in_call, int) else 0
    call: dict[str, Any] = {
        "id": call_id,
        "direction": direction,
        "status": "done",
        "started_at": started,
        "answered_at": started + ring if answered and isinstance(started, int) else None,
        "ended_at": started + total
        if isinstance(started, int) and isinstance(total, int)
        else None,
        "duration": total,
        "missed_call_reason": row.get("missed_call_reason") or None,
        "raw_digits": customer,
        "user": {"name": row["user"]} if row.get("user") else None,
        "tags": [
            {"name": t.strip(), "call_id": call_id}
            for t in row.get("tags", "").split(",")
            if t.strip()
        ],
        "comments": (
            [
                {
                    "id": stable_id(call_id, row["comments"]),
                    "content": row["comments"],
                    "call_id": call_id,
                }
            ]
            if row.get("comments")
            else []
        ),
        "export_file": source_file,
        "export_line": line,
    }
    return call


def review_from_export(row: dict[str, str], source_file: str, line: int) -> dict[str, Any]:
    """One row of Judge.me's review export in the shape of the API's review."""
    reviewed = row.get("review_date", "")
    try:
        moment = datetime.strptime(reviewed, "%Y-%m-%d %H:%M:%S UTC").replace(tzinfo=UTC)
        stamp: Any = moment.isoformat()
    except ValueError:
        stamp = reviewed or None
    rating: Any = row.get("rating", "")
    rating = int(rating) if rating.isdigit() else rating
    product: Any = row.get("product_id", "")
    product = int(product) if product.isdigit() else (product or None)
    email = row.get("reviewer_email", "").lower()
    return {
        "id": stable_id(email, row.get("product_id", ""), reviewed, row.get("title", "")),
        "title": row.get("title"),
        "body": row.get("body"),
        "rating": rating,
        "product_external_id": product,
        "product_handle": row.get("product_handle") or None,
        "reviewer": {"name": row.get("reviewer_name"), "email": email or None},
        "source": row.get("source") or "import",
        "curated": row.get("curated") or None,
        "created_at": stamp,
        "updated_at": stamp,
        "export_file": source_file,
        "export_line": line,
    }


# Every changed file arrives in one page, so a run reads them all into one spool:
# a record in two exports keeps its version from the file modified last.
FILES_PER_RUN = 1_000_000


def changed_files(bucket_url: str, file_glob: str) -> DltResource:
    """The files in ``bucket_url`` added or changed since the last run (by modification time).

    One list per run, the earliest modified first (see :func:`in_order_read`).
    """
    files = filesystem(bucket_url=bucket_url, file_glob=file_glob, files_per_page=FILES_PER_RUN)
    files.apply_hints(incremental=dlt.sources.incremental("modification_date"))
    return files


def in_order_read(files: list[FileItemDict]) -> list[FileItemDict]:
    """The files in the order they were last modified (by name when at the same moment)."""
    return sorted(files, key=lambda file: (file["modification_date"], file["file_name"]))


@dlt.source(name="aircall_csv")
def aircall_csv_source(
    bucket_url: str = dlt.config.value,
    file_glob: str = "*.csv",
    company_numbers: list[str] | None = None,
) -> DltResource:
    """Aircall call-history exports dropped in ``bucket_url``.

    Args:
        bucket_url: a folder path or fsspec URL holding the exports.
        file_glob: which files in it are exports.
        company_numbers: the shop's own Aircall numbers, to tell outbound calls from
            inbound ones when the export has no direction column.
    """
    quarantine = Quarantine()
    ours = {_digits(n) for n in company_numbers or []}
    CALLS.declare()

    @dlt.transformer(name="calls", primary_key="id", write_disposition=DEDUPLICATED_MERGE)
    def calls(files: list[FileItemDict]) -> Iterator[Any]:
        pages = (
            [call_from_export(row, ours, file["file_name"], line) for line, row in _rows(file)]
            for file in in_order_read(files)
        )
        yield from load_items(pages, CALLS, quarantine, deduplicated=True)

    return changed_files(bucket_url, file_glob) | calls


@dlt.source(name="judgeme_csv")
def judgeme_csv_source(bucket_url: str = dlt.config.value, file_glob: str = "*.csv") -> DltResource:
    """Judge.me review exports dropped in ``bucket_url``."""
    quarantine = Quarantine()
    REVIEWS.declare()

    @dlt.transformer(name="reviews", primary_key="id", write_disposition=DEDUPLICATED_MERGE)
    def reviews(files: list[FileItemDict]) -> Iterator[Any]:
        pages = (
            [review_from_export(row, file["file_name"], line) for line, row in _rows(file)]
            for file in in_order_read(files)
        )
        yield from load_items(pages, REVIEWS, quarantine, deduplicated=True)

    return changed_files(bucket_url, file_glob) | reviews


def main(argv: list[str]) -> int:
    from earshot.settings import Settings
    from ingestion.pipelines import EXPORT_VENDORS, load_exports

    if len(argv) != 2 or argv[0] not in EXPORT_VENDORS:
        print(
            "usage: python -m ingestion.csv_exports aircall|judgeme FOLDER_OR_URL", file=sys.stderr
        )
        return 2
    vendor, folder = argv
    loaded = load_exports(vendor, folder, Settings.from_env(), progress="log", say=print)
    print(loaded.info)
    print(loaded.describe())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
