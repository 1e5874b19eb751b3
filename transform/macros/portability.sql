{#- SQL that differs between warehouses lives here, so the models stay portable.
    Each macro dispatches; the default implementation is DuckDB's. -#}

{#- A timestamp with time zone as a plain UTC timestamp. -#}
{% macro to_utc(column) -%}
    {{ return(adapter.dispatch('to_utc', 'earshot')(column)) }}
{%- endmacro %}

{% macro default__to_utc(column) -%}
    timezone('UTC', {{ column }})
{%- endmacro %}

{#- Unix seconds as a plain UTC timestamp. -#}
{% macro epoch_to_utc(column) -%}
    {{ return(adapter.dispatch('epoch_to_utc', 'earshot')(column)) }}
{%- endmacro %}

{% macro default__epoch_to_utc(column) -%}
    timezone('UTC', to_timestamp({{ column }}))
{%- endmacro %}

{#- A stable, non-reversible key for a person, so marts never carry their identifiers. -#}
{% macro hash_key(expression) -%}
    {{ return(adapter.dispatch('hash_key', 'earshot')(expression)) }}
{%- endmacro %}

{% macro default__hash_key(expression) -%}
    md5(cast({{ expression }} as {{ dbt.type_string() }}))
{%- endmacro %}

{#- A 64-bit hash of one or more columns (given as one comma-separated string):
    equal rows, nulls and all, hash alike, so wide rows can be grouped on one
    number. Not a key: two different rows may hash alike too, so a caller
    that must be exact checks again the rows whose hashes clash. -#}
{% macro row_hash(columns) -%}
    {{ return(adapter.dispatch('row_hash', 'earshot')(columns)) }}
{%- endmacro %}

{% macro default__row_hash(columns) -%}
    hash({{ columns }})
{%- endmacro %}

{#- The integers 0 .. count - 1 as rows of one column, for spines of months or weeks. -#}
{% macro integer_spine(count, column_name='n') -%}
    {{ return(adapter.dispatch('integer_spine', 'earshot')(count, column_name)) }}
{%- endmacro %}

{% macro default__integer_spine(count, column_name) -%}
    select range as {{ column_name }} from range({{ count }})
{%- endmacro %}

{#- Every match of a regular expression replaced (case-insensitive). -#}
{% macro regex_replace_all(text, pattern, replacement) -%}
    {{ return(adapter.dispatch('regex_replace_all', 'earshot')(text, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regex_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, {{ pattern }}, {{ replacement }}, 'gi')
{%- endmacro %}

{#- One row per piece of text split on a regular expression: the piece and its
    1-based position. Used as a lateral table: `cross join {{ split_to_rows(...) }}`. -#}
{% macro split_to_rows(text, pattern, piece_column='piece', index_column='piece_index') -%}
    {{ return(adapter.dispatch('split_to_rows', 'earshot')(text, pattern, piece_column, index_column)) }}
{%- endmacro %}

{% macro default__split_to_rows(text, pattern, piece_column, index_column) -%}
    unnest(regexp_split_to_array({{ text }}, {{ pattern }}))
        with ordinality as split_pieces({{ piece_column }}, {{ index_column }})
{%- endmacro %}

{#- The text of a regular expression's first capture group, or null without a match. -#}
{% macro regex_extract(text, pattern) -%}
    {{ return(adapter.dispatch('regex_extract', 'earshot')(text, pattern)) }}
{%- endmacro %}

{% macro default__regex_extract(text, pattern) -%}
    nullif(regexp_extract({{ text }}, {{ pattern }}, 1), '')
{%- endmacro %}

{#- A free-text label as a key: lower-case letters and digits only, so that
    "Abandoned Cart", "abandoned_cart" and "abandoned-cart" compare equal. -#}
{% macro tag_key(text) -%}
    {{ regex_replace_all('lower(' ~ text ~ ')', "'[^a-z0-9]+'", "''") }}
{%- endmacro %}

{#- A column type as the sources declare it (DuckDB's names) in this warehouse's words. -#}
{% macro column_type(data_type) -%}
    {{ return(adapter.dispatch('column_type', 'earshot')(data_type)) }}
{%- endmacro %}

{% macro default__column_type(data_type) -%}
    {{ data_type }}
{%- endmacro %}

{% macro spark__column_type(data_type) -%}
    {%- set spark_types = {
        'varchar': 'string',
        'text': 'string',
        'timestamp with time zone': 'timestamp',
        'timestamptz': 'timestamp',
    } -%}
    {{ spark_types.get(data_type | lower, data_type) }}
{%- endmacro %}

{#- Spark. Timestamps there are instants shown in the session's time zone, which
    the spark target sets to UTC (transform/profiles.yml, earshot/lake.py), and
    string literals are read as written (spark.sql.parser.escapedStringLiterals),
    as DuckDB reads them. -#}

{% macro spark__to_utc(column) -%}
    cast({{ column }} as timestamp)
{%- endmacro %}

{% macro spark__epoch_to_utc(column) -%}
    timestamp_seconds({{ column }})
{%- endmacro %}

{#- Spark's hash() is 32 bits; xxhash64 is its 64-bit hash. -#}
{% macro spark__row_hash(columns) -%}
    xxhash64({{ columns }})
{%- endmacro %}

{% macro spark__integer_spine(count, column_name) -%}
    select id as {{ column_name }} from range({{ count }})
{%- endmacro %}

{% macro spark__regex_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, concat('(?i)', {{ pattern }}), {{ replacement }})
{%- endmacro %}

{% macro spark__split_to_rows(text, pattern, piece_column, index_column) -%}
    lateral (
        select col as {{ piece_column }}, pos + 1 as {{ index_column }}
        from (select posexplode(split({{ text }}, {{ pattern }})))
    ) as split_pieces
{%- endmacro %}

{#- dbt-spark's listagg drops the order by (with a warning), so a transcript's
    utterances or a document's themes would come out in any order. Spark 4
    has listagg ... within group (order by ...), as DuckDB has. -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if limit_num -%}
        {{ exceptions.raise_compiler_error("listagg's limit_num is not supported on Spark") }}
    {%- endif -%}
    listagg({{ measure }}, {{ delimiter_text }})
    {%- if order_by_clause %} within group ({{ order_by_clause }}){% endif %}
{%- endmacro %}

{#- One bit of a bigint set of small integers (0 to 62): its value, and
    whether a set holds it. A set of themes is one number per document, so
    rolling themes up by document keeps a fixed-size state per group. -#}
{% macro bit_value(bit) -%}
    {{ return(adapter.dispatch('bit_value', 'earshot')(bit)) }}
{%- endmacro %}

{% macro default__bit_value(bit) -%}
    (cast(1 as bigint) << {{ bit }})
{%- endmacro %}

{% macro spark__bit_value(bit) -%}
    shiftleft(cast(1 as bigint), {{ bit }})
{%- endmacro %}

{% macro bit_is_set(mask, bit) -%}
    {{ return(adapter.dispatch('bit_is_set', 'earshot')(mask, bit)) }}
{%- endmacro %}

{% macro default__bit_is_set(mask, bit) -%}
    ((({{ mask }}) >> {{ bit }}) & 1) = 1
{%- endmacro %}

{% macro spark__bit_is_set(mask, bit) -%}
    (shiftright({{ mask }}, {{ bit }}) & 1) = 1
{%- endmacro %}

{#- An amount of money shared over a count, to the cent, halves rounded up.
    Engines divide decimals differently (DuckDB in doubles, Spark in exact
    decimals) and so round a half cent differently; whole cents over a whole
    count land on a half exactly or far from it, on every engine. -#}
{% macro money_per(amount, count) -%}
    cast(
        floor(cast({{ amount }} * 100 as bigint) / cast({{ count }} as double) + 0.5) / 100
        as decimal(18, 2)
    )
{%- endmacro %}
