{#- The intermediate table of an incremental Python model's run, dropped when the run ends.

    dbt-duckdb gives an incremental model's new rows a temporary table, and drops
    nothing after the merge because DuckDB drops a temporary table itself when the
    connection closes. A Python model cannot make a temporary table: its rows are
    written to an ordinary one in the main schema (`<model>__dbt_tmp<time>`), and
    each daily run left one behind for each incremental Python model. Marked not
    temporary, the same table is dropped by the materialization once the merge
    commits. SQL models keep dbt-duckdb's temporary table. -#}
{% macro duckdb__dispatch_temporary_relation(target_relation, batch_id='') %}
    {%- set found = dbt.duckdb__dispatch_temporary_relation(target_relation, batch_id) -%}
    {%- if model.language == 'python' and found.temporary -%}
        {%- do return({'relation': found.relation, 'temporary': false}) -%}
    {%- endif -%}
    {%- do return(found) -%}
{% endmacro %}


{#- Drops the tables that incremental Python models left in the main schema before
    the macro above: `dbt run-operation drop_python_model_leftovers`, once, on a
    warehouse built by an Earshot from before 2026-12-06. Each held one run's new
    rows of a model, and the model's own table holds them too. Names each table it
    drops; with `--args '{dry_run: true}'` it only names them. -#}
{% macro drop_python_model_leftovers(dry_run=false) %}
    {%- set python_models = graph.nodes.values()
        | selectattr('resource_type', 'equalto', 'model')
        | selectattr('language', 'equalto', 'python')
        | map(attribute='name') | list -%}
    {%- set found = run_query(
        "select table_name from duckdb_tables() where schema_name = 'main'"
        ~ " and database_name = current_database() order by 1"
    ) -%}
    {%- set dropped = [] -%}
    {%- for row in found.rows -%}
        {%- set name = row[0] -%}
        {%- for model_name in python_models
            if name.startswith(model_name ~ '__dbt_tmp') and name[(model_name ~ '__dbt_tmp') | length:].isdigit() -%}
            {%- if not dry_run -%}
                {%- do run_query('drop table main."' ~ name ~ '"') -%}
            {%- endif -%}
            {%- do dropped.append(name) -%}
            {{ log(('would drop ' if dry_run else 'dropped ') ~ 'main.' ~ name, info=true) }}
        {%- endfor -%}
    {%- endfor -%}
    {%- if not dry_run and dropped -%}
        {%- do adapter.commit() -%}
    {%- endif -%}
    {{ log(dropped | length ~ ' leftover table(s) ' ~ ('found' if dry_run else 'dropped'), info=true) }}
{% endmacro %}
