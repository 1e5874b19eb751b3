{#- One row per document and theme it raises: who raised it, about which
    product, when, and with what sentiment (of the sentences that raise it).
    The voice_mentions mart and the weekly product demand read it. -#}

{#- A table, not a view: both readers and its test would otherwise compute it again. -#}
{{ config(materialized='table') }}

with

documents as (

    select * from {{ ref('int_voice_documents') }}

),

sentence_themes as (

    select * from {{ ref('int_voice_sentence_themes') }}

),

mentions as (

    select
        document_id,
        theme,
        category,
        max(match_method) as match_method,
        avg(sentiment) as sentiment,
        max(taxonomy_version) as taxonomy_version
    from sentence_themes
    where theme is not null
    group by 1, 2, 3

),

final as (

    select
        mentions.document_id,
        documents.source,
        mentions.theme,
        mentions.category,
        documents.customer_key,
        documents.product_id,
        documents.call_purpose,
        documents.said_at as mentioned_at,
        mentions.sentiment,
        mentions.match_method,
        mentions.taxonomy_version
    from mentions
    inner join documents
        on mentions.document_id = documents.document_id

)

select * from final
