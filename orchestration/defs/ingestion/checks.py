"""Landing checks on the raw tables, run after each load: blocking, so a malformed load
stops the dbt build and publication of that run before it reaches the dashboards.

- ``landing_contract``: the table's Great Expectations suite (``earshot.landing``):
  keys unique, money non-negative, currencies ISO, ratings 1 to 5, times sane;
  the failing rows' keys show in the check's metadata;
- ``quarantine_share``: the latest load set aside at most 5% of its records;
- ``rows_not_emptied``: a table that held rows still does.
"""

import dagster as dg
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from earshot import landing
from ingestion import pipelines
from orchestration.defs.ingestion.assets import raw_key
from orchestration.defs.ingestion.exports import export_key
from orchestration.defs.resources import EarshotResource


def _findings_table(findings: list[landing.Finding]) -> str:
    lines = ["| table | expectation | column | rows | failing |", "|---|---|---|---|---|"]
    lines += [
        f"| {table} | {f.expectation} | {f.column} | {f.checked} | {f.failing} |"
        for table, f in findings
    ]
    return "\n".join(lines)


def landing_checks(asset: dg.AssetKey, contracts: tuple[landing.TableContract, ...]) -> list:
    """The three landing checks on one raw asset (its table and child tables)."""
    tables = ", ".join(c.name for c in contracts)

    @dg.asset_check(
        asset=asset,
        name="landing_contract",
        blocking=True,
        description=f"Great Expectations suite on {tables}: keys unique and present, money "
        "non-negative, currencies ISO 4217, ratings 1 to 5, times after 2000 and not ahead.",
    )
    def landing_contract(
        context: dg.AssetCheckExecutionContext, earshot: EarshotResource
    ) -> dg.AssetCheckResult:
        findings: list[tuple[str, landing.Finding]] = []
        with earshot.connect(read_only=True, say=context.log.info) as connection:
            for contract in contracts:
                findings += [(contract.name, f) for f in landing.validate(connection, contract)]
        failed = [(table, f) for table, f in findings if not f.passed]
        for table, finding in failed:
            context.log.error(f"{table}: {finding.describe()}; e.g. {finding.examples[:5]}")
        return dg.AssetCheckResult(
            passed=not failed,
            severity=dg.AssetCheckSeverity.ERROR,
            description=(
                "; ".join(f"{table}: {f.describe()}" for table, f in failed)
                or f"{len(findings)} expectations met"
            ),
            metadata={
                "expectations": dg.MetadataValue.md(_findings_table(findings)),
                "failing_rows": dg.MetadataValue.json(
                    {f"{table} {f.expectation} {f.column}": f.examples for table, f in failed}
                ),
                "failed_expectations": len(failed),
            },
        )

    root = contracts[0]

    @dg.asset_check(
        asset=asset,
        name="quarantine_share",
        blocking=True,
        description=f"The latest load of {root.name} set aside at most "
        f"{landing.QUARANTINE_SHARE_MAX:.0%} of its records (see the quarantine table).",
    )
    def quarantine_share(
        context: dg.AssetCheckExecutionContext, earshot: EarshotResource
    ) -> dg.AssetCheckResult:
        with earshot.connect(read_only=True, say=context.log.info) as connection:
            load = landing.latest_load(connection, root)
        return dg.AssetCheckResult(
            passed=load.passed,
            severity=dg.AssetCheckSeverity.ERROR,
            description=f"load {load.load_id}: {load.set_aside} of "
            f"{load.written + load.set_aside} records set aside ({load.share:.1%})",
            metadata={
                "load_id": load.load_id or "",
                "written": load.written,
                "set_aside": load.set_aside,
                "share": round(load.share, 4),
            },
        )

    @dg.asset_check(
        asset=asset,
        name="rows_not_emptied",
        blocking=True,
        description=f"{root.name} still holds rows if it held any at its previous check.",
    )
    def rows_not_emptied(
        context: dg.AssetCheckExecutionContext, earshot: EarshotResource
    ) -> dg.AssetCheckResult:
        with earshot.connect(read_only=True, say=context.log.info) as connection:
            rows = landing.row_count(connection, root)
        before = previous_rows(context, asset)
        return dg.AssetCheckResult(
            passed=not (rows == 0 and before),
            severity=dg.AssetCheckSeverity.ERROR,
            description=f"{rows:,} rows now; {before if before is not None else 'no'} before",
            metadata={"rows": rows, "rows_before": before if before is not None else -1},
        )

    return [landing_contract, quarantine_share, rows_not_emptied]


def previous_rows(context: dg.AssetCheckExecutionContext, asset: dg.AssetKey) -> int | None:
    """The row count this check saw when it last ran to an end, if it has."""
    records = context.instance.event_log_storage.get_asset_check_execution_history(
        dg.AssetCheckKey(asset, "rows_not_emptied"),
        limit=1,
        status={AssetCheckExecutionRecordStatus.SUCCEEDED, AssetCheckExecutionRecordStatus.FAILED},
    )
    for record in records:
        rows = record.evaluation.metadata.get("rows") if record.evaluation else None
        if rows is not None:
            return int(rows.value)
    return None


def landing_checks_for(sources: tuple[str, ...]) -> list:
    """Landing checks on every connected raw table, and on the CSV exports' tables."""
    checks = []
    for (dataset, table), contracts in landing.CONTRACTS.items():
        source = dataset.removeprefix("raw_")
        if source not in sources:
            continue
        checks += landing_checks(raw_key(source, table), contracts)
        if pipelines.EXPORT_VENDORS.get(source) == table:
            checks += landing_checks(export_key(source), contracts)
    return checks
