"""The span of time a load reads, in a module of its own: Dagster's partitions
build windows in every process of a run, without importing dlt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Window:
    """A span of time to read, as a Dagster partition range asks for it.

    ``end`` is exclusive. A window that ends in the past is a re-read (a
    backfill): the resource reads what could have changed in that span (the
    span, less its cursor's ``lag`` at the start) and its cursor stays where
    it was. A window with no ``end`` reaches now: the resource
    reads from ``start`` or from its cursor, whichever is earlier, and moves its
    cursor as any incremental run does.
    """

    start: datetime
    end: datetime | None = None

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or (self.end is not None and self.end.tzinfo is None):
            raise ValueError(f"window bounds must carry a time zone: {self}")
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"window ends before it starts: {self.start} to {self.end}")

    def __str__(self) -> str:
        end = "now" if self.end is None else self.end.isoformat()
        return f"{self.start.isoformat()} to {end}"

    @property
    def rereads(self) -> bool:
        """Whether this window is a bounded re-read that must not move the cursor."""
        return self.end is not None

    def plain(self) -> dict[str, str | None]:
        """The bounds as ISO 8601 text, for a step run in another process."""
        return {
            "start": self.start.isoformat(),
            "end": None if self.end is None else self.end.isoformat(),
        }

    @classmethod
    def from_plain(cls, values: dict[str, str | None]) -> Window:
        end = values.get("end")
        return cls(datetime.fromisoformat(values["start"]), end and datetime.fromisoformat(end))
