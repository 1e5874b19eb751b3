"""``python -m ingestion.judgeme``: load Judge.me into the warehouse on its own."""

from ingestion.pipelines import run_source

if __name__ == "__main__":
    run_source("judgeme")
