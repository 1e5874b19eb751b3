"""Vendor records kept on disk, found through a small index in memory.

A served dataset can hold millions of records; the twins keep only a few
numbers per record (id, timestamps, where its line starts in the file) and read
a record's JSON when a page needs it. Memory stays a small fraction of the
data's size, and any file in the generator's layout can be served, including
one written by hand.
"""

from __future__ import annotations

import mmap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from sandbox.timeline import epoch

Extractor = Callable[[dict[str, Any]], dict[str, float]]


def _lines(path: Path) -> Iterator[tuple[int, int, bytes]]:
    offset = 0
    with path.open("rb") as handle:
        for line in handle:
            if line.strip():
                yield offset, len(line), line
            offset += len(line)


class Store:
    """One resource file: records sorted by ``sort_key`` with numeric index columns."""

    def __init__(self, path: Path, columns: Extractor, sort_by: tuple[str, ...] = ("id",)) -> None:
        self.path = path
        rows: dict[str, list[float]] = {"offset": [], "length": []}
        if path.exists() and path.stat().st_size:
            for offset, length, line in _lines(path):
                values = columns(orjson.loads(line))
                rows["offset"].append(offset)
                rows["length"].append(length)
                for name, value in values.items():
                    rows.setdefault(name, []).append(value)
        self.columns = {
            name: np.asarray(
                values, dtype=np.int64 if name in ("offset", "length", "id") else np.float64
            )
            for name, values in rows.items()
        }
        if self.columns["offset"].size:
            order = np.lexsort([self.columns[key] for key in reversed(sort_by)])
            self.columns = {name: values[order] for name, values in self.columns.items()}
        # positions in id order, and the ids in that order, for a file kept in another
        # order (calls, by start)
        self._by_id = None if tuple(sort_by) == ("id",) else np.argsort(self["id"], kind="stable")
        self._sorted_ids = self["id"] if self._by_id is None else self["id"][self._by_id]
        self._file = path.open("rb") if path.exists() and path.stat().st_size else None
        self._map = (
            mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ) if self._file else None
        )

    def __len__(self) -> int:
        return int(self.columns["offset"].size)

    def __getitem__(self, name: str) -> np.ndarray:
        empty = np.empty(0, dtype=np.int64 if name == "id" else np.float64)
        return self.columns.get(name, empty)

    def record(self, position: int) -> dict[str, Any]:
        start = int(self.columns["offset"][position])
        end = start + int(self.columns["length"][position])
        return orjson.loads(self._map[start:end])

    def position_of(self, record_id: int) -> int | None:
        """The position of the record with this id, or None (a binary search)."""
        ids = self._sorted_ids
        found = int(np.searchsorted(ids, record_id))
        if found >= ids.size or ids[found] != record_id:
            return None
        return found if self._by_id is None else int(self._by_id[found])


def _time(value: Any) -> float:
    moment = epoch(value)
    return moment if moment is not None else 0.0


def shopify_columns(record: dict[str, Any]) -> dict[str, float]:
    return {
        "id": int(record["id"]),
        "created": _time(record.get("created_at")),
        "updated": _time(record.get("updated_at")) or _time(record.get("created_at")),
        "cancelled": _time(record.get("cancelled_at")),
        "closed": _time(record.get("closed_at")),
    }


def call_columns(record: dict[str, Any]) -> dict[str, float]:
    return {
        "id": int(record["id"]),
        "started": float(record.get("started_at") or 0),
        "ended": float(record.get("ended_at") or 0),
    }


def transcript_columns(record: dict[str, Any]) -> dict[str, float]:
    return {"id": int(record["call_id"])}


def review_columns(record: dict[str, Any]) -> dict[str, float]:
    return {
        "id": int(record["id"]),
        "created": _time(record.get("created_at")),
        "updated": _time(record.get("updated_at")) or _time(record.get("created_at")),
    }
