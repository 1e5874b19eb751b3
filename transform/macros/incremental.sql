{#- Rows loaded since the last run of an incremental model, with a look-back.

    dlt stamps each row with the load that last wrote it (`_dlt_load_id`,
    Unix seconds as text); a record changed at the source is re-loaded with a
    new stamp. An incremental run takes the rows stamped after the newest
    stamp already in the model, less var('incremental_lookback_hours'), so a
    late or re-run load is never missed. EARSHOT_LOOKBACK_HOURS, when set,
    says the hours instead for one run (read while models run, like the
    partition window below, so it never invalidates dbt's parse cache). -#}
{% macro loaded_since_last_run(load_id_column, this_load_id_column='load_id', window_column=none) -%}
    (
        cast({{ load_id_column }} as double) > (
            select
                coalesce(max(cast({{ this_load_id_column }} as double)), 0)
                - {{ _earshot_lookback_hours() }} * 3600
            from {{ this }}
        )
        {%- if window_column is not none %}
            or {{ in_partition_window(window_column) }}
        {%- endif %}
    )
{%- endmacro %}


{#- Whether a row's time falls in the partitions a run was asked for.

    Dagster passes a run's partition window as the environment variables
    EARSHOT_WINDOW_START and EARSHOT_WINDOW_END (UTC, end exclusive; no end:
    through now); by hand, `--vars '{earshot_window_start: ..., earshot_window_end: ...}'`
    says the same. An incremental model reprocesses the rows in that window as
    well as those loaded since its last run, so a backfill of a date range
    rebuilds that range. With no window (a run from the command line) it is false.

    The window is read only while models run, never while dbt parses: a window
    that changes with every partition then leaves dbt's parse cache valid. -#}
{% macro in_partition_window(column) -%}
    {%- set start = _earshot_window_edge('start') -%}
    {%- set end = _earshot_window_edge('end') -%}
    {%- if start is none -%}
        false
    {%- else -%}
        ({{ column }} >= cast('{{ start }}' as timestamp)
        {%- if end is not none %} and {{ column }} < cast('{{ end }}' as timestamp){% endif %})
    {%- endif -%}
{%- endmacro %}

{% macro _earshot_lookback_hours() -%}
    {%- set hours = env_var('EARSHOT_LOOKBACK_HOURS', '') if execute else '' -%}
    {%- if hours and not (hours | string).replace('.', '', 1).isdigit() -%}
        {{ exceptions.raise_compiler_error(
            "EARSHOT_LOOKBACK_HOURS=" ~ hours ~ ": give a number of hours, 0 or more") }}
    {%- endif -%}
    {{ return(hours or var('incremental_lookback_hours')) }}
{%- endmacro %}

{% macro _earshot_window_edge(edge) -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set value = var('earshot_window_' ~ edge, none)
        or env_var('EARSHOT_WINDOW_' ~ (edge | upper), '') -%}
    {{ return(value or none) }}
{%- endmacro %}


{#- The materialization of a model that is incremental by delete+insert.

    On Spark the project's tables are plain Parquet, which has no delete+insert
    (Delta has, but its jars are fetched at run time), so there such a model
    is rebuilt whole on every run. -#}
{% macro incremental_where_supported() -%}
    {{ return('table' if target.type in ('spark', 'databricks') else 'incremental') }}
{%- endmacro %}


{#- A pre-hook for a model incremental on `key` whose rows are built from
    `current` (a subquery of each key's rows as they would be built now):
    delete every key whose rows in the table differ from its rows in
    `current`, compared on `columns`: the key is gone, one of its columns
    changed, or it has a row more or a row fewer. The model then writes the
    keys it does not hold (`where key not in (select key from this)`): new
    keys and the ones deleted here.

    `current` may give one row per key where the table holds several (a
    document's inputs against its mentions, each of which repeats them): then
    the key's rows all go together when its inputs change, and a key that
    `current` has but the table has no row for is left to the model.

    Rows are compared by a hash of `columns` (nulls hash alike; the current
    values cast to the types the table holds, as a value hashes by its type),
    not column by column: at the L shop the column-by-column comparison of
    voice_documents took 1.5 s of a daily build, the hashes 0.4 s. Two
    different rows hash alike once in 2^64.

    A table built before one of `columns` was added gets the column here, all
    nulls, so every row differs and the table is written again whole, once
    (DuckDB will not add a column to a table the same transaction has already
    changed, so the column cannot wait for on_schema_change). Nothing on a
    model's first build, or where it is rebuilt whole. -#}
{% macro delete_rows_to_rebuild(current, key, columns) -%}
    {%- if not is_incremental() -%}
        select 1
    {%- else -%}
        {%- set held_types = {} -%}
        {%- for column in adapter.get_columns_in_relation(this) -%}
            {%- do held_types.update({column.name: column.data_type}) -%}
        {%- endfor %}
        {#- the current values as the table holds them: a value hashes by its
            type, and a column the table holds as another type than the model
            now gives would otherwise differ on every row, every run -#}
        {%- set as_held = [] -%}
        {%- for column in columns -%}
            {%- do as_held.append(
                'cast(' ~ column ~ ' as ' ~ held_types[column] ~ ')'
                if column in held_types else column) -%}
        {%- endfor %}
        {{ add_missing_columns(current, columns, held=held_types.keys() | list) }}
        delete from {{ this }}
        where {{ key }} in (
            select coalesce(held_rows.{{ key }}, now_rows.{{ key }})
            from (
                select
                    {{ key }},
                    {{ row_hash(columns | join(', ')) }} as row_hash
                from {{ this }}
            ) as held_rows
            full outer join (
                select
                    {{ key }},
                    {{ row_hash(as_held | join(', ')) }} as row_hash
                from {{ current }} as now_built
            ) as now_rows
                on
                    held_rows.{{ key }} = now_rows.{{ key }}
                    and held_rows.row_hash = now_rows.row_hash
            where held_rows.{{ key }} is null or now_rows.{{ key }} is null
        )
    {%- endif -%}
{%- endmacro %}


{#- Statements that add to an incremental model's table each of `columns` it
    does not have yet, typed as `current` (a relation or subquery) gives it:
    for a pre-hook that reads a column a table built by an earlier Earshot
    lacks. The column is all nulls. `held`, the table's column names when the
    caller has read them already. -#}
{% macro add_missing_columns(current, columns, held=none) -%}
    {%- if held is none -%}
        {%- set held = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
    {%- endif -%}
    {%- for column in columns | reject('in', held) -%}
        {%- set described = run_query(
            'describe select ' ~ column ~ ' from ' ~ current ~ ' as now_built') -%}
        alter table {{ this }} add column {{ column }} {{ described.columns[1].values()[0] }};
    {% endfor -%}
{%- endmacro %}


{#- The materialization of a model rebuilt whole on every run whose rows
    mostly stay the same from one run to the next (who is who: a caller
    matched to a customer today re-keys their old calls, so no load stamp
    says which rows change). On a DuckDB file it is `incremental` with the
    `sync` strategy below: the model's query gives the whole table, and a run
    writes only the rows that differ. Elsewhere (Spark, and MotherDuck, where
    the strategy's delete by rowid has not been tried) it is an ordinary
    table. -#}
{% macro rewritten_where_changed() -%}
    {{ return(
        'incremental' if target.type == 'duckdb' and not adapter.is_motherduck() else 'table'
    ) }}
{%- endmacro %}


{#- The `sync` incremental strategy (DuckDB): make the table hold exactly the
    rows of `temp_relation` (the model's whole query, which dbt has run into a
    temporary table), writing only what differs. Rows the table holds that the
    query no longer gives (gone, or any column changed) are deleted; rows the
    query gives that the table does not hold are inserted. Rows are compared
    by a hash of every column, the query's values cast to the types the table
    holds; two different rows hash alike once in 2^64. The rows are a set: a
    row the query gives twice, alike in every column, stays once if the table
    held it once, so a model that uses this has a key and tests its grain.

    At the L shop a daily build rewrote int_customer_identities (1.7M rows),
    int_calls_identified and int_voice_documents whole, to change a few
    thousand of their rows (docs/benchmarks.md). -#}
{% macro get_incremental_sync_sql(arg_dict) -%}
    {%- set target_relation = arg_dict['target_relation'] -%}
    {%- set temp_relation = arg_dict['temp_relation'] -%}
    {%- set held = adapter.get_columns_in_relation(target_relation) -%}
    {%- set names = arg_dict['dest_columns'] | map(attribute='name') | list -%}
    {%- set quoted = [] -%}
    {%- set held_columns = [] -%}
    {%- set now_columns = [] -%}
    {%- for column in held if column.name in names -%}
        {%- do quoted.append(adapter.quote(column.name)) -%}
        {%- do held_columns.append('held.' ~ adapter.quote(column.name)) -%}
        {%- do now_columns.append(
            'cast(now_rows.' ~ adapter.quote(column.name) ~ ' as ' ~ column.data_type ~ ')') -%}
    {%- endfor %}
    {%- set held_hashes = adapter.quote(temp_relation.identifier ~ '__held_hashes') %}
    {#- the held rows' hashes once, for the delete and the insert: a row
        deleted here hashes unlike every row of the query, so the insert may
        compare the query's rows with every held row, deleted or not -#}
    create temporary table {{ held_hashes }} as
    select
        held.rowid as held_row,
        {{ row_hash(held_columns | join(', ')) }} as row_hash
    from {{ target_relation }} as held;

    delete from {{ target_relation }}
    where rowid in (
        select held_hashes.held_row
        from {{ held_hashes }} as held_hashes
        anti join (
            select {{ row_hash(now_columns | join(', ')) }} as row_hash
            from {{ temp_relation }} as now_rows
        ) as now_hashes
            on held_hashes.row_hash = now_hashes.row_hash
    );

    insert into {{ target_relation }} ({{ quoted | join(', ') }})
    select {{ now_columns | join(', ') }}
    from {{ temp_relation }} as now_rows
    anti join {{ held_hashes }} as held_hashes
        on {{ row_hash(now_columns | join(', ')) }} = held_hashes.row_hash;

    drop table {{ held_hashes }}
{%- endmacro %}
