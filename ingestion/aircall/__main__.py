"""``python -m ingestion.aircall``: load Aircall into the warehouse on its own."""

from ingestion.aircall import aircall_source
from ingestion.pipelines import run_source

if __name__ == "__main__":
    run_source("aircall", aircall_source())
