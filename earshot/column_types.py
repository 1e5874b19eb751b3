"""Declare every dbt model's and seed's column types in its YAML, from a built warehouse.

Dagster shows a model's columns, with their types, from the ``data_type`` its
YAML declares. This fills them in (and adds the columns a model's YAML does
not list yet, at the end of its list) from what ``dbt build`` made, so the
Dagster UI's column table is complete and a type change shows up in review:

    python -m earshot.column_types            # the warehouse in EARSHOT_WAREHOUSE
    python -m earshot.column_types --check    # exit 1 if a YAML is missing a type or differs

Only ``data_type`` lines and missing column entries are written (a column's
description is for its author to add); the YAML files are edited line by
line, so their comments and layout stay.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import duckdb

from earshot.settings import TRANSFORM_DIR, warehouse_path

_MODEL = re.compile(r"^  - name: (\w+)\s*$")
_COLUMN = re.compile(r"^      - name: (\w+)\s*$")
_TYPE = re.compile(r"^        data_type: (.+?)\s*$")


def built_types(connection: duckdb.DuckDBPyConnection, manifest: dict) -> dict[str, dict[str, str]]:
    """{model or seed name: {column: type}} as the warehouse holds them, in column order."""
    nodes = [
        node for node in manifest["nodes"].values() if node["resource_type"] in ("model", "seed")
    ]
    found: dict[str, dict[str, str]] = {}
    for node in nodes:
        rows = connection.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [node["schema"], node["alias"] or node["name"]],
        ).fetchall()
        if rows:
            found[node["name"]] = {name: kind.lower() for name, kind in rows}
    return found


def declare(text: str, types: dict[str, dict[str, str]]) -> str:
    """The YAML text with each model column's type set, and the columns it omits added."""
    lines = text.splitlines()
    out: list[str] = []
    model: str | None = None
    declared: set[str] = set()
    state = "outside"  # "model", "columns" (inside its columns list), "done" (columns closed)

    def missing() -> list[str]:
        added: list[str] = []
        for name, kind in types.get(model, {}).items():
            if name not in declared:
                added += [f"      - name: {name}", f"        data_type: {kind}"]
        return added

    def close_columns() -> None:
        # the columns the YAML does not list yet go at the end of its list
        trailing = []
        while out and not out[-1].strip():
            trailing.append(out.pop())
        out.extend(missing())
        out.extend(trailing)

    def close_model() -> None:
        if model not in types:
            return
        if state == "columns":
            close_columns()
        elif state == "model":
            trailing = []
            while out and not out[-1].strip():
                trailing.append(out.pop())
            out.append("    columns:")
            out.extend(missing())
            out.extend(trailing)

    index = 0
    while index < len(lines):
        line = lines[index]
        indent = len(line) - len(line.lstrip())
        if match := _MODEL.match(line):
            close_model()
            model, declared, state = match.group(1), set(), "model"
        elif line.strip() and indent == 0 and model is not None:
            close_model()
            model, state = None, "outside"
        elif state == "columns" and line.strip() and indent <= 4:
            close_columns()
            state = "done"
        elif line.startswith("    columns:") and model is not None:
            state = "columns"
        elif (match := _COLUMN.match(line)) and model in types and state == "columns":
            column = match.group(1)
            declared.add(column)
            out.append(line)
            index += 1
            if index < len(lines) and _TYPE.match(lines[index]):
                index += 1  # replaced
            if kind := types[model].get(column):
                out.append(f"        data_type: {kind}")
            continue
        out.append(line)
        index += 1
    close_model()
    return "\n".join(out) + "\n"


def model_files(project: Path = TRANSFORM_DIR) -> list[Path]:
    return [*sorted((project / "models").rglob("_*__models.yml")), project / "seeds" / "_seeds.yml"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=None)
    parser.add_argument("--check", action="store_true", help="report, do not write")
    args = parser.parse_args(argv)
    manifest = json.loads((TRANSFORM_DIR / "target" / "manifest.json").read_text())
    with duckdb.connect(str(args.warehouse or warehouse_path()), read_only=True) as connection:
        types = built_types(connection, manifest)
    stale = []
    for path in model_files():
        before = path.read_text()
        after = declare(before, types)
        if after != before:
            stale.append(path)
            if not args.check:
                path.write_text(after)
    verb = "differ from the warehouse" if args.check else "updated"
    for path in stale:
        print(f"{path.relative_to(TRANSFORM_DIR.parent)}: column types {verb}")
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
