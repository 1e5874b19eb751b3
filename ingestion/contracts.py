"""Record contracts: the fields the models rely on, checked before a record is loaded.

A record that breaks its contract (a required field missing, or of the wrong
type) is not dropped and does not stop the load: it goes to the source's
``quarantine`` table with the raw record and the reason, and the good records
of the same page load as usual. Fields a contract does not name evolve freely.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import dlt
import orjson
from dlt.common.schema.utils import new_table

QUARANTINE_TABLE = "quarantine"


def parse_timestamp(value: Any) -> datetime:
    """An ISO timestamp with its offset as an aware datetime (vendors send the shop's offset)."""
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO timestamp, got {type(value).__name__}")
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def _integer(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    return value


def _money(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise TypeError(f"expected a decimal amount, got {type(value).__name__}")
    try:
        Decimal(str(value))
    except InvalidOperation as exc:
        raise TypeError(f"expected a decimal amount, got {value!r}") from exc
    return value


def _text(value: Any) -> Any:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return value


def _timestamp(value: Any) -> Any:
    parse_timestamp(value)
    return value


def _rating(value: Any) -> Any:
    _integer(value)
    if not 1 <= value <= 5:
        raise TypeError(f"expected a rating from 1 to 5, got {value}")
    return value


def _boolean(value: Any) -> Any:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {value!r}")
    return value


def one_of(*allowed: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value not in allowed:
            raise TypeError(f"expected one of {', '.join(allowed)}, got {value!r}")
        return value

    return check


CHECKS: dict[str, Callable[[Any], Any]] = {
    "integer": _integer,
    "money": _money,
    "text": _text,
    "timestamp": _timestamp,
    "rating": _rating,
    "bool": _boolean,
}
# The check for each declared dlt column type a cast could refuse (see ingestion.columnar).
TYPE_CHECKS: dict[str, Callable[[Any], Any]] = {
    "bigint": _integer,
    "decimal": _money,
    "timestamp": _timestamp,
    "bool": _boolean,
}


@dataclass(frozen=True)
class Contract:
    """The fields one resource's records must carry: ``{field: kind}``.

    The types of the fields that may be absent come from the resource's
    declared columns (``ingestion.declared.Declared`` adds those checks).
    """

    source: str
    resource: str
    required: dict[str, str | Callable[[Any], Any]]
    # Further checks over the whole record (nested values), returning a reason or None.
    also: Callable[[dict[str, Any]], str | None] | None = None
    # The field that names a record in quarantine (its record_id).
    key: str = "id"

    def problem(self, record: Any) -> str | None:
        """Why ``record`` breaks the contract, or None when it keeps it."""
        if not isinstance(record, dict):
            return f"expected an object, got {type(record).__name__}"
        for name, kind in self.required.items():
            if record.get(name) is None:
                return f"{name}: required field is missing"
            if reason := self._check(name, kind, record[name]):
                return reason
        return self.also(record) if self.also is not None else None

    @staticmethod
    def _check(name: str, kind: str | Callable[[Any], Any], value: Any) -> str | None:
        check = CHECKS[kind] if isinstance(kind, str) else kind
        try:
            check(value)
        except (TypeError, ValueError) as exc:
            return f"{name}: {exc}"
        return None


@dataclass
class Quarantine:
    """Counts what a run set aside, per resource, for the run summary."""

    counts: Counter[str] = field(default_factory=Counter)

    def rows(self, contract: Contract, rejected: list[tuple[Any, str]]) -> list[dict[str, Any]]:
        self.counts[f"{contract.source}.{contract.resource}"] += len(rejected)
        seen_at = datetime.now(UTC)
        return [
            {
                "quarantine_key": hashlib.sha256(
                    f"{contract.source}.{contract.resource}:{_raw(record)}".encode()
                ).hexdigest()[:32],
                "source": contract.source,
                "resource": contract.resource,
                "record_id": _record_id(record, contract.key),
                "reason": reason,
                "raw_record": _raw(record),
                "quarantined_at": seen_at,
            }
            for record, reason in rejected
        ]


def _record_id(record: Any, key: str) -> str | None:
    if not isinstance(record, dict) or record.get(key) is None:
        return None
    return str(record[key])


def _raw(record: Any) -> str:
    return orjson.dumps(record, option=orjson.OPT_SORT_KEYS).decode()


QUARANTINE_HINTS = dlt.mark.make_hints(
    table_name=QUARANTINE_TABLE,
    write_disposition="merge",
    primary_key="quarantine_key",
    columns={
        "quarantine_key": {"data_type": "text", "nullable": False},
        "raw_record": {"data_type": "text"},
        "reason": {"data_type": "text"},
        "quarantined_at": {"data_type": "timestamp"},
    },
)


def split_page(
    records: Iterable[Any],
    contract: Contract,
    quarantine: Quarantine,
    prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> tuple[list[dict[str, Any]], Any]:
    """(good records, ready to load; the quarantine item for the bad ones, or None)."""
    good: list[dict[str, Any]] = []
    rejected: list[tuple[Any, str]] = []
    for record in records:
        reason = contract.problem(record)
        if reason is None:
            good.append(prepare(record) if prepare else record)
        else:
            rejected.append((record, reason))
    if not rejected:
        return good, None
    rows = quarantine.rows(contract, rejected)
    return good, dlt.mark.with_hints(rows, QUARANTINE_HINTS, create_table_variant=True)


def declare_columns(table: str, columns: dict[str, dict[str, Any]]) -> None:
    """Type a source's root table in its schema rather than on its resource.

    Hints on the resource would be inherited by the quarantine table, which
    holds raw records of any shape; the schema types only the table itself.
    """
    schema = dlt.current.source_schema()
    schema.update_table(
        new_table(table, columns=[{"name": name, **hints} for name, hints in columns.items()])
    )
