"""One load of a source, step by step: normalize workers sized to the load, and the
cursor taken from the warehouse when dlt's local state is gone."""

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pytest

from earshot.settings import Settings
from ingestion import pipelines


@dlt.source(name="shop")
def numbered(last: int) -> Any:
    """Records 1 to ``last``, read from a cursor on their id (as the API sources read)."""

    @dlt.resource(name="orders", primary_key="id", write_disposition="merge")
    def orders(
        cursor: dlt.sources.incremental[int] = dlt.sources.incremental("id", initial_value=0),
    ) -> Iterator[dict[str, Any]]:
        start = cursor.last_value or 0
        yield [{"id": number, "sent_from": start} for number in range(start + 1, last + 1)]

    return orders


def pipeline(tmp_path: Path, folder: str = "pipelines") -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name="shop",
        pipelines_dir=str(tmp_path / folder),
        destination=dlt.destinations.duckdb(str(tmp_path / "earshot.duckdb")),
        dataset_name="raw_shop",
    )


@pytest.mark.parametrize(
    ("records", "workers"),
    [
        (1, 1),
        (pipelines.PARALLEL_NORMALIZE_RECORDS, 1),
        (pipelines.PARALLEL_NORMALIZE_RECORDS + 1, 2),
    ],
)
def test_only_a_load_larger_than_one_extract_file_is_normalized_in_workers(
    tmp_path: Path, records: int, workers: int
) -> None:
    extracted = pipeline(tmp_path).extract(numbered(records))

    assert pipelines.normalize_workers(extracted) == workers


def test_a_load_without_local_state_reads_on_from_the_warehouse_cursor(tmp_path: Path) -> None:
    settings = dataclasses.replace(Settings.from_env(), warehouse=tmp_path / "earshot.duckdb")

    first = pipelines.load(pipeline(tmp_path), numbered(5), settings)
    # a new machine, or dlt's folder cleared: the cursor comes back from the warehouse
    second = pipelines.load(pipeline(tmp_path, "elsewhere"), numbered(8), settings)

    assert first.rows == {"orders": 5}
    assert second.rows == {"orders": 3}
    with duckdb.connect(str(tmp_path / "earshot.duckdb"), read_only=True) as connection:
        read = connection.execute(
            "select sent_from, count(*) from raw_shop.orders group by 1 order by 1"
        ).fetchall()
    assert read == [(0, 5), (5, 3)]


def test_a_load_gives_back_what_its_extract_freed_before_normalizing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # dlt's normalize workers run beside the loading process: it holds only what it uses
    settings = dataclasses.replace(Settings.from_env(), warehouse=tmp_path / "earshot.duckdb")
    shop = pipeline(tmp_path)
    packages: list[tuple[int, int]] = []

    def released() -> None:
        packages.append(
            (len(shop.list_extracted_load_packages()), len(shop.list_normalized_load_packages()))
        )

    monkeypatch.setattr(pipelines, "release_memory", released)
    loaded = pipelines.load(shop, numbered(5), settings)

    assert loaded.rows == {"orders": 5}
    assert packages == [(1, 0)]  # once: extracted, not yet normalized
