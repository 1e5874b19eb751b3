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


# how the spark target in transform/profiles.yml names the lake
_LAKE_IN_PROFILE = re.compile(r"\{\{\s*env_var\('EARSHOT_LAKE',\s*'[^']*'\)\s*\}\}")


def spark_settings(lake: Path) -> dict[str, str]:
    """The Spark session's settings: a catalog and warehouse inside the lake, UTC times.

    They are the ``server_side_parameters`` of the ``spark`` target in
    ``transform/profiles.yml``, read from there with the lake put in place, so
    Earshot's own steps and dbt share one catalog and one list of settings.
    """
    profiles = yaml.safe_load((PROJECT_ROOT / "transform" / "profiles.yml").read_text())
    parameters = profiles["earshot"]["outputs"]["spark"]["server_side_parameters"]
    settings = {}
    for key, value in parameters.items():
        rendered = _LAKE_IN_PROFILE.sub(lambda _: lake.as_posix(), str(value))
        if "{{" in rendered:
            raise ValueError(
                f"transform/profiles.yml, spark target, {key}: {value!r} uses Jinja that "
                "earshot.lake cannot render; only env_var('EARSHOT_LAKE', ...) is read"
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


def _write(spark, name: str, table) -> int:
    """Replace ``enrichment.<name>`` with an Arrow table; return its rows."""
    frame = (
        spark.createDataFrame(table)
        if table.num_rows
        else spark.createDataFrame([], _spark_schema(table.schema))
    )
    frame.write.mode("overwrite").format("parquet").saveAsTable(f"{ENRICHMENT_SCHEMA}.{name}")
    return table.num_rows


def _spark_schema(schema):
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)


def enrich(spark, region: str, say=print) -> dict[str, int]:
    """Run Earshot's Python enrichment on the tables dbt built in ``spark``.

    The same functions as the DuckDB models (:mod:`earshot.enrichment`), on
    inputs read with Spark SQL, into the ``enrichment`` schema that
    ``transform/models/engines/spark/`` reads. Returns rows written per table.
    """
    from earshot import enrichment, voice

    spark.sql(f"create database if not exists {ENRICHMENT_SCHEMA}")
    written = {}
    numbers = [
        row[0]
        for row in spark.sql(
            "select distinct phone_raw from ("
            " select phone_raw from staging.stg_shopify__customers union all"
            " select customer_phone_raw as phone_raw from staging.stg_aircall__calls"
            ") where phone_raw is not null order by phone_raw"
        ).collect()
    ]
    written["int_phone_numbers_normalized"] = _write(
        spark, "int_phone_numbers_normalized", enrichment.phone_numbers(numbers, region)
    )
    seed = [
        tuple(row) for row in spark.sql("select theme, example from seeds.theme_examples").collect()
    ]
    sentences = [
        tuple(row)
        for row in spark.sql(
            "select sentence_hash, min(sentence_text) from intermediate.int_voice_sentences"
            " group by sentence_hash order by sentence_hash"
        ).collect()
    ]
    say(f"enrichment: scoring {len(sentences):,} distinct sentences")
    classifier = voice.current(seed)
    negatable = {
        row[0]
        for row in spark.sql("select theme from seeds.theme_taxonomy where negatable").collect()
    }
    # one encoder's process for scoring and reading, ended before the texts are read
    with enrichment.lazy_encoder() as encode:
        scores = enrichment.sentence_scores(sentences, [example for _, example in seed], encode)
        written["int_sentence_scores"] = _write(spark, "int_sentence_scores", scores)
        readings = enrichment.sentence_readings(scores, classifier, negatable, encode)
    written["int_sentence_readings"] = _write(spark, "int_sentence_readings", readings)
    # each text's sentences in order, as hashes: their vectors stay in ``scores``, once
    pairs = spark.sql(
        """
        select texts.text_hash, sentences.sentence_hash
        from (
            select text_hash, min(document_id) as document_id
            from intermediate.int_voice_texts group by text_hash
        ) as texts
        inner join intermediate.int_voice_sentences as sentences
            on texts.document_id = sentences.document_id
        order by texts.text_hash, sentences.sentence_index
        """
    ).toArrow()
    written["int_text_sentiments"] = _write(
        spark, "int_text_sentiments", enrichment.text_sentiments_of(pairs, scores, classifier)
    )
    return written


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
        raise RuntimeError(f"dbt {' '.join(arguments)} failed on Spark: {result.exception or ''}")


def build(lake: Path, region: str | None = None, say=print) -> dict[str, int]:
    """Build every model on Spark from the raw Parquet in ``lake``, in one Spark session.

    Registers the raw tables, loads the seeds, runs the models the enrichment
    reads, runs the enrichment, then runs every other model. Returns the
    enrichment's rows per table.
    """
    os.environ["EARSHOT_LAKE"] = str(lake)
    spark = session(lake)
    tables = register(spark, lake)
    say(f"registered {len(tables)} raw tables from {raw_path(lake)}")
    _dbt(lake, "seed")
    inputs = " ".join(ENRICHMENT_INPUTS)
    _dbt(lake, "run", "--select", inputs)
    written = enrich(spark, region or _project_var("phone_default_region"), say)
    say("enrichment: " + ", ".join(f"{name} {rows:,}" for name, rows in written.items()))
    _dbt(lake, "run", "--exclude", inputs)
    return written


def _project_var(name: str) -> str:
    project = yaml.safe_load((PROJECT_ROOT / "transform" / "dbt_project.yml").read_text())
    return str(project["vars"][name])


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m earshot.lake",
        description="Build Earshot's models on Spark from the raw Parquet dlt wrote to the lake.",
    )
    parser.add_argument("command", choices=["build", "register"])
    parser.add_argument("--lake", type=Path, default=None, help="the lake folder (EARSHOT_LAKE)")
    arguments = parser.parse_args(argv)
    lake = (arguments.lake or lake_path()).resolve()
    if arguments.command == "register":
        tables = register(session(lake), lake)
        print(f"registered {len(tables)} raw tables from {raw_path(lake)}")
    else:
        build(lake)


if __name__ == "__main__":
    main()
