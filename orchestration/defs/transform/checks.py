"""Checks on what dbt built that need more than a dbt test can say.

Call tags are free text in every real Aircall account. A call whose tags name
no purpose in ``seeds/call_purposes.csv`` drops out of every mart that splits
calls by purpose (why non-buyers did not buy, connect rates by purpose), so
this check warns when too many tagged calls cannot be placed and names the
tags to map.
"""

from dataclasses import dataclass

import dagster as dg
import duckdb

from earshot import freshness
from orchestration.defs.resources import EarshotResource

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
    """The freshness the sources YAML declares, as one check per raw asset: each source
    table's newest load stamp against its warn_after and error_after.

    Judged as ``dbt source freshness`` judges it, by the same queries in this process
    (:mod:`earshot.freshness`), so a run spends no dbt start-up on it.
    """
    tables: dict[dg.AssetKey, list[freshness.Declared]] = {}
    by_name = {f"{s['source_name']}.{s['name']}": s for s in manifest["sources"].values()}
    for table in freshness.declared_in(by_name.values()):
        key = dg.AssetKey(by_name[table.name]["meta"]["dagster"]["asset_key"])
        tables.setdefault(key, []).append(table)
    specs = [
        dg.AssetCheckSpec(
            "dbt_source_freshness",
            asset=key,
            description=f"dbt source freshness of {', '.join(sorted(t.name for t in found))}: "
            "warns and errs after the periods the sources YAML declares.",
        )
        for key, found in sorted(tables.items())
    ]

    @dg.multi_asset_check(specs=specs, name="dbt_source_freshness", can_subset=True)
    def dbt_source_freshness(context: dg.AssetCheckExecutionContext, earshot: EarshotResource):
        selected = [
            table for key in context.selected_asset_check_keys for table in tables[key.asset_key]
        ]
        with earshot.connect(read_only=True, say=context.log.info) as connection:
            answers = {answer.name: answer for answer in freshness.check(connection, selected)}
        for check_key in context.selected_asset_check_keys:
            found = sorted(
                (answers[table.name] for table in tables[check_key.asset_key]),
                key=lambda answer: answer.name,
            )
            status = freshness.worst(answer.status for answer in found)
            yield dg.AssetCheckResult(
                check_name="dbt_source_freshness",
                asset_key=check_key.asset_key,
                passed=status == "pass",
                severity=SEVERITY.get(status, dg.AssetCheckSeverity.ERROR),
                description="; ".join(
                    f"{answer.name}: {answer.status}, "
                    + (
                        f"newest load {answer.max_loaded_at.isoformat()}"
                        if answer.max_loaded_at
                        else answer.error or "no load"
                    )
                    for answer in found
                ),
                metadata={
                    f"{answer.name} age (hours)": round((answer.age_seconds or 0) / 3600, 1)
                    for answer in found
                },
            )

    return dbt_source_freshness
