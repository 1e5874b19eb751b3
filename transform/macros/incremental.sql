{#- Rows loaded since the last run of an incremental model, with a look-back.

    dlt stamps each row with the load that last wrote it (`_dlt_load_id`,
    Unix seconds as text); a record changed at the source is re-loaded with a
    new stamp. An incremental run takes the rows stamped after the newest
    stamp already in the model, less var('incremental_lookback_hours'), so a
    late or re-run load is never missed. -#}
{% macro loaded_since_last_run(load_id_column, this_load_id_column='load_id') -%}
    cast({{ load_id_column }} as double) > (
        select
            coalesce(max(cast({{ this_load_id_column }} as double)), 0)
            - {{ var('incremental_lookback_hours') }} * 3600
        from {{ this }}
    )
{%- endmacro %}
