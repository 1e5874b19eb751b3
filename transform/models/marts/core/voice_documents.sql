{#- One row per thing a customer said (call note, transcript, review), with
    its redacted text, the themes found in it and its sentiment.

    Incremental on document_id: a run writes only the documents that are new,
    or whose person, call purpose, product, time or text changed in
    int_voice_documents (a caller matched to a customer today), or whose
    sentences a new voice classifier read (model_fingerprint: a new model or
    new seeds/theme_examples.csv re-reads every sentence, and so rewrites
    every document); it deletes those int_voice_documents no longer has
    (macros/incremental.sql, delete_rows_to_rebuild). Run with --full-refresh
    after changing the sentiment_mixed_* vars. On Spark it is rebuilt whole
    (incremental_where_supported). -#}

{{ config(
    materialized=incremental_where_supported(),
    incremental_strategy='delete+insert',
    unique_key='document_id',
    on_schema_change='append_new_columns',
    pre_hook="{{ delete_rows_to_rebuild(
        voice_document_inputs(), 'document_id', voice_document_input_columns()) }}"
) }}

with

documents as (

    {#- incremental: the documents not held, new or deleted by the pre-hook -#}
    select * from {{ voice_document_inputs() }} as inputs
    {% if is_incremental() -%}
        where inputs.document_id not in (select held.document_id from {{ this }} as held)
    {%- endif %}

),

texts as (

    select
        document_id,
        document_text
    from {{ ref('int_voice_texts') }}

),

sentence_themes as (

    select voice_sentence_themes.*
    from {{ ref('int_voice_sentence_themes') }} as voice_sentence_themes
    where voice_sentence_themes.document_id in (select documents.document_id from documents)

),

text_sentiments as (

    select * from {{ ref('int_text_sentiments') }}

),

theme_bits as (

    {#- each theme a bit of a bigint (at most 63 themes: see
        tests/assert_themes_fit_a_document_s_theme_set.sql) -#}
    select
        theme,
        cast(dense_rank() over (order by theme) - 1 as integer) as theme_bit
    from (
        select distinct theme
        from sentence_themes
        where theme is not null
    ) as named

),

document_theme_tones as (

    {#- one row per document and theme (a null theme: its sentences with
        none), with the strongest tones of those sentences; a sentence read
        once per theme it carries leaves the strongest the same -#}
    select
        document_id,
        theme,
        max(sentiment) as most_positive,
        min(sentiment) as most_negative
    from sentence_themes
    group by 1, 2

),

document_readings as (

    {#- a document's themes as one number: a list per document would hold
        a growing state for each of millions of documents, which DuckDB
        cannot spill to disk -#}
    select
        document_theme_tones.document_id,
        max(document_theme_tones.most_positive) as most_positive,
        min(document_theme_tones.most_negative) as most_negative,
        count(document_theme_tones.theme) as theme_count,
        sum({{ bit_value('theme_bits.theme_bit') }}) as theme_set
    from document_theme_tones
    left join theme_bits
        on document_theme_tones.theme = theme_bits.theme
    group by 1

),

theme_sets as (

    {#- each set of themes some document has, named once -#}
    select
        theme_sets.theme_set,
        {{ dbt.listagg('theme_bits.theme', "', '", 'order by theme_bits.theme') }} as themes
    from (
        select distinct theme_set
        from document_readings
        where theme_set is not null
    ) as theme_sets
    inner join theme_bits
        on {{ bit_is_set('theme_sets.theme_set', 'theme_bits.theme_bit') }}
    group by 1

),

final as (

    select
        documents.document_id,
        documents.source,
        documents.customer_key,
        documents.call_id,
        documents.call_purpose,
        documents.product_id,
        documents.said_at,
        texts.document_text,
        coalesce(document_readings.theme_count, 0) as theme_count,
        theme_sets.themes,
        coalesce(text_sentiments.sentiment_score, 0) as sentiment_score,
        case
            when
                document_readings.most_positive >= {{ var('sentiment_mixed_strength') }}
                and document_readings.most_negative <= -{{ var('sentiment_mixed_strength') }}
                and abs(coalesce(text_sentiments.sentiment_score, 0))
                < {{ var('sentiment_mixed_lean') }}
                then 'mixed'
            else coalesce(text_sentiments.sentiment_label, 'neutral')
        end as sentiment_label,
        documents.text_hash,
        documents.model_fingerprint
    from documents
    inner join texts
        on documents.document_id = texts.document_id
    left join document_readings
        on documents.document_id = document_readings.document_id
    left join theme_sets
        on document_readings.theme_set = theme_sets.theme_set
    left join text_sentiments
        on documents.text_hash = text_sentiments.text_hash

)

select * from final
