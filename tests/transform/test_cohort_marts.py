"""The cohort marts against the sandbox: identity, talked-to vs silent, call outcomes, no PII."""

import json
from pathlib import Path

import duckdb
import pytest

from earshot import enrichment
from tests.conftest import Sandbox
from tests.pipeline import PipelineRun

# reads the marts of the whole pipeline run once per session
pytestmark = pytest.mark.e2e

PHONE_MODEL = (
    Path(__file__).resolve().parents[2]
    / "transform/models/intermediate/identity/int_phone_numbers_normalized.py"
)


def rows(run: PipelineRun, sql: str) -> list[tuple]:
    with duckdb.connect(str(run.warehouse), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def truths(sandbox: Sandbox) -> dict:
    return json.loads((sandbox.data_dir / "answer_key" / "truths.json").read_text())


def test_talked_to_and_silent_buyers_are_the_planted_ones(
    pipeline_run: PipelineRun, sandbox: Sandbox
) -> None:
    planted = truths(sandbox)["talked_to_uplift"]
    groups = {
        talked: (customers, float(aov), float(ltv))
        for talked, customers, aov, ltv in rows(
            pipeline_run,
            "select has_conversation, sum(customers), sum(net_revenue) / sum(orders), "
            "sum(net_revenue) / sum(customers) from marts.voice_vs_silent group by 1",
        )
    }
    for talked, key in ((True, "talked_to"), (False, "silent")):
        customers, aov, ltv = groups[talked]
        assert customers == planted[key]["customers"]
        assert aov == pytest.approx(planted[key]["aov"], abs=0.01)
        assert ltv == pytest.approx(planted[key]["ltv"], abs=0.01)
    uplift = groups[True][1] / groups[False][1] - 1
    assert abs(uplift - planted["setting_aov"]) <= 0.05


def test_call_outcomes_count_every_call_once(pipeline_run: PipelineRun) -> None:
    [(calls, connected)] = rows(
        pipeline_run,
        "select count(*), count(answered_at) from raw_aircall.calls",
    )
    [(mart_calls, mart_connected, untagged)] = rows(
        pipeline_run,
        "select sum(calls), sum(connected_calls), "
        "sum(case when call_purpose = 'untagged' then calls else 0 end) "
        "from marts.call_outcomes_weekly",
    )
    assert (mart_calls, mart_connected) == (calls, connected)
    assert untagged == 0, "every sandbox call carries a purpose tag"


def test_every_caller_holding_a_customer_phone_is_that_customer(
    pipeline_run: PipelineRun, sandbox: Sandbox
) -> None:
    phones = {
        c["phone"]: c["id"] for c in sandbox.records("shopify/customers.jsonl") if c.get("phone")
    }
    matched = rows(
        pipeline_run,
        "select identity_value, shopify_customer_id from intermediate.int_customer_identities "
        "where identity_type = 'phone' and shopify_customer_id is not null",
    )
    assert matched and all(phones[phone] == customer for phone, customer in matched)
    callers = rows(
        pipeline_run,
        "select count(*) from intermediate.int_calls_identified where customer_key is null",
    )
    assert callers == [(0,)]


def test_marts_carry_no_personal_data(pipeline_run: PipelineRun, sandbox: Sandbox) -> None:
    columns = {
        name
        for (name,) in rows(
            pipeline_run,
            "select column_name from information_schema.columns where table_schema = 'marts'",
        )
    }
    assert not {c for c in columns if any(w in c for w in ("email", "phone", "name"))}
    emails = {c["email"] for c in sandbox.records("shopify/customers.jsonl") if c.get("email")}
    keys = {key for (key,) in rows(pipeline_run, "select customer_key from marts.customers")}
    assert keys and not keys & emails


def test_churn_follows_the_documented_rule(pipeline_run: PipelineRun) -> None:
    wrong = rows(
        pipeline_run,
        "select count(*) from marts.customers "
        "where is_churned <> coalesce(recency_days > 180, false)",
    )
    assert wrong == [(0,)]
    assert rows(pipeline_run, "select count(*) from marts.customers where is_churned") != [(0,)]


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("+44 7700 900123", "US", "+447700900123"),
        ("+1 201-555-0123", "GB", "+12015550123"),
        ("(201) 555-0123", "US", "+12015550123"),
        ("07700 900123", "GB", "+447700900123"),
        ("call me maybe", "US", None),
        ("12", "US", None),
    ],
)
def test_phone_numbers_become_e164(raw: str, region: str, e164: str | None) -> None:
    assert enrichment.to_e164(raw, region) == e164


def test_the_phone_model_reads_numbers_with_the_shared_enrichment() -> None:
    # DuckDB's dbt model and the Spark enrichment step must read numbers one way
    assert "enrichment.phone_numbers(" in PHONE_MODEL.read_text()
    table = enrichment.phone_numbers(["(201) 555-0123", "call me maybe"], "US")
    assert table.to_pylist() == [
        {"phone_raw": "(201) 555-0123", "phone_e164": "+12015550123"},
        {"phone_raw": "call me maybe", "phone_e164": None},
    ]
