"""``python -m ingestion.aircall``: load Aircall into the warehouse on its own."""

from ingestion.pipelines import run_source

if __name__ == "__main__":
    run_source("aircall")
