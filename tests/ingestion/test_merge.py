"""What dlt's merge receives from a spool: rows unique by key, the last version read."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dlt
import duckdb

from ingestion.columnar import DEDUPLICATED_MERGE, Child, Layout
from ingestion.contracts import Contract, Quarantine
from ingestion.declared import Declared, load_items

ORDERS = Declared(
    Contract("shop", "orders", required={"id": "integer"}),
    Layout(
        root="orders",
        columns={"id": {"data_type": "bigint", "nullable": False}, "note": {"data_type": "text"}},
        children=(Child(("lines",), primary_key=("id",), parent_key="order_id"),),
    ),
)


def order(number: int, note: str, lines: list[int]) -> dict[str, Any]:
    return {
        "id": number,
        "note": note,
        "lines": [{"id": line, "order_id": number} for line in lines],
    }


@dlt.source(name="shop")
def one_spool(pages: list[list[dict[str, Any]]]) -> Any:
    """A resource whose whole load is one spool, as the API sources are."""

    @dlt.resource(name="orders", primary_key="id", write_disposition=DEDUPLICATED_MERGE)
    def orders() -> Iterator[Any]:
        yield from load_items(pages, ORDERS, Quarantine(), deduplicated=True)

    return orders


def loaded(tmp_path: Path, source: Any) -> dict[str, list[tuple]]:
    pipeline = dlt.pipeline(
        pipeline_name="merge_test",
        pipelines_dir=str(tmp_path / "pipelines"),
        destination=dlt.destinations.duckdb(str(tmp_path / "warehouse.duckdb")),
        dataset_name="raw_shop",
    )
    pipeline.run(source, loader_file_format="parquet")
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as connection:
        return {
            table: connection.execute(
                f"select {columns} from raw_shop.{table} order by 1"
            ).fetchall()
            for table, columns in (("orders", "id, note"), ("orders__lines", "id, order_id"))
        }


def test_an_order_read_twice_in_one_load_lands_once_as_its_later_version(tmp_path: Path) -> None:
    first = [order(1, "placed", [10, 11]), order(2, "placed", [20])]
    second = [order(1, "edited", [12])]

    tables = loaded(tmp_path, one_spool([first, second]))

    assert tables["orders"] == [(1, "edited"), (2, "placed")]
    assert tables["orders__lines"] == [(12, 1), (20, 2)]


def test_every_source_read_through_one_spool_tells_dlt_its_rows_are_unique() -> None:
    from ingestion.aircall import aircall_source
    from ingestion.csv_exports import aircall_csv_source, judgeme_csv_source
    from ingestion.decisions import decisions_source
    from ingestion.judgeme import judgeme_source
    from ingestion.shopify import shopify_source

    resources = [
        *shopify_source(shop_url="http://x", access_token="t").resources.values(),
        aircall_source(base_url="http://x", api_id="i", api_token="t").resources["calls"],
        judgeme_source(base_url="http://x", shop_domain="d", api_token="t").resources["reviews"],
        aircall_csv_source(bucket_url="exports").resources["calls"],
        judgeme_csv_source(bucket_url="exports").resources["reviews"],
        decisions_source(bucket_url="store").resources["decisions"],
    ]

    told = {r.name: r.compute_table_schema().get("x-stage-data-deduplicated") for r in resources}
    assert told == dict.fromkeys(told, True)
    assert set(told) == {"orders", "customers", "products", "calls", "reviews", "decisions"}
