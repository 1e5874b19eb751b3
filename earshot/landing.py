"""Landing contracts: what every raw table must hold before anything is built on it.

The loaders already set aside records that break a vendor's contract (a
missing id, a rating of six). What lands can still be wrong in ways a single
record does not show, or that another loader let through: a key loaded twice,
a negative price, a currency that is no ISO code, a call that ended before it
began, a timestamp in 1970 or next year, a table that emptied, or a load
whose records were mostly set aside. Each raw table's :class:`TableContract`
says which of these apply; :func:`validate` checks them with a Great
Expectations suite (in memory, on the columns concerned) and returns one
:class:`Finding` per expectation, with the failing rows' keys.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb

from earshot.memory import give_back_memory

# Amounts the shop could have been paid in (ISO 4217, active codes).
_ISO_CODES = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD
    FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY
    KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP
    MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR
    RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS
    TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER
    ZAR ZMW ZWG ZWL
"""
ISO_CURRENCIES = frozenset(_ISO_CODES.split())
# No shop's records come from before this, and none from more than a day ahead.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
AHEAD = timedelta(days=1)
# A load whose records were mostly set aside is a broken feed, not a few bad records.
QUARANTINE_SHARE_MAX = 0.05
FAILING_ROWS_SHOWN = 20
_runs = itertools.count()


@dataclass(frozen=True)
class TableContract:
    """What one raw table must hold. Columns absent from the table are skipped."""

    schema: str
    table: str
    key: tuple[str, ...] = ("id",)
    non_negative: tuple[str, ...] = ()
    currencies: tuple[str, ...] = ()
    ratings: tuple[str, ...] = ()
    timestamps: tuple[str, ...] = ()  # timestamp columns
    epoch_seconds: tuple[str, ...] = ()  # Unix seconds
    # (earlier, later): the second may not come before the first (a call's start and end)
    ordered: tuple[tuple[str, str], ...] = ()
    resource: str | None = None  # the resource its quarantined records are filed under

    @property
    def name(self) -> str:
        return f"{self.schema}.{self.table}"


@dataclass(frozen=True)
class Finding:
    """One expectation's result on one table."""

    expectation: str
    column: str
    passed: bool
    checked: int = 0
    failing: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)  # failing rows: key and value

    def describe(self) -> str:
        if self.passed:
            return f"{self.expectation} on {self.column}: ok"
        return f"{self.expectation} on {self.column}: {self.failing} of {self.checked} rows fail"


CONTRACTS = {
    ("raw_shopify", "orders"): (
        TableContract(
            "raw_shopify",
            "orders",
            non_negative=(
                "subtotal_price",
                "total_line_items_price",
                "total_discounts",
                "total_tax",
                "total_price",
            ),
            currencies=("currency",),
            timestamps=("created_at", "updated_at"),
            resource="orders",
        ),
        TableContract("raw_shopify", "orders__line_items", non_negative=("quantity", "price")),
        TableContract(
            "raw_shopify",
            "orders__refunds__refund_line_items",
            non_negative=("quantity", "subtotal", "total_tax"),
        ),
    ),
    ("raw_shopify", "customers"): (
        TableContract(
            "raw_shopify",
            "customers",
            timestamps=("created_at", "updated_at"),
            resource="customers",
        ),
    ),
    ("raw_shopify", "products"): (
        TableContract(
            "raw_shopify", "products", timestamps=("created_at", "updated_at"), resource="products"
        ),
    ),
    ("raw_aircall", "calls"): (
        TableContract(
            "raw_aircall",
            "calls",
            non_negative=("duration", "cost"),
            epoch_seconds=("started_at", "answered_at", "ended_at"),
            ordered=(("started_at", "ended_at"), ("started_at", "answered_at")),
            resource="calls",
        ),
    ),
    ("raw_aircall", "transcripts"): (
        TableContract("raw_aircall", "transcripts", resource="transcripts"),
    ),
    ("raw_judgeme", "reviews"): (
        TableContract(
            "raw_judgeme",
            "reviews",
            ratings=("rating",),
            timestamps=("created_at", "updated_at"),
            resource="reviews",
        ),
    ),
}


def columns_of(connection: duckdb.DuckDBPyConnection, schema: str, table: str) -> set[str]:
    return {
        name
        for (name,) in connection.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()
    }


@functools.cache
def _context():
    """One in-memory Great Expectations context per process: no files, no analytics, quiet."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return gx, context


@contextlib.contextmanager
def _registered(gx, context, name: str):
    """A suite and a pandas data source of their own in the process's context, for one
    validation, and removed from it after.

    The context lives as long as the process, and a data source keeps the frames it
    was given: left there, every table validated stays in memory. A process that had
    run the L shop's landing checks held 845 MiB after them and peaked at 1,067; with
    each validation's own removed, 379 and 836 (bench/landing_memory.py).
    """
    run = next(_runs)
    suite = context.suites.add(gx.ExpectationSuite(name=f"landing {name} {run}"))
    try:
        source = context.data_sources.add_pandas(f"{name} {run}")
        try:
            yield suite, source
        finally:
            # the source and its engine refer to each other, so they outlive the
            # context's reference until a full garbage collection (0.3 s in a process
            # with Dagster's definitions loaded); what they hold of the batch goes now
            batches = source.get_execution_engine().batch_manager
            batches.reset_batch_cache()
            batches.batch_data_cache.clear()
            context.data_sources.delete(source.name)
    finally:
        context.suites.delete(suite.name)


def validate(
    connection: duckdb.DuckDBPyConnection, contract: TableContract, now: datetime | None = None
) -> list[Finding]:
    """Run the contract's expectations on the table as it stands."""
    present = columns_of(connection, contract.schema, contract.table)
    if not present:
        return []  # not loaded yet: nothing landed, nothing malformed
    gx, context = _context()
    expectations = gx.expectations
    now = now or datetime.now(UTC)
    wanted: list[tuple[str, str, Any]] = []  # (label, column, expectation)
    for column in contract.key:
        wanted.append(("unique", column, expectations.ExpectColumnValuesToBeUnique(column=column)))
        wanted.append(
            ("not null", column, expectations.ExpectColumnValuesToNotBeNull(column=column))
        )
    for column in contract.non_negative:
        wanted.append(
            (
                "non-negative",
                column,
                expectations.ExpectColumnValuesToBeBetween(column=column, min_value=0),
            )
        )
    for column in contract.currencies:
        wanted.append(
            (
                "ISO 4217 currency",
                column,
                expectations.ExpectColumnValuesToBeInSet(
                    column=column, value_set=sorted(ISO_CURRENCIES)
                ),
            )
        )
    for column in contract.ratings:
        wanted.append(
            (
                "rating 1 to 5",
                column,
                expectations.ExpectColumnValuesToBeBetween(column=column, min_value=1, max_value=5),
            )
        )
    for column in contract.timestamps + contract.epoch_seconds:
        wanted.append(
            (
                f"between {EARLIEST:%Y-%m-%d} and a day ahead",
                column,
                expectations.ExpectColumnValuesToBeBetween(
                    column=f"{column}__epoch",
                    min_value=EARLIEST.timestamp(),
                    max_value=(now + AHEAD).timestamp(),
                ),
            )
        )
    for earlier, later in contract.ordered:
        wanted.append(
            (
                f"not before {earlier}",
                later,
                expectations.ExpectColumnValuesToBeBetween(
                    column=f"{later}__after_{earlier}", min_value=0
                ),
            )
        )
    wanted = [(label, column, e) for label, column, e in wanted if column in present]
    findings: list[Finding] = []
    if not wanted:
        return findings
    rows, outcomes = _outcomes(gx, context, connection, contract, present, wanted)
    # the frame is gone: give its memory back to the system, not to Python's next objects
    give_back_memory()
    for (label, column, _), outcome in zip(wanted, outcomes, strict=True):
        detail = outcome.result or {}
        indexes = detail.get("unexpected_index_list") or []
        findings.append(
            Finding(
                label,
                column,
                bool(outcome.success),
                checked=int(detail.get("element_count") or rows),
                failing=int(detail.get("unexpected_count") or 0),
                examples=[_plain(row) for row in indexes[:FAILING_ROWS_SHOWN]],
            )
        )
    return findings


def _outcomes(gx, context, connection, contract, present, wanted) -> tuple[int, list]:
    """The table's rows and the outcome of each of ``wanted``'s expectations on them."""
    frame = _frame(connection, contract, present)
    keys = [column for column in contract.key if column in present]
    with _registered(gx, context, contract.name) as (suite, source):
        for _, _, expectation in wanted:
            suite.add_expectation(expectation)
        batch = (
            source.add_dataframe_asset(contract.table)
            .add_batch_definition_whole_dataframe("all rows")
            .get_batch(batch_parameters={"dataframe": frame})
        )
        result = batch.validate(
            suite,
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": keys,
                "partial_unexpected_count": FAILING_ROWS_SHOWN,
            },
        )
    return len(frame), result.results


def _frame(connection: duckdb.DuckDBPyConnection, contract: TableContract, present: set[str]):
    """The columns the expectations read, times as Unix seconds, orderings as differences."""
    selects = [f'"{c}"' for c in contract.key if c in present]
    selects += [f'cast("{c}" as double) as "{c}"' for c in contract.non_negative if c in present]
    selects += [f'"{c}"' for c in contract.currencies + contract.ratings if c in present]
    selects += [f'epoch("{c}") as "{c}__epoch"' for c in contract.timestamps if c in present]
    selects += [
        f'cast("{c}" as double) as "{c}__epoch"' for c in contract.epoch_seconds if c in present
    ]
    selects += [
        f'cast("{b}" as double) - cast("{a}" as double) as "{b}__after_{a}"'
        for a, b in contract.ordered
        if a in present and b in present
    ]
    return connection.execute(
        f'select {", ".join(selects)} from "{contract.schema}"."{contract.table}"'
    ).df()


def _plain(value: Any) -> Any:
    """GX hands back numpy scalars; metadata wants plain values."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "item"):
        return value.item()
    return value


@dataclass(frozen=True)
class LoadShare:
    """Records of a table's latest load: written, and set aside in quarantine."""

    load_id: str | None
    written: int
    set_aside: int

    @property
    def share(self) -> float:
        total = self.written + self.set_aside
        return self.set_aside / total if total else 0.0

    @property
    def passed(self) -> bool:
        return self.share <= QUARANTINE_SHARE_MAX


def latest_load(connection: duckdb.DuckDBPyConnection, contract: TableContract) -> LoadShare:
    """How the table's latest load split between written and set aside."""
    table = f'"{contract.schema}"."{contract.table}"'
    if not columns_of(connection, contract.schema, contract.table):
        return LoadShare(None, 0, 0)  # not loaded yet
    has_quarantine = bool(columns_of(connection, contract.schema, "quarantine"))
    quarantine = f'"{contract.schema}".quarantine'
    loads = f"select max(_dlt_load_id) from {table}"
    if has_quarantine and contract.resource:
        loads = (
            f"select max(load_id) from (select _dlt_load_id as load_id from {table} "
            f"union all select _dlt_load_id from {quarantine} where resource = ?)"
        )
    parameters = [contract.resource] if has_quarantine and contract.resource else []
    (load_id,) = connection.execute(loads, parameters).fetchone()
    if load_id is None:
        return LoadShare(None, 0, 0)
    (written,) = connection.execute(
        f"select count(*) from {table} where _dlt_load_id = ?", [load_id]
    ).fetchone()
    set_aside = 0
    if has_quarantine and contract.resource:
        (set_aside,) = connection.execute(
            f"select count(*) from {quarantine} where resource = ? and _dlt_load_id = ?",
            [contract.resource, load_id],
        ).fetchone()
    return LoadShare(str(load_id), int(written), int(set_aside))


def row_count(connection: duckdb.DuckDBPyConnection, contract: TableContract) -> int:
    if not columns_of(connection, contract.schema, contract.table):
        return 0
    (count,) = connection.execute(
        f'select count(*) from "{contract.schema}"."{contract.table}"'
    ).fetchone()
    return int(count)
