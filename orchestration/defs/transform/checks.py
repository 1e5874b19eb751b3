"""Checks on what dbt built that need more than a dbt test can say.

Call tags are free text in every real Aircall account. A call whose tags name
no purpose in ``seeds/call_purposes.csv`` drops out of every mart that splits
calls by purpose (why non-buyers did not buy, connect rates by purpose), so
this check warns when too many tagged calls cannot be placed and names the
tags to map.
"""

import json
from dataclasses import dataclass

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource

from orchestration.defs.resources import EarshotResource
from orchestration.defs.transform.assets import dbt_vars

CALLS_IDENTIFIED = dg.AssetKey(["intermediate", "int_calls_identified"])
# A share of tagged calls above this is worth a look: a few one-off tags are normal.
UNMAPPED_SHARE_WARN_ABOVE = 0.05
TAGS_NAMED = 10


@dataclass(frozen=True)
class UnmappedTags:
    """Tagged calls whose tags name no purpose, and the tags most often behind them."""

    tagged_calls: int
    unmapped_calls: int
    tags: list[tuple[str, int]]

    @property
    def share(self) -> float:
        return self.unmapped_calls / self.tagged_calls if self.tagged_calls else 0.0

    @property
    def passed(self) -> bool:
        return self.share <= UNMAPPED_SHARE_WARN_ABOVE

    def describe(self) -> str:
        if not self.tagged_calls:
            return "no tagged calls loaded"
        named = ", ".join(f"{tag!r} ({calls})" for tag, calls in self.tags) or "none"
        return (
            f"{self.unmapped_calls} of {self.tagged_calls} tagged calls ({self.share:.1%}) "
            f"have no tag that names a purpose; unmapped tags: {named}. "
            "Add them as synonyms in transform/seeds/call_purposes.csv."
        )


def unmapped_call_tags(connection: duckdb.DuckDBPyConnection) -> UnmappedTags:
    """What ``intermediate.int_calls_identified`` could not place, read from the warehouse."""
    tagged, unmapped = connection.execute(
        "select count(*) filter (where call_purpose != 'untagged'), "
        "count(*) filter (where call_purpose = 'unmapped') "
        "from intermediate.int_calls_identified"
    ).fetchone()
    tags = connection.execute(
        """
        select tags.tag_name, count(distinct tags.call_id) as calls
        from intermediate.int_call_tags_mapped as tags
        inner join intermediate.int_calls_identified as calls
            on tags.call_id = calls.call_id
        where calls.call_purpose = 'unmapped'
        group by 1
        order by 2 desc, 1
        limit ?
        """,
        [TAGS_NAMED],
    ).fetchall()
    return UnmappedTags(int(tagged), int(unmapped), [(str(t), int(n)) for t, n in tags])


@dg.asset_check(
    asset=CALLS_IDENTIFIED,
    name="call_tags_name_a_purpose",
    description="Warns when more than 5% of tagged calls have no tag that names a purpose "
    "(seeds/call_purposes.csv), and names those tags.",
    blocking=False,
)
def call_tags_name_a_purpose(earshot: EarshotResource) -> dg.AssetCheckResult:
    with earshot.connect(read_only=True) as connection:
        found = unmapped_call_tags(connection)
    return dg.AssetCheckResult(
        passed=found.passed,
        severity=dg.AssetCheckSeverity.WARN,
        description=found.describe(),
        metadata={
            "tagged_calls": found.tagged_calls,
            "unmapped_calls": found.unmapped_calls,
            "unmapped_share": round(found.share, 4),
            "unmapped_tags": dg.MetadataValue.json(dict(found.tags)),
        },
    )


SEVERITY = {"warn": dg.AssetCheckSeverity.WARN, "error": dg.AssetCheckSeverity.ERROR}


def source_freshness_check(manifest: dict) -> dg.AssetChecksDefinition:
    """``dbt source freshness`` as one check per raw asset: each source table's newest load
    stamp against the warn_after and error_after its sources YAML declares."""
    tables: dict[dg.AssetKey, list[str]] = {}
    for source in manifest["sources"].values():
        freshness = source.get("freshness") or {}
        if source.get("loaded_at_field") and (freshness.get("warn_after") or {}).get("count"):
            key = dg.AssetKey(source["meta"]["dagster"]["asset_key"])
            tables.setdefault(key, []).append(f"{source['source_name']}.{source['name']}")
    specs = [
        dg.AssetCheckSpec(
            "dbt_source_freshness",
            asset=key,
            description=f"dbt source freshness of {', '.join(sorted(names))}: warns and errs "
            "after the periods the sources YAML declares.",
        )
        for key, names in sorted(tables.items())
    ]

    @dg.multi_asset_check(specs=specs, name="dbt_source_freshness", can_subset=True)
    def dbt_source_freshness(
        context: dg.AssetCheckExecutionContext, dbt: DbtCliResource, earshot: EarshotResource
    ):
        variables = json.dumps(dbt_vars(earshot))
        with earshot.lock(say=context.log.info):
            invocation = dbt.cli(
                ["source", "freshness", "--vars", variables],
                raise_on_error=False,
                target_path=earshot.settings.dbt_target_dir,
            ).wait()
        results = json.loads((invocation.target_path / "sources.json").read_text())["results"]
        status = {r["unique_id"].split(".", 2)[2]: r for r in results}
        for check_key in context.selected_asset_check_keys:
            found = {name: status.get(name, {}) for name in tables[check_key.asset_key]}
            worst = max(
                (r.get("status", "runtime error") for r in found.values()),
                key=lambda s: (
                    ("pass", "warn", "error", "runtime error").index(s)
                    if s in ("pass", "warn", "error", "runtime error")
                    else 3
                ),
            )
            yield dg.AssetCheckResult(
                check_name="dbt_source_freshness",
                asset_key=check_key.asset_key,
                passed=worst == "pass",
                severity=SEVERITY.get(worst, dg.AssetCheckSeverity.ERROR),
                description="; ".join(
                    f"{name}: {r.get('status', 'not checked')}, newest load "
                    f"{r.get('max_loaded_at', '?')}"
                    for name, r in sorted(found.items())
                ),
                metadata={
                    f"{name} age (hours)": round(
                        float(r.get("max_loaded_at_time_ago_in_s") or 0) / 3600, 1
                    )
                    for name, r in sorted(found.items())
                },
            )

    return dbt_source_freshness
