"""Earshot's landing checks in the kinds of process that run them."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A Dagster step worker's __main__ is not a file, as under `python -c`. Importing
# Great Expectations there once ended the process (exit 0, no error) when pyspark
# lacked its Spark Connect libraries, and the landing checks step failed with it.
VALIDATE = """
import json
import duckdb
from earshot import landing

connection = duckdb.connect()
connection.execute("create schema raw_judgeme")
connection.execute(
    "create table raw_judgeme.reviews as select * from (values (1, 5), (1, 9)) as t(id, rating)"
)
contract = landing.TableContract("raw_judgeme", "reviews", ratings=("rating",))
findings = landing.validate(connection, contract)
print(json.dumps([[f.expectation, f.column, f.passed] for f in findings]))
"""


def test_landing_checks_run_in_a_process_whose_main_is_not_a_file() -> None:
    done = subprocess.run(
        [sys.executable, "-c", VALIDATE], capture_output=True, text=True, cwd=ROOT, check=False
    )

    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip(), f"the process ended before validating: {done.stderr[-3000:]}"
    findings = {(name, column): passed for name, column, passed in json.loads(done.stdout)}
    assert findings[("unique", "id")] is False
    assert False in {passed for (name, column), passed in findings.items() if column == "rating"}


def test_a_validated_table_is_not_kept_in_memory_after_its_findings(monkeypatch) -> None:
    import weakref

    import duckdb

    from earshot import landing

    connection = duckdb.connect()
    connection.execute("create schema raw_judgeme")
    connection.execute(
        "create table raw_judgeme.reviews as select range as id, 1 + range % 5 as rating"
        " from range(1000)"
    )
    contract = landing.TableContract("raw_judgeme", "reviews", key=("id",), ratings=("rating",))
    frames = []
    read = landing._frame

    def kept_track_of(*args):
        frame = read(*args)
        frames.append(weakref.ref(frame))
        return frame

    monkeypatch.setattr(landing, "_frame", kept_track_of)

    for _ in range(2):
        findings = landing.validate(connection, contract)
        assert findings and all(f.passed and f.checked == 1000 for f in findings)

    _, context = landing._context()
    assert len(frames) == 2
    assert [frame() for frame in frames] == [None, None]
    assert not context.data_sources.all()
    assert not context.suites.all()
