"""Concurrency pools shared by every area."""

# Every step that opens the warehouse for writing runs in this pool; dagster.yaml
# limits it to one step at a time because DuckDB allows a single writer.
WAREHOUSE_POOL = "warehouse"
