{#- What a document's rows in voice_documents and int_voice_mentions are
    built from, beside its sentences' readings: its row in int_voice_documents
    (who said it, when, about what, and the hash of its text) and the voice
    classifier that read the sentences (one after any run: a new classifier
    reads every sentence again). A subquery, so that a model and its pre-hook
    (delete_rows_to_rebuild) read the same thing. -#}
{% macro voice_document_inputs() -%}
    (
        select
            documents.*,
            reader.model_fingerprint
        from {{ ref('int_voice_documents') }} as documents
        cross join (
            select max(model_fingerprint) as model_fingerprint
            from {{ ref('int_sentence_readings') }}
        ) as reader
    )
{%- endmacro %}


{#- The columns of voice_document_inputs() that a document's rows carry and
    are compared on. -#}
{% macro voice_document_input_columns() -%}
    {{ return([
        'source', 'customer_key', 'call_id', 'call_purpose', 'product_id', 'said_at',
        'text_hash', 'model_fingerprint'
    ]) }}
{%- endmacro %}


{#- voice_document_inputs() as int_voice_mentions' rows carry it: the time as
    mentioned_at, and the version of seeds/theme_taxonomy.csv that named the
    themes' categories. -#}
{% macro mention_inputs() -%}
    (
        select
            inputs.*,
            inputs.said_at as mentioned_at,
            taxonomy.taxonomy_version
        from {{ voice_document_inputs() }} as inputs
        cross join (
            select max(version) as taxonomy_version
            from {{ ref('theme_taxonomy') }}
        ) as taxonomy
    )
{%- endmacro %}


{#- The columns of mention_inputs() that a document's mentions carry and are
    compared on. -#}
{% macro mention_input_columns() -%}
    {{ return([
        'source', 'customer_key', 'call_purpose', 'product_id', 'mentioned_at',
        'text_hash', 'model_fingerprint', 'taxonomy_version'
    ]) }}
{%- endmacro %}


{#- voice_mentions' rows as they would be built now: each of int_voice_mentions'
    rows with the sentiment of its whole document. A subquery, so that the
    model and its pre-hook (delete_rows_to_rebuild) read the same thing. With
    `held`, only the documents `held` has no rows for, left out before the
    join (left out after it, DuckDB joined every mention first: 0.55 s against
    0.29 s at the L shop). -#}
{% macro voice_mention_rows(held=none) -%}
    (
        select
            mentions.document_id,
            mentions.source,
            mentions.theme,
            mentions.category,
            mentions.customer_key,
            mentions.product_id,
            mentions.call_purpose,
            mentions.mentioned_at,
            mentions.sentiment,
            documents.sentiment_label as document_sentiment_label,
            mentions.match_method,
            mentions.taxonomy_version
        from (
            select every_mention.*
            from {{ ref('int_voice_mentions') }} as every_mention
            {% if held is not none -%}
                where every_mention.document_id not in (
                    select held_rows.document_id from {{ held }} as held_rows
                )
            {%- endif %}
        ) as mentions
        inner join {{ ref('voice_documents') }} as documents
            on mentions.document_id = documents.document_id
    )
{%- endmacro %}


{#- The columns of voice_mention_rows() besides the document, every one of
    which a row is compared on. -#}
{% macro voice_mention_columns() -%}
    {{ return([
        'source', 'theme', 'category', 'customer_key', 'product_id', 'call_purpose',
        'mentioned_at', 'sentiment', 'document_sentiment_label', 'match_method',
        'taxonomy_version'
    ]) }}
{%- endmacro %}
