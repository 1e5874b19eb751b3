from dagster_dlt import DagsterDltResource

dlt_resource = DagsterDltResource()
