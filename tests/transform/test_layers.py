"""The folders tell the truth about the DAG: each layer reads only the layers below it."""

from __future__ import annotations

import json
import re

import pytest


@pytest.fixture(scope="module")
def models() -> dict[str, dict]:
    from orchestration.defs.transform.resources import prepared_project

    manifest = json.loads(prepared_project().manifest_path.read_text())
    return {
        node["unique_id"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
    }


def layer(node: dict) -> str:
    return node["fqn"][1]


def test_no_intermediate_model_reads_a_mart(models: dict[str, dict]) -> None:
    offending = [
        f"{node['name']} -> {models[parent]['name']}"
        for node in models.values()
        if layer(node) == "intermediate"
        for parent in node["depends_on"]["nodes"]
        if parent in models and layer(models[parent]) == "marts"
    ]
    assert offending == []


def test_only_staging_reads_sources_and_staging_reads_nothing_else(
    models: dict[str, dict],
) -> None:
    for node in models.values():
        parents = node["depends_on"]["nodes"]
        reads_sources = any(parent.startswith("source.") for parent in parents)
        if layer(node) == "staging":
            assert reads_sources and all(p.startswith("source.") for p in parents), node["name"]
        else:
            assert not reads_sources, node["name"]


def test_model_names_follow_the_readme(models: dict[str, dict]) -> None:
    for node in models.values():
        name, folders = node["name"], node["fqn"][1:-1]
        if folders[0] == "staging":
            assert re.fullmatch(rf"stg_{folders[1]}__[a-z_]+s", name), name
        elif folders[0] == "intermediate":
            assert re.fullmatch(r"int_[a-z_]+s(_[a-z]+ed)?", name), name
        else:
            assert not name.startswith(("stg_", "int_")), name
            assert node["config"]["materialized"] in ("table", "incremental"), name


def test_dagster_groups_follow_the_folders() -> None:
    from orchestration.definitions import defs

    graph = defs().resolve_asset_graph()
    groups: dict[str, set[str]] = {}
    for key in graph.get_all_asset_keys():
        groups.setdefault(graph.get(key).group_name, set()).add(key.to_user_string())
    assert groups["demand"] >= {"marts/demand_signals", "marts/product_demand_weekly"}
    assert groups["core"] == {
        "marts/calls",
        "marts/customers",
        "marts/voice_documents",
        "marts/voice_mentions",
        "marts/shop_daily",
    }
    assert groups["call_operations"] == {"marts/call_outcomes_weekly", "marts/call_queue"}
    assert groups["actions"] == {"marts/decisions", "marts/decisions_monthly"}
    assert "intermediate/int_product_weeks_scored" in groups["intermediate_demand"]
    assert "staging/stg_shopify__orders" in groups["staging_shopify"]
