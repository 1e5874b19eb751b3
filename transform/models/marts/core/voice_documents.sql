{#- One row per thing a customer said (call note, transcript, review), with
    its redacted text, the themes found in it and its sentiment. -#}

with

documents as (

    select * from {{ ref('int_voice_documents') }}

),

sentence_themes as (

    select * from {{ ref('int_voice_sentence_themes') }}

),

document_sentiment as (

    select
        document_id,
        avg(sentiment) as sentiment_score
    from (
        select distinct
            document_id,
            sentence_index,
            sentiment
        from sentence_themes
    ) as sentences
    group by 1

),

document_themes as (

    select
        sentence_themes.document_id,
        count(distinct sentence_themes.theme) as theme_count,
        {{ dbt.listagg(
            'distinct sentence_themes.theme', "', '", 'order by sentence_themes.theme'
        ) }} as themes,
        max(case when sentence_themes.category = 'praise' then 1 else 0 end) = 1 as has_praise,
        max(
            case
                when sentence_themes.category in ('pain_point', 'site_experience') then 1 else 0
            end
        ) = 1 as has_complaint
    from sentence_themes
    where sentence_themes.theme is not null
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
        coalesce(document_sentiment.sentiment_score, 0) as sentiment_score,
        case
            when document_themes.has_praise and document_themes.has_complaint then 'mixed'
            when document_sentiment.sentiment_score > {{ var('sentiment_neutral_band') }}
                then 'positive'
            when document_sentiment.sentiment_score < -{{ var('sentiment_neutral_band') }}
                then 'negative'
            else 'neutral'
        end as sentiment_label
    from documents
    left join document_sentiment
        on documents.document_id = document_sentiment.document_id
    left join document_themes
        on documents.document_id = document_themes.document_id

)

select * from final
