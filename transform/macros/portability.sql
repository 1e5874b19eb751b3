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
    md5(cast({{ expression }} as varchar))
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
