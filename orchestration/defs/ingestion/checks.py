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


def landing_contract(
    context: dg.AssetCheckExecutionContext,
    asset: dg.AssetKey,
    findings: list[tuple[str, landing.Finding]],
) -> dg.AssetCheckResult:
    """The landing contract check of one asset, from its tables' findings."""
    failed = [(table, f) for table, f in findings if not f.passed]
    for table, finding in failed:
        context.log.error(f"{table}: {finding.describe()}; e.g. {finding.examples[:5]}")
    return dg.AssetCheckResult(
        asset_key=asset,
        check_name="landing_contract",
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


def quarantine_share(
    connection, asset: dg.AssetKey, root: landing.TableContract
) -> dg.AssetCheckResult:
    load = landing.latest_load(connection, root)
    return dg.AssetCheckResult(
        asset_key=asset,
        check_name="quarantine_share",
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


def rows_not_emptied(
    context: dg.AssetCheckExecutionContext,
    connection,
    asset: dg.AssetKey,
    root: landing.TableContract,
) -> dg.AssetCheckResult:
    rows = landing.row_count(connection, root)
    before = previous_rows(context, asset)
    return dg.AssetCheckResult(
        asset_key=asset,
        check_name="rows_not_emptied",
        passed=not (rows == 0 and before),
        severity=dg.AssetCheckSeverity.ERROR,
        description=f"{rows:,} rows now; {before if before is not None else 'no'} before",
        metadata={"rows": rows, "rows_before": before if before is not None else -1},
    )


def landing_specs(asset: dg.AssetKey, contracts: tuple[landing.TableContract, ...]) -> list:
    tables = ", ".join(c.name for c in contracts)
    root = contracts[0].name
    return [
        dg.AssetCheckSpec(
            "landing_contract",
            asset=asset,
            blocking=True,
            description=f"Great Expectations suite on {tables}: keys unique and present, money "
            "non-negative, currencies ISO 4217, ratings 1 to 5, times after 2000 and not ahead.",
        ),
        dg.AssetCheckSpec(
            "quarantine_share",
            asset=asset,
            blocking=True,
            description=f"The latest load of {root} set aside at most "
            f"{landing.QUARANTINE_SHARE_MAX:.0%} of its records (see the quarantine table).",
        ),
        dg.AssetCheckSpec(
            "rows_not_emptied",
            asset=asset,
            blocking=True,
            description=f"{root} still holds rows if it held any at its previous check.",
        ),
    ]


def source_landing_checks(
    name: str, assets: dict[dg.AssetKey, tuple[landing.TableContract, ...]]
) -> dg.AssetChecksDefinition:
    """The landing checks of one source's raw assets, run as one step: the contracts
    validated in the run's worker process (one call), the counts on one connection."""

    @dg.multi_asset_check(
        specs=[spec for key, contracts in assets.items() for spec in landing_specs(key, contracts)],
        name=f"landing_checks_{name}",
        can_subset=True,
    )
    def _checks(context: dg.AssetCheckExecutionContext, earshot: EarshotResource):
        selected = context.selected_asset_check_keys
        say = context.log.info
        validated = {
            asset: contracts
            for asset, contracts in assets.items()
            if dg.AssetCheckKey(asset, "landing_contract") in selected
        }
        if validated:
            # Great Expectations in the run's worker process, not in the run's own
            found = iter(
                earshot.worker(say).validate(
                    earshot.settings,
                    [(c.schema, c.table) for contracts in validated.values() for c in contracts],
                    say,
                )
            )
            for asset, contracts in validated.items():
                findings = [(c.name, f) for c in contracts for f in next(found)]
                yield landing_contract(context, asset, findings)
        with earshot.connect(read_only=True, say=say) as connection:
            for asset, contracts in assets.items():
                if dg.AssetCheckKey(asset, "quarantine_share") in selected:
                    yield quarantine_share(connection, asset, contracts[0])
                if dg.AssetCheckKey(asset, "rows_not_emptied") in selected:
                    yield rows_not_emptied(context, connection, asset, contracts[0])

    return _checks


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


def landing_checks_for(sources: tuple[str, ...]) -> list[dg.AssetChecksDefinition]:
    """Landing checks on every connected raw table: one step per source's API assets and
    one per vendor's CSV exports."""
    api: dict[str, dict[dg.AssetKey, tuple[landing.TableContract, ...]]] = {}
    exports: dict[str, dict[dg.AssetKey, tuple[landing.TableContract, ...]]] = {}
    for (dataset, table), contracts in landing.CONTRACTS.items():
        source = dataset.removeprefix("raw_")
        if source not in sources:
            continue
        api.setdefault(source, {})[raw_key(source, table)] = contracts
        if pipelines.EXPORT_VENDORS.get(source) == table:
            exports.setdefault(source, {})[export_key(source)] = contracts
    return [source_landing_checks(source, assets) for source, assets in api.items()] + [
        source_landing_checks(f"{vendor}_exports", assets) for vendor, assets in exports.items()
    ]
