{#- One row per document and theme it raises: who raised it, about which
    product, when, and with what sentiment (of the sentences that raise it),
    beside the sentiment of the whole document. -#}

with

mentions as (

    select * from {{ ref('int_voice_mentions') }}

),

documents as (

    select * from {{ ref('voice_documents') }}

),

final as (

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
    from mentions
    inner join documents
        on mentions.document_id = documents.document_id

)

select * from final
