{#- What customers ask for, month by month: a product (or "any product" when
    none is named), the kind of ask (a request for a variant or feature, or a
    stock-out complaint) and, where the sentence names one, the variant asked
    for ("in navy", "waterproof option", "petite cut", read after typo repair). Twenty distinct customers
    (var('demand_request_customers')) asking for the same thing in a month is
    a demand signal. -#}

with

sentence_themes as (

    select * from {{ ref('int_voice_sentence_themes') }}

),

sentences as (

    select * from {{ ref('int_voice_sentences') }}

),

sentence_scores as (

    select * from {{ ref('int_sentence_scores') }}

),

documents as (

    select * from {{ ref('voice_documents') }}

),

products as (

    select * from {{ ref('stg_shopify__products') }}

),

asks as (

    select
        documents.document_id,
        documents.customer_key,
        documents.product_id,
        documents.said_at,
        sentence_themes.theme as request_kind,
        {{ regex_extract(
            'sentence_scores.repaired_text',
            "'\\b((?:[a-z]+ )?(?:option|version|cut|colou?rs?)|in (?:navy|black|white|green|red|blue|grey|gray|pink|brown|beige|cream|olive|yellow|orange|purple))\\b'"
        ) }} as requested_variant
    from sentence_themes
    inner join sentences
        on
            sentence_themes.document_id = sentences.document_id
            and sentence_themes.sentence_index = sentences.sentence_index
    inner join sentence_scores
        on sentences.sentence_hash = sentence_scores.sentence_hash
    inner join documents
        on sentence_themes.document_id = documents.document_id
    where sentence_themes.category = 'demand'

),

final as (

    select
        asks.product_id,
        coalesce(products.product_title, 'any product') as requested_product,
        asks.request_kind,
        coalesce(asks.requested_variant, '') as requested_variant,
        cast({{ dbt.date_trunc('month', 'asks.said_at') }} as date) as period_start,
        count(distinct asks.customer_key) as customers,
        count(distinct asks.document_id) as mentions,
        min(asks.said_at) as first_mentioned_at,
        max(asks.said_at) as last_mentioned_at,
        count(distinct asks.customer_key) >= {{ var('demand_request_customers') }}
            as is_demand_signal
    from asks
    left join products
        on asks.product_id = products.product_id
    group by 1, 2, 3, 4, 5

)

select * from final
