"""The decisions leads record in the dashboards, loaded as a source of Earshot's own.

The Actions page appends each decision as a JSON line to
``<published dir>/decisions/decisions.jsonl`` (:mod:`earshot.decisions`). Each
run reads the files in that folder added or changed since the last run and
merges their lines on ``decision_id`` into ``raw_earshot.decisions``, so a
line read twice is one decision. A line that is not JSON, or not a decision
the app could have recorded (a hand edit gone wrong), goes to
``raw_earshot.quarantine`` with its file, line and reason; the rest load.

    python -m ingestion.decisions [FOLDER]
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import dlt
from dlt.sources import DltResource
from dlt.sources.filesystem import FileItemDict

from earshot import decisions
from ingestion.columnar import DEDUPLICATED_MERGE, Layout
from ingestion.contracts import QUARANTINE_HINTS, Contract, Quarantine
from ingestion.csv_exports import changed_files, in_order_read
from ingestion.declared import Declared, load_items

DECISION_COLUMNS = {
    "decision_id": {"data_type": "text", "nullable": False},
    "decided_on": {"data_type": "text"},
    "kind": {"data_type": "text"},
    "theme": {"data_type": "text"},
    "product_title": {"data_type": "text"},
    "note": {"data_type": "text"},
    "recorded_at": {"data_type": "timestamp"},
    "store_file": {"data_type": "text"},
    "store_line": {"data_type": "bigint"},
}
DECISIONS = Declared(
    Contract(
        "earshot",
        "decisions",
        required={"decision_id": "text", "decided_on": "text", "recorded_at": "timestamp"},
        also=decisions.problem_of,
        key="decision_id",
    ),
    Layout(root="decisions", columns=DECISION_COLUMNS, children=(), primary_key=("decision_id",)),
)


def _lines(file: FileItemDict) -> Iterator[tuple[int, str]]:
    with file.open(mode="rb") as handle:
        for number, raw in enumerate(handle, start=1):
            text = raw.decode("utf-8", errors="replace").strip()
            if text:
                yield number, text


def read_store(
    file: FileItemDict, quarantine: Quarantine
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(the file's decisions, with where each came from; quarantine rows for unreadable lines)."""
    records: list[dict[str, Any]] = []
    unreadable: list[tuple[Any, str]] = []
    for line, text in _lines(file):
        try:
            record = json.loads(text)
        except json.JSONDecodeError as error:
            where = {"store_file": file["file_name"], "store_line": line, "raw_line": text}
            unreadable.append((where, f"line {line} of {file['file_name']} is not JSON: {error}"))
            continue
        if isinstance(record, dict):
            record = {**record, "store_file": file["file_name"], "store_line": line}
        records.append(record)
    return records, quarantine.rows(DECISIONS.contract, unreadable) if unreadable else []


@dlt.source(name="earshot")
def decisions_source(bucket_url: str, file_glob: str = "*.jsonl") -> DltResource:
    """Decisions recorded in the dashboards, from the store folder ``bucket_url``."""
    quarantine = Quarantine()
    DECISIONS.declare()

    @dlt.transformer(
        name="decisions", primary_key="decision_id", write_disposition=DEDUPLICATED_MERGE
    )
    def decisions_table(files: list[FileItemDict]) -> Iterator[Any]:
        pages = []
        for file in in_order_read(files):
            records, unreadable = read_store(file, quarantine)
            if unreadable:
                yield dlt.mark.with_hints(unreadable, QUARANTINE_HINTS, create_table_variant=True)
            pages.append(records)
        yield from load_items(pages, DECISIONS, quarantine, deduplicated=True)

    return changed_files(bucket_url, file_glob) | decisions_table


def main(argv: list[str]) -> int:
    from earshot.settings import Settings
    from ingestion.pipelines import load_decisions

    settings = Settings.from_env()
    folder = argv[0] if argv else str(decisions.store_path(settings.published).parent)
    loaded = load_decisions(folder, settings, progress="log", say=print)
    print(loaded.describe())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
