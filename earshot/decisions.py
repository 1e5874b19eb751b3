"""Decisions a shop's leads take because of what Earshot showed them: the app's own store.

A lead records "reordered the Merino Crew", "rewrote the sizing copy" or
"fixed the discount field at checkout", linked to the theme or product that
prompted it, with the day it was taken and a note. The dashboards append each
decision as one JSON line to ``decisions.jsonl`` in a ``decisions`` folder
beside the published marts (the app never writes the marts file); the next
pipeline run loads the folder as a source, so the marts can count decisions
against the conversations that led to them.

Appends take an exclusive lock on the file, so two stakeholders saving at
once both land, one line each.
"""

from __future__ import annotations

import fcntl
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

FILE_NAME = "decisions.jsonl"
# What a decision can be, in the words of the leads who take them.
KINDS = ("reorder", "copy", "checkout", "pricing", "service", "other")
MAX_NOTE = 2000


class DecisionError(ValueError):
    """A decision that cannot be recorded, and why."""


@dataclass(frozen=True)
class Decision:
    decided_on: date
    kind: str
    note: str
    theme: str | None = None
    product_title: str | None = None
    decision_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    recorded_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def problem(self, today: date | None = None) -> str | None:
        """Why the decision cannot be recorded, or None."""
        today = today or datetime.now(UTC).date()
        if self.kind not in KINDS:
            return f"kind {self.kind!r} is not one of {', '.join(KINDS)}"
        if not (self.theme or self.product_title):
            return "link the decision to a theme or a product"
        if not self.note.strip():
            return "say in a note what was decided"
        if len(self.note) > MAX_NOTE:
            return f"the note is {len(self.note)} characters; at most {MAX_NOTE}"
        if self.decided_on > today:
            return f"decided on {self.decided_on:%Y-%m-%d}, which has not come yet"
        return None

    def as_record(self) -> dict[str, str | None]:
        record = asdict(self)
        record["decided_on"] = self.decided_on.isoformat()
        record["recorded_at"] = self.recorded_at.isoformat()
        record["note"] = self.note.strip()
        return record


def store_path(published: Path) -> Path:
    """Where the app keeps decisions: a folder beside the published marts file."""
    return published.parent / "decisions" / FILE_NAME


def record(decision: Decision, path: Path) -> dict[str, str | None]:
    """Append ``decision`` to the store, whole or not at all; raises DecisionError if invalid."""
    if reason := decision.problem():
        raise DecisionError(reason)
    line = json.dumps(decision.as_record(), ensure_ascii=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    return decision.as_record()


def recorded(path: Path) -> Iterator[dict]:
    """The decisions in the store, oldest first (nothing when none was recorded yet).

    A line that is not a JSON object (a hand edit gone wrong) is passed over
    here; the pipeline sets it aside in ``raw_earshot.quarantine`` with its reason.
    """
    if not path.exists():
        return
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                record = json.loads(line) if line.strip() else None
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict):
                yield record


def problem_of(record: dict) -> str | None:
    """Why a record read back from the store is not a decision that could have been recorded.

    The store is a plain file a person can edit; the pipeline checks each line
    with the rules the app applied when it was written.
    """
    try:
        decided_on = date.fromisoformat(str(record["decided_on"]))
    except KeyError:
        return "decided_on: required field is missing"
    except ValueError:
        return f"decided_on: expected a day as YYYY-MM-DD, got {record['decided_on']!r}"
    for name in ("theme", "product_title", "note", "kind"):
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            return f"{name}: expected text, got {type(value).__name__}"
    return Decision(
        decided_on=decided_on,
        kind=record.get("kind") or "",
        note=record.get("note") or "",
        theme=record.get("theme"),
        product_title=record.get("product_title"),
    ).problem()
