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
