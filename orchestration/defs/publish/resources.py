from dagster_duckdb import DuckDBResource

from earshot import settings

warehouse_resource = DuckDBResource(database=str(settings.warehouse_path()))
