"""Nested vendor records flattened into tables by DuckDB, not row by row in Python.

dlt's normalizer walks every nested record in Python: for Shopify's orders
(each with line items, refunds, shipping lines and a dozen money objects) that
walk was most of a large load. Every resource instead appends its checked
records to a :class:`Spool` (``ingestion.declared.load_items``) and, once the
pages are read, yields the tables it reads back: DuckDB parses the records,
unnests the child lists into their own tables and flattens objects into
``parent__child`` columns (the names dlt gives them), and dlt receives Arrow
batches it only has to write.

Each record's last version read wins: a record read twice in one load (an
order edited while the pages were read) keeps its later version and only that
version's child rows, and a child list repeating a key keeps its last element.
The tables leave deduplicated by key, so a resource whose whole load goes
through one spool declares :data:`DEDUPLICATED_MERGE` and dlt's merge inserts
them as they are, without a window over the staged rows (that window held a
large first load's peak memory).

The declared columns are cast to their declared types (the record contracts
check those values first, so a cast cannot fail on a record that was let
through); a text column named ``*_at`` whose every value is an ISO timestamp
becomes a timestamp, as dlt's own detection would make it; lists that are not
child tables, and objects declared ``json``, stay JSON text.
"""

from __future__ import annotations

import atexit
import functools
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dlt
import duckdb
import orjson
import pyarrow as pa

from earshot.settings import duckdb_load_config, spool_memory_limit
from earshot.warehouse import quoted
from ingestion.contracts import TYPE_CHECKS

BATCH_ROWS = 50_000
SAMPLE_ROWS = 20_480
# a staged table's batches on disk, LZ4-compressed: as quick to write as uncompressed and
# about a fifth of the bytes (a million call-like rows: 0.27 s, 26 MB against 0.26 s, 145 MB)
STAGED = pa.ipc.IpcWriteOptions(compression="lz4")
# dlt's merge, told the staged rows are already unique by key (see above)
DEDUPLICATED_MERGE = {"disposition": "merge", "strategy": "delete-insert", "deduplicated": True}


class _DeclaredHintsWin(logging.Filter):
    """Drop dlt's warning that declared hints override the Arrow schema: that is the intent
    here (keys declared not null, JSON declared where Arrow only sees text)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "when merging arrow schema with dlt schema" not in record.getMessage()


logging.getLogger("dlt").addFilter(_DeclaredHintsWin())


@dataclass(frozen=True)
class Child:
    """A list inside each record that loads as its own table.

    ``path`` leads from the root record to the list, through lists or objects,
    e.g. ``("refunds", "refund_line_items")`` or ``("content", "utterances")``;
    every element already carries its root's key, ``parent_key`` (the source
    links children to parents before spooling). A child table merges on
    ``primary_key`` and is replaced per parent, so an element removed at the
    source leaves the warehouse too.
    """

    path: tuple[str, ...]
    primary_key: tuple[str, ...]
    columns: dict[str, dict[str, Any]] = field(default_factory=dict)
    parent_key: str | None = None
    # fields every element must carry as sent (the key fields the source does not add)
    required: tuple[str, ...] = ()

    def table(self, root: str) -> str:
        return "__".join((root, *self.path))


@dataclass(frozen=True, eq=False)
class Layout:
    """How a resource's records become tables: the root's columns and its child lists."""

    root: str
    columns: dict[str, dict[str, Any]]
    children: tuple[Child, ...]
    primary_key: tuple[str, ...] = ("id",)

    def tables(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Every table the layout declares, with its declared columns."""
        return {
            self.root: self.columns,
            **{child.table(self.root): child.columns for child in self.children},
        }

    @functools.cache  # noqa: B019 - a layout is a module constant, never freed
    def child_hints(self, deduplicated: bool = False) -> dict[str, Any]:
        """dlt hints of each child table: merged on its key, replaced per parent.

        ``deduplicated``: the load's rows come from one spool, unique by key.
        """
        return {
            child.table(self.root): dlt.mark.make_hints(
                table_name=child.table(self.root),
                write_disposition=DEDUPLICATED_MERGE if deduplicated else "merge",
                primary_key=list(child.primary_key),
                columns=[{"name": name, **hints} for name, hints in child.columns.items()],
                **({"merge_key": child.parent_key} if child.parent_key else {}),
            )
            for child in self.children
        }

    @functools.cached_property
    def checks(self) -> tuple[Checks, list[tuple[tuple[str, ...], Checks, tuple[str, ...]]]]:
        """Each table's (column, path inside the record, check), for the types a cast can
        refuse, and each child's required fields."""
        return _checks(self.columns), [
            (c.path, _checks(c.columns), c.required) for c in self.children
        ]


Checks = list[tuple[str, tuple[str, ...], Callable[[Any], Any]]]


def _checks(columns: dict[str, dict[str, Any]]) -> Checks:
    return [
        (name, tuple(name.split("__")), TYPE_CHECKS[hints["data_type"]])
        for name, hints in columns.items()
        if hints["data_type"] in TYPE_CHECKS
    ]


def declared_problem(record: dict[str, Any], layout: Layout) -> str | None:
    """Why a record's declared values (root and child lists) cannot take their types, or None.

    Checked before a record is spooled, so that the casts in DuckDB never meet a
    value they cannot read: such a record goes to quarantine with this reason.
    """
    if reason := _values_problem(record, layout.checks[0], ()):
        return reason
    for path, checks, required in layout.checks[1]:
        for where, element in _elements(record, path, ()):
            if not isinstance(element, dict):
                return f"{_located(where)}: expected an object, got {type(element).__name__}"
            for name in required:
                if element.get(name) is None:
                    return f"{_located(where)}.{name}: required field is missing"
            if checks and (reason := _values_problem(element, checks, where)):
                return reason
    return None


def _elements(
    record: Any, path: tuple[str, ...], where: tuple[tuple[str, int | None], ...]
) -> Iterator[tuple[tuple[tuple[str, int | None], ...], Any]]:
    """Each element of the list at ``path``, with where it sits (for the reason)."""
    values = record.get(path[0]) if isinstance(record, dict) else None
    if not values:
        return
    if isinstance(values, dict) and len(path) > 1:
        yield from _elements(values, path[1:], (*where, (path[0], None)))
        return
    if not isinstance(values, list):
        yield (*where, (path[0], None)), values
        return
    for index, value in enumerate(values):
        if len(path) == 1:
            yield (*where, (path[0], index)), value
        else:
            yield from _elements(value, path[1:], (*where, (path[0], index)))


def _located(where: tuple[tuple[str, int | None], ...]) -> str:
    return ".".join(name if index is None else f"{name}[{index}]" for name, index in where)


def _values_problem(
    record: dict[str, Any], checks: Checks, where: tuple[tuple[str, int | None], ...]
) -> str | None:
    for name, path, check in checks:
        value: Any = record.get(path[0])
        for part in path[1:]:
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            continue
        try:
            check(value)
        except (TypeError, ValueError) as exc:
            prefix = f"{_located(where)}." if where else ""
            return f"{prefix}{name.replace('__', '.')}: {exc}"
    return None


def sql_type(hints: dict[str, Any]) -> str | None:
    """The DuckDB type a declared dlt column is cast to (None: JSON text)."""
    kind = hints["data_type"]
    if kind == "decimal":
        return f"DECIMAL({hints.get('precision', 38)}, {hints.get('scale', 9)})"
    return {
        "bigint": "BIGINT",
        "timestamp": "TIMESTAMPTZ",
        "bool": "BOOLEAN",
        "text": "VARCHAR",
        "double": "DOUBLE",
        "json": None,
    }[kind]


_spool_database: tuple[int, duckdb.DuckDBPyConnection] | None = None
_spool_database_lock = threading.Lock()


def spool_database() -> duckdb.DuckDBPyConnection:
    """The in-memory DuckDB every spool of this process reads its records into.

    One database, so that one memory limit holds for all the spools open at once:
    dlt reads a source's resources in turn, so Shopify's orders, customers and
    products are spooled side by side, and with a database each (a limit each)
    the L shop's Shopify load peaked at 1.7 GB. The limit is two thirds of the
    load's ``EARSHOT_DUCKDB_MEMORY_LIMIT``, the rest left to the process around
    DuckDB (:func:`earshot.settings.spool_memory_limit`). Beyond it DuckDB spills
    to a scratch folder, removed when the process exits. The limit is read again
    each time a spool opens; a forked child makes a database of its own.
    """
    global _spool_database
    with _spool_database_lock:
        if _spool_database is None or _spool_database[0] != os.getpid():
            scratch = tempfile.mkdtemp(prefix="earshot-spools-")
            atexit.register(shutil.rmtree, scratch, ignore_errors=True)
            connection = duckdb.connect(
                config={**duckdb_load_config(), "temp_directory": str(Path(scratch) / "spill")}
            )
            _spool_database = (os.getpid(), connection)
        connection = _spool_database[1]
        connection.execute(f"set memory_limit = '{spool_memory_limit()}'")
        return connection


class Spool:
    """Checked records of one resource, written as JSON lines to a scratch folder."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.folder = Path(tempfile.mkdtemp(prefix=f"earshot-{layout.root}-"))
        self.path = self.folder / "records.jsonl"
        self._file = self.path.open("wb")
        self.records = 0

    def add(self, records: list[dict[str, Any]]) -> None:
        self._file.write(b"".join(orjson.dumps(r) + b"\n" for r in records))
        self.records += len(records)

    def tables(self) -> Iterator[tuple[str, pa.RecordBatch]]:
        """(table name, Arrow batch) for the root table and each child table.

        DuckDB reads the records into a schema of its own in the process's spool
        database (:func:`spool_database`), flattens each table and writes its
        batches to a file in the spool's folder (:meth:`_stage`); the schema is
        dropped before the first batch is yielded. So the spool's memory is given
        back while dlt takes the batches and while whatever the batches feed runs:
        the transcripts of the L shop's million calls are fetched as the calls'
        batches arrive, and with the calls' tables held in the spool database the
        whole time, that load peaked over 1.5 GB.
        """
        self._file.close()
        if not self.records:
            return
        for table, path in self._staged():
            yield from self._read_back(table, path)

    def _staged(self) -> list[tuple[str, Path]]:
        """(table name, file of its batches) for each table the records fill, root first."""
        schema = quoted(f"spool_{self.folder.name}")
        connection = spool_database().cursor()
        staged: list[tuple[str, Path]] = []
        try:
            connection.execute("set timezone = 'UTC'")
            connection.execute(f"create schema {schema}")
            connection.execute(f"use {schema}")
            self._read(connection)
            self.path.unlink()
            _keep_last(connection, "root", self.layout.primary_key)
            lists = {child.path for child in self.layout.children}
            root = self.layout.root
            staged.append(
                (root, self._stage(connection, root, "root", self.layout.columns, lists, ()))
            )
            for child in self.layout.children:
                source = self._unnest(connection, child.path)
                if source is None:
                    continue
                _keep_last(connection, source, child.primary_key)
                table = child.table(root)
                path = self._stage(connection, table, source, child.columns, lists, child.path)
                staged.append((table, path))
                _drop_all_but_root(connection)  # the next list unnests from the root again
        finally:
            connection.execute(f"drop schema if exists {schema} cascade")
            connection.close()
        return [(table, path) for table, path in staged if path is not None]

    def _read(self, connection: duckdb.DuckDBPyConnection) -> None:
        """The spooled records as table ``root``, types inferred from a sample first.

        A field whose type the sample missed (rare: null early, an object later)
        fails the fast read; the records are then read again inferring from all.
        """
        read = (
            "create or replace table root as select * from read_json(?, "
            "format = 'newline_delimited', maximum_object_size = 33554432, "
            "dateformat = 'none', timestampformat = 'none', sample_size = {})"
        )
        try:
            connection.execute(read.format(SAMPLE_ROWS), [str(self.path)])
        except duckdb.Error:
            connection.execute(read.format(-1), [str(self.path)])

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    # --------------------------------------------------------------------------------------
    def _unnest(self, connection: duckdb.DuckDBPyConnection, path: tuple[str, ...]) -> str | None:
        """A table of the list's elements, one column per field; None if it is never filled."""
        source = "root"
        for depth, column in enumerate(path):
            schema = _schema(connection, source)
            kind = schema.field(column).type if column in schema.names else pa.null()
            target = f"list_{'_'.join(path[: depth + 1])}"
            if pa.types.is_struct(kind) and depth < len(path) - 1:
                # an object on the way to the list: step into its fields
                connection.execute(
                    f"create or replace table {target} as select {quoted(column)}.* "
                    f"from {source} where {quoted(column)} is not null"
                )
                source = target
                continue
            if not (pa.types.is_list(kind) and pa.types.is_struct(kind.value_type)):
                return None  # never a non-empty list of objects in this load
            connection.execute(
                f"create or replace table {target} as select item.* from ("
                f"select unnest({quoted(column)}) as item from {source} "
                f"where len({quoted(column)}) > 0)"
            )
            source = target
        return source

    def _stage(
        self,
        connection: duckdb.DuckDBPyConnection,
        table: str,
        source: str,
        declared: dict[str, dict[str, Any]],
        skip: set[tuple[str, ...]],
        depth: tuple[str, ...],
    ) -> Path | None:
        """Write table ``source``'s rows, flattened, as Arrow batches to a file; None if
        it has no columns to load."""
        columns: list[str] = []
        for column in _schema(connection, source):
            if (*depth, column.name) in skip:
                continue
            columns.extend(
                _flatten(
                    quoted(column.name),
                    column.name,
                    column.type,
                    declared,
                    connection,
                    source,
                    skip={p[len(depth) :] for p in skip if p[: len(depth)] == depth},
                )
            )
        if not columns:
            return None
        reader = connection.execute(f"select {', '.join(columns)} from {source}").to_arrow_reader(
            BATCH_ROWS
        )
        path = self.folder / f"{table}.arrows"
        with pa.ipc.new_stream(str(path), reader.schema, options=STAGED) as staged:
            for batch in reader:
                staged.write_batch(batch)
        return path

    @staticmethod
    def _read_back(table: str, path: Path) -> Iterator[tuple[str, pa.RecordBatch]]:
        """The batches :meth:`_stage` wrote, one in memory at a time; the file goes after."""
        with pa.OSFile(str(path)) as file:
            for batch in pa.ipc.open_stream(file):
                yield table, batch
        path.unlink()


def _keep_last(connection: duckdb.DuckDBPyConnection, table: str, key: tuple[str, ...]) -> None:
    """Delete every row of ``table`` but the last (in the order read) of each ``key``.

    The tables are written in the order the records were read, so ``rowid`` is
    that order. Counting the keys first keeps the usual load, where every key
    is unique, to one aggregate.
    """
    columns = ", ".join(quoted(column) for column in key)
    rows, keys = connection.execute(
        f"select count(*), count(distinct ({columns})) from {table}"
    ).fetchone()
    if rows == keys:
        return
    connection.execute(
        f"delete from {table} where rowid in (select rowid from {table} "
        f"qualify row_number() over (partition by {columns} order by rowid desc) > 1)"
    )


def _drop_all_but_root(connection: duckdb.DuckDBPyConnection) -> None:
    """Drop the spool's unnested lists, so that one child table's rows are held at a time."""
    made = connection.execute(
        "select table_name from duckdb_tables() "
        "where schema_name = current_schema() and table_name <> 'root'"
    ).fetchall()
    for (table,) in made:
        connection.execute(f"drop table {quoted(table)}")


def _schema(connection: duckdb.DuckDBPyConnection, table: str) -> pa.Schema:
    return connection.execute(f"select * from {table} limit 0").to_arrow_table().schema


def _flatten(
    expression: str,
    name: str,
    kind: pa.DataType,
    declared: dict[str, dict[str, Any]],
    connection: duckdb.DuckDBPyConnection,
    source: str,
    skip: set[tuple[str, ...]] = frozenset(),
) -> list[str]:
    """Select expressions for one field: an object becomes ``name__field`` columns.

    ``skip`` holds the paths (below this table) of lists loaded as child tables.
    """
    if tuple(name.split("__")) in skip:
        return []
    hints = declared.get(name)
    if hints is not None:
        target = sql_type(hints)
        if target is None:
            return [f"to_json({expression})::VARCHAR as {quoted(name)}"]
        if pa.types.is_struct(kind) or pa.types.is_list(kind):
            expression = f"to_json({expression})::VARCHAR"
        return [f"cast({expression} as {target}) as {quoted(name)}"]
    if pa.types.is_struct(kind):
        if kind.num_fields == 0:
            return []
        return [
            part
            for sub in kind
            for part in _flatten(
                f"struct_extract({expression}, '{sub.name}')",
                f"{name}__{sub.name}",
                sub.type,
                declared,
                connection,
                source,
                skip,
            )
        ]
    if pa.types.is_null(kind):
        return []  # never a value in this load: the column appears once one arrives
    if pa.types.is_list(kind) or pa.types.is_map(kind) or pa.types.is_large_list(kind):
        return [f"to_json({expression})::VARCHAR as {quoted(name)}"]
    if (
        pa.types.is_string(kind)
        and name.endswith("_at")
        and _all_timestamps(connection, source, expression)
    ):
        return [f"cast({expression} as TIMESTAMPTZ) as {quoted(name)}"]
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return [f"{expression}::VARCHAR as {quoted(name)}"]
    return [f"{expression} as {quoted(name)}"]


def _all_timestamps(connection: duckdb.DuckDBPyConnection, source: str, expression: str) -> bool:
    """Whether every value of a text column reads as a timestamp (and at least one is there)."""
    present, readable = connection.execute(
        f"select count({expression}), count(try_cast({expression} as TIMESTAMPTZ)) from {source}"
    ).fetchone()
    return present > 0 and present == readable
