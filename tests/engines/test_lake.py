"""Finding the raw tables dlt wrote to a lake, and how Spark is told about them."""

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from earshot import lake
from earshot.settings import PROJECT_ROOT


def write_schema(dataset: Path, tables: dict) -> None:
    (dataset / "_dlt_version").mkdir(parents=True)
    schema = {"name": dataset.name, "tables": tables}
    record = {"schema_name": dataset.name, "schema": json.dumps(schema)}
    (dataset / "_dlt_version" / "shop__1.jsonl").write_text(json.dumps(record) + "\n")


def write_load(folder: Path, load_id: str, rows: list[dict]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.Table.from_pylist([{**row, "_dlt_load_id": load_id} for row in rows]),
        folder / f"{load_id}.parquet",
    )


def test_raw_tables_are_found_with_their_keys_and_dlt_folders_left_out(tmp_path: Path) -> None:
    dataset = lake.raw_path(tmp_path) / "raw_shop"
    write_schema(
        dataset,
        {
            "orders": {"columns": {"id": {"primary_key": True}, "name": {}}},
            "tags": {"columns": {"name": {"primary_key": True}, "call_id": {"primary_key": True}}},
            "events": {"columns": {"at": {}}},
        },
    )
    write_load(dataset / "orders", "1700000000.1", [{"id": 1, "name": "#1"}])
    write_load(dataset / "tags", "1700000000.1", [{"name": "vip", "call_id": 7}])
    write_load(dataset / "events", "1700000000.1", [{"at": "now"}])
    (dataset / "never_filled").mkdir()
    write_load(dataset / "_dlt_loads", "1700000000.1", [{"status": 0}])

    found = {table.name: table.primary_key for table in lake.raw_tables(tmp_path)}

    assert found == {"orders": ("id",), "tags": ("name", "call_id"), "events": ()}


def test_a_keyed_table_reads_its_latest_load_and_files_stay_external(tmp_path: Path) -> None:
    table = lake.RawTable("raw_shop", "orders", tmp_path / "orders", ("id",))

    statements = lake.register_statements(table)

    create_files, create_view = statements[-2], statements[-1]
    assert create_files.startswith("create table `raw_shop`.`orders__files` using parquet")
    assert f"location '{tmp_path / 'orders'}'" in create_files
    assert "partition by `id` order by cast(_dlt_load_id as double) desc" in create_view
    assert create_view.endswith("where earshot_version = 1")


def test_no_lake_yet_is_no_tables(tmp_path: Path) -> None:
    assert list(lake.raw_tables(tmp_path / "missing")) == []


def test_the_filesystem_destination_writes_to_the_lake_unless_dlt_names_a_bucket(
    tmp_path: Path, monkeypatch
) -> None:
    from earshot.settings import Settings
    from ingestion import pipelines

    settings = Settings(
        warehouse=tmp_path / "earshot.duckdb",
        published=tmp_path / "p.duckdb",
        destination="filesystem",
    )
    monkeypatch.setenv("EARSHOT_LAKE", str(tmp_path / "lake"))
    monkeypatch.delenv("DESTINATION__FILESYSTEM__BUCKET_URL", raising=False)
    assert pipelines.destination(settings).config_params == {
        "bucket_url": (tmp_path / "lake" / "raw").as_uri()
    }

    monkeypatch.setenv("DESTINATION__FILESYSTEM__BUCKET_URL", "s3://shop-lake/raw")
    assert pipelines.destination(settings) == "filesystem"  # dlt reads the bucket itself


def test_the_duckdb_warehouse_is_loaded_within_the_memory_earshot_is_given(
    tmp_path: Path, monkeypatch
) -> None:
    from earshot.settings import Settings
    from ingestion import pipelines

    settings = Settings(warehouse=tmp_path / "earshot.duckdb", published=tmp_path / "p.duckdb")
    monkeypatch.delenv("EARSHOT_DUCKDB_MEMORY_LIMIT", raising=False)
    credentials = pipelines.destination(settings).config_params["credentials"]
    assert credentials.global_config == {
        "memory_limit": "768MB",
        "allocator_background_threads": True,
    }
    assert credentials.database == str(tmp_path / "earshot.duckdb")

    monkeypatch.setenv("EARSHOT_DUCKDB_MEMORY_LIMIT", "300MB")
    credentials = pipelines.destination(settings).config_params["credentials"]
    assert credentials.global_config["memory_limit"] == "300MB"


def test_the_spark_session_takes_the_profile_s_settings_with_the_lake_in_place(
    tmp_path: Path,
) -> None:
    profiles = yaml.safe_load((PROJECT_ROOT / "transform" / "profiles.yml").read_text())
    declared = profiles["earshot"]["outputs"]["spark"]["server_side_parameters"]

    settings = lake.spark_settings(tmp_path / "lake")

    assert settings.keys() == declared.keys()
    assert settings["spark.sql.warehouse.dir"] == f"{tmp_path}/lake/spark-warehouse"
    assert (
        f"databaseName={tmp_path}/lake/metastore_db;"
        in settings["spark.hadoop.javax.jdo.option.ConnectionURL"]
    )
    assert not any("{{" in value or "../lake" in value for value in settings.values())


@pytest.mark.parametrize(
    ("variable", "setting", "default", "told", "read"),
    [
        # the driver's heap: in local mode, all the memory Spark computes in
        ("EARSHOT_SPARK_DRIVER_MEMORY", "spark.driver.memory", "512m", "4g", "4g"),
        # the cores it computes on, two whatever the machine has unless told more
        ("EARSHOT_SPARK_CORES", "spark.master", "local[2]", "8", "local[8]"),
    ],
)
def test_a_spark_setting_is_read_from_the_environment_as_dbt_reads_it(
    tmp_path: Path, monkeypatch, variable: str, setting: str, default: str, told: str, read: str
) -> None:
    monkeypatch.delenv(variable, raising=False)
    assert lake.spark_settings(tmp_path)[setting] == default

    monkeypatch.setenv(variable, told)
    assert lake.spark_settings(tmp_path)[setting] == read


def test_an_enrichment_table_is_replaced_whole(tmp_path: Path) -> None:
    first = pa.table({"phone_raw": ["+1 555"], "phone_e164": ["+1555"]})
    second = pa.table({"phone_raw": ["a", "b"], "phone_e164": [None, None]})

    assert lake._write(tmp_path, "int_phone_numbers_normalized", first) == 1
    assert lake._write(tmp_path, "int_phone_numbers_normalized", second) == 2

    folder = lake.enrichment_path(tmp_path) / "int_phone_numbers_normalized"
    assert [path.name for path in folder.iterdir()] == ["part-0.parquet"]
    assert pq.read_table(folder).to_pylist() == second.to_pylist()
    assert sorted(path.name for path in lake.enrichment_path(tmp_path).iterdir()) == [
        "int_phone_numbers_normalized"
    ]


def test_a_failed_spark_build_names_each_node_that_broke_and_why() -> None:
    from types import SimpleNamespace

    from dbt.artifacts.schemas.results import NodeStatus

    def node(unique_id: str, status: NodeStatus, message: str | None) -> SimpleNamespace:
        return SimpleNamespace(
            node=SimpleNamespace(unique_id=unique_id), status=status, message=message
        )

    outcome = SimpleNamespace(
        results=[
            node("model.earshot.customers", NodeStatus.Success, "OK"),
            node("model.earshot.theme_weekly", NodeStatus.Error, "[DIVIDE_BY_ZERO] ...\n"),
            node("model.earshot.theme_trends", NodeStatus.Skipped, None),
        ]
    )

    assert lake.failures(outcome) == "model.earshot.theme_weekly error: [DIVIDE_BY_ZERO] ..."
    assert "dbt_logs" in lake.failures(None)
