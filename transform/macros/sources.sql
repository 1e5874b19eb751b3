{#- Reading raw tables that a shop may not have filled.

    dlt creates a table only once a record reaches it, and a column only once
    some record carries a value: a shop without Aircall's transcription has no
    transcript tables, a shop with no cancellations may have no cancel_reason.
    Staging models therefore read a source through `declared_source`, which
    selects exactly the columns declared for it in `_<source>__sources.yml`
    (with their `data_type`), cast to that type, and fills any column the
    warehouse does not have with a typed null. A table that does not exist,
    or a source switched off, reads as an empty relation of the same shape,
    so every downstream model still builds.

    Which sources are in use comes from vars (`earshot_using_aircall`,
    `earshot_using_judgeme`, `earshot_using_transcripts`); left unset, each is
    detected from what was loaded: a source is in use when its root table
    exists in the warehouse. -#}

{#- The root table whose presence says a feature was loaded, per `earshot_using_*` var. -#}
{% macro _earshot_feature_tables() -%}
    {{ return({
        'aircall': ('aircall', 'calls'),
        'judgeme': ('judgeme', 'reviews'),
        'transcripts': ('aircall', 'transcripts'),
    }) }}
{%- endmacro %}

{#- The features a source table belongs to: all must be in use for it to be read. -#}
{% macro _earshot_features_of(source_name, table_name) -%}
    {%- set features = [] -%}
    {%- if source_name in ('aircall', 'judgeme') -%}
        {%- do features.append(source_name) -%}
    {%- endif -%}
    {%- if source_name == 'aircall' and table_name.startswith('transcripts') -%}
        {%- do features.append('transcripts') -%}
    {%- endif -%}
    {{ return(features) }}
{%- endmacro %}

{#- The parsed source node for source_name.table_name. -#}
{% macro _earshot_source_node(source_name, table_name) -%}
    {%- for node in graph.sources.values() -%}
        {%- if node.source_name == source_name and node.name == table_name -%}
            {{ return(node) }}
        {%- endif -%}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error(
        "source " ~ source_name ~ "." ~ table_name ~ " is not declared in a _sources.yml") }}
{%- endmacro %}

{#- The warehouse relation of a declared source table, or none when it was never loaded. -#}
{% macro _earshot_loaded_relation(source_name, table_name) -%}
    {%- set node = _earshot_source_node(source_name, table_name) -%}
    {{ return(adapter.get_relation(
        database=node.database, schema=node.schema, identifier=node.identifier)) }}
{%- endmacro %}

{#- Whether a feature (aircall, judgeme, transcripts) is in use: its var, or detection. -#}
{% macro earshot_using(feature) -%}
    {%- set setting = var('earshot_using_' ~ feature, none) -%}
    {%- if setting is not none -%}
        {{ return(setting | string | lower in ('true', '1', 'yes')) }}
    {%- endif -%}
    {%- if not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set source_name, table_name = _earshot_feature_tables()[feature] -%}
    {{ return(_earshot_loaded_relation(source_name, table_name) is not none) }}
{%- endmacro %}

{#- A source table as a subquery of its declared columns; see the top of this file. -#}
{% macro declared_source(source_name, table_name) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if not execute -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set node = _earshot_source_node(source_name, table_name) -%}
    {%- set declared = node.columns.values() | list -%}
    {%- if not declared -%}
        {{ exceptions.raise_compiler_error(
            "source " ~ source_name ~ "." ~ table_name
            ~ " declares no columns: list them with their data_type in its _sources.yml") }}
    {%- endif -%}
    {%- set in_use = [] -%}
    {%- for feature in _earshot_features_of(source_name, table_name) -%}
        {%- if not earshot_using(feature) -%}
            {%- do in_use.append(false) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set loaded = none -%}
    {%- if in_use | length == 0 -%}
        {%- set loaded = _earshot_loaded_relation(source_name, table_name) -%}
    {%- endif -%}
    {%- set present = [] -%}
    {%- if loaded is not none -%}
        {%- for column in adapter.get_columns_in_relation(loaded) -%}
            {%- do present.append(column.name | lower) -%}
        {%- endfor -%}
    {%- endif -%}
    (
        select
        {%- for column in declared %}
            {%- if not column.data_type %}
                {{ exceptions.raise_compiler_error(
                    "source " ~ source_name ~ "." ~ table_name ~ " column " ~ column.name
                    ~ " has no data_type in its _sources.yml") }}
            {%- endif %}
            {%- set value = adapter.quote(column.name) if column.name | lower in present else 'null' %}
            cast({{ value }} as {{ earshot.column_type(column.data_type) }}) as {{ adapter.quote(column.name) }}
            {{- "," if not loop.last }}
        {%- endfor %}
        {%- if loaded is not none %}
        from {{ relation }}
        {%- else %}
        {#- never loaded, or switched off: the same columns, no rows #}
        where false
        {%- endif %}
    )
{%- endmacro %}
