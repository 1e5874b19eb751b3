"""Raw tables as Parquet in a lake, read by Spark.

On Spark, dlt loads each source through its filesystem destination
(``EARSHOT_DESTINATION=filesystem``) into ``<lake>/raw/<dataset>/<table>/``,
one Parquet file per table per load. Plain Parquet has no merge: a record a
later load sends again is appended beside its earlier version. So each raw
table is registered in Spark's catalog as two relations:

- ``<dataset>.<table>__files``: every file of the folder, as loaded;
- ``<dataset>.<table>``: a view with the latest version of each record (by the
  table's primary key in the dlt schema, newest ``_dlt_load_id`` first), the
  same rows a DuckDB warehouse holds after dlt's merge.

dbt's sources read the views, so the staging models are the same on both
engines. Delta or Iceberg tables would merge in place, but their jars are
fetched from Maven at run time; plain Parquet needs nothing beyond pyspark.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from earshot.settings import PROJECT_ROOT

# dlt's own bookkeeping folders beside the tables
DLT_FOLDERS = ("_dlt_loads", "_dlt_pipeline_state", "_dlt_version", "init")


def lake_path() -> Path:
    """The lake's root folder: ``EARSHOT_LAKE``, or ``lake/`` in the project."""
    return Path(os.environ.get("EARSHOT_LAKE", PROJECT_ROOT / "lake")).resolve()


def raw_path(lake: Path) -> Path:
    """Where dlt's filesystem destination writes (its ``bucket_url``)."""
    return lake / "raw"


# how the spark target in transform/profiles.yml reads the environment
_ENV_VAR_IN_PROFILE = re.compile(r"\{\{\s*env_var\('(\w+)',\s*'([^']*)'\)\s*\}\}")


def spark_settings(lake: Path) -> dict[str, str]:
    """The Spark session's settings: a catalog and warehouse inside the lake, UTC times.

    They are the ``server_side_parameters`` of the ``spark`` target in
    ``transform/profiles.yml``, read from there with the lake put in place of
    ``env_var('EARSHOT_LAKE', ...)`` and any other ``env_var('NAME', 'default')``
    read as dbt reads it, so Earshot's own steps and dbt share one catalog and
    one list of settings.
    """

    def value_of(match: re.Match[str]) -> str:
        name, default = match.groups()
        return lake.as_posix() if name == "EARSHOT_LAKE" else os.environ.get(name, default)

    profiles = yaml.safe_load((PROJECT_ROOT / "transform" / "profiles.yml").read_text())
    parameters = profiles["earshot"]["outputs"]["spark"]["server_side_parameters"]
    settings = {}
    for key, value in parameters.items():
        rendered = _ENV_VAR_IN_PROFILE.sub(value_of, str(value))
        if "{{" in rendered:
            raise ValueError(
                f"transform/profiles.yml, spark target, {key}: {value!r} uses Jinja that "
                "earshot.lake cannot render; only env_var('NAME', 'default') is read"
            )
        settings[key] = rendered
    return settings


@dataclass(frozen=True)
class RawTable:
    """One table dlt wrote to the lake: its folder and the key its records merge on."""

    dataset: str
    name: str
    folder: Path
    primary_key: tuple[str, ...]


def _newest_schema(dataset_folder: Path) -> dict:
    versions = sorted((dataset_folder / "_dlt_version").glob("*.jsonl"))
    if not versions:
        return {}
    last = versions[-1].read_text().strip().splitlines()[-1]
    return json.loads(json.loads(last)["schema"])


def raw_tables(lake: Path) -> Iterator[RawTable]:
    """Every table dlt has written under the lake's raw folder, with its primary key."""
    root = raw_path(lake)
    if not root.exists():
        return
    for dataset_folder in sorted(path for path in root.iterdir() if path.is_dir()):
        tables = _newest_schema(dataset_folder).get("tables", {})
        for folder in sorted(path for path in dataset_folder.iterdir() if path.is_dir()):
            if folder.name in DLT_FOLDERS or not any(folder.glob("*.parquet")):
                continue
            columns = tables.get(folder.name, {}).get("columns", {})
            key = tuple(name for name, column in columns.items() if column.get("primary_key"))
            yield RawTable(dataset_folder.name, folder.name, folder, key)


def register_statements(table: RawTable) -> list[str]:
    """The Spark SQL that (re)registers one raw table and its latest-version view."""
    files = f"`{table.dataset}`.`{table.name}__files`"
    view = f"`{table.dataset}`.`{table.name}`"
    statements = [
        f"create database if not exists `{table.dataset}`",
        f"drop view if exists {view}",
        f"drop table if exists {files}",
        # external: dropping it forgets the folder, never the files
        f"create table {files} using parquet options (mergeSchema 'true') "
        f"location '{table.folder.as_posix()}'",
    ]
    if table.primary_key:
        keys = ", ".join(f"`{column}`" for column in table.primary_key)
        statements.append(
            f"create view {view} as select * except (earshot_version) from ("
            f" select *, row_number() over (partition by {keys}"
            f" order by cast(_dlt_load_id as double) desc) as earshot_version from {files}"
            f") where earshot_version = 1"
        )
    else:
        statements.append(f"create view {view} as select * from {files}")
    return statements


def register(spark, lake: Path) -> list[RawTable]:
    """Register every raw table of the lake in ``spark``'s catalog; return them."""
    tables = list(raw_tables(lake))
    for table in tables:
        for statement in register_statements(table):
            spark.sql(statement)
    return tables


def session(lake: Path):
    """A Spark session on the lake's catalog (pyspark is imported only here)."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("earshot").enableHiveSupport()
    for key, value in spark_settings(lake).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


# What dbt must build before the enrichment step can read its inputs.
ENRICHMENT_INPUTS = (
    "+int_voice_sentences",
    "+int_voice_texts",
    "+stg_shopify__customers",
    "+stg_aircall__calls",
)
ENRICHMENT_SCHEMA = "enrichment"
# What the enrichment reads, as Spark SQL on the tables dbt built first; each query's
# rows go to ``<lake>/enrichment/input/<name>.parquet`` for the enrichment to read
# while no Spark is running.
ENRICHMENT_QUERIES = {
    "phone_numbers": (
        "select distinct phone_raw from ("
        " select phone_raw from staging.stg_shopify__customers union all"
        " select customer_phone_raw as phone_raw from staging.stg_aircall__calls"
        ") where phone_raw is not null order by phone_raw"
    ),
    "theme_examples": "select theme, example from seeds.theme_examples",
    "negatable_themes": "select theme from seeds.theme_taxonomy where negatable",
    "sentences": (
        "select sentence_hash, min(sentence_text) as sentence_text"
        " from intermediate.int_voice_sentences group by sentence_hash order by sentence_hash"
    ),
    # each text's sentences in order, as hashes: their vectors stay in the scores, once
    "text_sentences": """
        select texts.text_hash, sentences.sentence_hash
        from (
            select text_hash, min(document_id) as document_id
            from intermediate.int_voice_texts group by text_hash
        ) as texts
        inner join intermediate.int_voice_sentences as sentences
            on texts.document_id = sentences.document_id
        order by texts.text_hash, sentences.sentence_index
    """,
}


def enrichment_path(lake: Path) -> Path:
    """The enrichment's folder: its inputs in ``input/``, each table it writes in its own."""
    return lake / ENRICHMENT_SCHEMA


def export_inputs(spark, lake: Path) -> dict[str, int]:
    """Write each of ``ENRICHMENT_QUERIES``' rows to the lake as Parquet; return their rows."""
    import pyarrow.parquet as pq

    folder = enrichment_path(lake) / "input"
    folder.mkdir(parents=True, exist_ok=True)
    rows = {}
    for name, query in ENRICHMENT_QUERIES.items():
        table = spark.sql(query).toArrow()
        pq.write_table(table, folder / f"{name}.parquet")
        rows[name] = table.num_rows
    return rows


def _write(lake: Path, name: str, table) -> int:
    """Replace the enrichment's table ``name`` in the lake with an Arrow table; return its rows.

    Written whole beside the old one and then swapped in, so a failed write leaves the
    last build's table."""
    import pyarrow.parquet as pq

    folder = enrichment_path(lake) / name
    scratch = folder.with_name(f".{name}.writing")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    pq.write_table(table, scratch / "part-0.parquet")
    shutil.rmtree(folder, ignore_errors=True)
    scratch.rename(folder)
    return table.num_rows


def enrich(lake: Path, region: str, say=print) -> dict[str, int]:
    """Run Earshot's Python enrichment on the inputs :func:`export_inputs` wrote.

    The same functions as the DuckDB models (:mod:`earshot.enrichment`), into
    ``<lake>/enrichment/<table>/``, which :func:`register_enrichment` puts in the
    ``enrichment`` schema that ``transform/models/engines/spark/`` reads. No Spark
    runs meanwhile: the sentence encoder's process never sits beside a JVM. Returns
    rows written per table.
    """
    import pyarrow.parquet as pq

    from earshot import enrichment, voice

    folder = enrichment_path(lake) / "input"

    def rows(name: str) -> list[tuple]:
        table = pq.read_table(folder / f"{name}.parquet")
        return list(zip(*(column.to_pylist() for column in table.columns), strict=True))

    written = {}
    numbers = [number for (number,) in rows("phone_numbers")]
    written["int_phone_numbers_normalized"] = _write(
        lake, "int_phone_numbers_normalized", enrichment.phone_numbers(numbers, region)
    )
    seed = rows("theme_examples")
    sentences = rows("sentences")
    say(f"enrichment: scoring {len(sentences):,} distinct sentences")
    classifier = voice.current(seed)
    negatable = {theme for (theme,) in rows("negatable_themes")}
    # one encoder's process for scoring and reading, ended before the texts are read
    with enrichment.lazy_encoder() as encode:
        scores = enrichment.sentence_scores(sentences, [example for _, example in seed], encode)
        written["int_sentence_scores"] = _write(lake, "int_sentence_scores", scores)
        readings = enrichment.sentence_readings(scores, classifier, negatable, encode)
    written["int_sentence_readings"] = _write(lake, "int_sentence_readings", readings)
    pairs = pq.read_table(folder / "text_sentences.parquet")
    written["int_text_sentiments"] = _write(
        lake, "int_text_sentiments", enrichment.text_sentiments_of(pairs, scores, classifier)
    )
    return written


# the tables the enrichment writes, each read by the model of its name on Spark
ENRICHMENT_TABLES = (
    "int_phone_numbers_normalized",
    "int_sentence_scores",
    "int_sentence_readings",
    "int_text_sentiments",
)


def register_enrichment(spark, lake: Path) -> None:
    """Register the enrichment's tables in the ``enrichment`` schema, over their folders."""
    spark.sql(f"create database if not exists {ENRICHMENT_SCHEMA}")
    for name in ENRICHMENT_TABLES:
        table = f"{ENRICHMENT_SCHEMA}.`{name}`"
        spark.sql(f"drop table if exists {table}")
        location = (enrichment_path(lake) / name).as_posix()
        spark.sql(f"create table {table} using parquet location '{location}'")


def _dbt(lake: Path, *arguments: str) -> None:
    """One dbt command on the spark target, in this process (so on this Spark session).

    Its target and log folders are the lake's, so a Spark build never replaces
    the DuckDB manifest Dagster reads from ``transform/target``.
    """
    from dbt.cli.main import dbtRunner

    transform = PROJECT_ROOT / "transform"
    result = dbtRunner().invoke(
        [
            *arguments,
            "--target",
            "spark",
            "--project-dir",
            str(transform),
            "--profiles-dir",
            str(transform),
            "--target-path",
            str(lake / "dbt_target"),
            "--log-path",
            str(lake / "dbt_logs"),
        ]
    )
    if not result.success:
        raise RuntimeError(
            f"dbt {' '.join(arguments)} failed on Spark: "
            + (str(result.exception) if result.exception else failures(result.result))
        )


def failures(outcome) -> str:
    """What failed in a dbt command's results: each node that did not succeed, with
    dbt's message, so the error says which model broke and why (the log is in the lake)."""
    failed = [
        f"{node.node.unique_id} {node.status}: {(node.message or '').strip()}"
        for node in getattr(outcome, "results", None) or []
        if str(node.status) in {"error", "fail", "runtime error"}
    ]
    return "; ".join(failed) or "dbt gave no failed node (see the lake's dbt_logs)"


def prepare(lake: Path, say=print) -> dict[str, int]:
    """The build's first half, on Spark: register the raw tables, load the seeds, run the
    models the enrichment reads and write its inputs to the lake. Returns their rows."""
    os.environ["EARSHOT_LAKE"] = str(lake)
    spark = session(lake)
    tables = register(spark, lake)
    say(f"registered {len(tables)} raw tables from {raw_path(lake)}")
    _dbt(lake, "seed")
    _dbt(lake, "run", "--select", " ".join(ENRICHMENT_INPUTS))
    return export_inputs(spark, lake)


def _step(lake: Path, command: str) -> None:
    """``python -m earshot.lake <command>`` on the lake, in a process of its own."""
    import subprocess
    import sys

    done = subprocess.run(  # noqa: S603 - argv is fixed by this module
        [sys.executable, "-m", "earshot.lake", command, "--lake", str(lake)], check=False
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"python -m earshot.lake {command} --lake {lake} failed (exit {done.returncode});"
            " its output is above"
        )


def build(lake: Path, say=print) -> None:
    """Build every model on Spark from the raw Parquet in ``lake``.

    Three steps, so that what one holds is gone before the next starts:
    :func:`prepare` in a process of its own, whose Spark (a JVM of a gigabyte
    and more) ends with it; the enrichment (:func:`enrich`) in another, with no
    Spark beside its sentence encoder's process; then, in this process, Spark
    again for every other model, the enrichment's tables registered first.
    """
    os.environ["EARSHOT_LAKE"] = str(lake)
    _step(lake, "prepare")
    _step(lake, "enrich")
    spark = session(lake)
    register_enrichment(spark, lake)
    _dbt(lake, "run", "--exclude", " ".join(ENRICHMENT_INPUTS))
    say("built every model on Spark")


def _project_var(name: str) -> str:
    project = yaml.safe_load((PROJECT_ROOT / "transform" / "dbt_project.yml").read_text())
    return str(project["vars"][name])


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m earshot.lake",
        description="Build Earshot's models on Spark from the raw Parquet dlt wrote to the lake.",
    )
    parser.add_argument("command", choices=["build", "prepare", "enrich", "register"])
    parser.add_argument("--lake", type=Path, default=None, help="the lake folder (EARSHOT_LAKE)")
    arguments = parser.parse_args(argv)
    lake = (arguments.lake or lake_path()).resolve()
    if arguments.command == "register":
        tables = register(session(lake), lake)
        print(f"registered {len(tables)} raw tables from {raw_path(lake)}")
    elif arguments.command == "prepare":
        rows = prepare(lake)
        print("enrichment inputs: " + ", ".join(f"{name} {n:,}" for name, n in rows.items()))
    elif arguments.command == "enrich":
        written = enrich(lake, _project_var("phone_default_region"))
        print("enrichment: " + ", ".join(f"{name} {n:,}" for name, n in written.items()))
    else:
        build(lake)


if __name__ == "__main__":
    main()
