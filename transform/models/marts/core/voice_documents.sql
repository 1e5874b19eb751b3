{#- One row per thing a customer said (call note, transcript, review), with
    its redacted text, the themes found in it and its sentiment. -#}

with

documents as (

    select * from {{ ref('int_voice_documents') }}

),

sentence_themes as (

    select * from {{ ref('int_voice_sentence_themes') }}

),

text_sentiments as (

    select * from {{ ref('int_text_sentiments') }}

),

document_sentiment as (

    select
        document_id,
        max(sentiment) as most_positive,
        min(sentiment) as most_negative
    from (
        select distinct
            document_id,
            sentence_index,
            sentiment
        from sentence_themes
    ) as sentences
    group by 1

),

document_theme_names as (

    {#- each theme once per document first: Spark cannot plan a distinct
        listagg beside another distinct aggregate #}
    select distinct
        document_id,
        theme
    from sentence_themes
    where theme is not null

),

document_themes as (

    select
        document_id,
        count(*) as theme_count,
        {{ dbt.listagg('theme', "', '", 'order by theme') }} as themes
    from document_theme_names
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
        documents.document_text,
        coalesce(document_themes.theme_count, 0) as theme_count,
        document_themes.themes,
        coalesce(text_sentiments.sentiment_score, 0) as sentiment_score,
        case
            when
                document_sentiment.most_positive >= {{ var('sentiment_mixed_strength') }}
                and document_sentiment.most_negative <= -{{ var('sentiment_mixed_strength') }}
                and abs(coalesce(text_sentiments.sentiment_score, 0))
                < {{ var('sentiment_mixed_lean') }}
                then 'mixed'
            else coalesce(text_sentiments.sentiment_label, 'neutral')
        end as sentiment_label
    from documents
    left join document_sentiment
        on documents.document_id = document_sentiment.document_id
    left join document_themes
        on documents.document_id = document_themes.document_id
    left join text_sentiments
        on documents.text_hash = text_sentiments.text_hash

)

select * from final
