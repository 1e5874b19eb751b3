{#- Everything customers said, one row per document: agent notes on calls, the
    customer's side of call transcripts, and reviews. Text is redacted here
    (emails, card-like numbers, phone numbers), so nothing downstream sees it.
    Each document is tied to the person who said it and, where known, the
    product it is about: a review's product, else the first product whose
    title the text names. -#}

with

call_comments as (

    select * from {{ ref('stg_aircall__call_comments') }}

),

utterances as (

    select * from {{ ref('stg_aircall__transcript_utterances') }}

),

calls as (

    select * from {{ ref('int_calls_identified') }}

),

reviews as (

    select * from {{ ref('stg_judgeme__reviews') }}

),

identities as (

    select * from {{ ref('int_customer_identities') }}

),

products as (

    select * from {{ ref('stg_shopify__products') }}

),

call_notes as (

    select
        'aircall_comment' as source,
        cast(call_comments.comment_id as varchar) as source_record_id,
        call_comments.call_id,
        calls.customer_key,
        calls.call_purpose,
        cast(null as bigint) as product_id,
        call_comments.comment_text as raw_text,
        calls.started_at as said_at
    from call_comments
    inner join calls
        on call_comments.call_id = calls.call_id

),

transcripts as (

    {#- only what the customer said: the agent's words are not the customer's voice -#}
    select
        'aircall_transcript' as source,
        cast(utterances.call_id as varchar) as source_record_id,
        utterances.call_id,
        calls.customer_key,
        calls.call_purpose,
        cast(null as bigint) as product_id,
        {{ dbt.listagg('utterances.utterance_text', "' '", 'order by utterances.utterance_index') }}
            as raw_text,
        calls.started_at as said_at
    from utterances
    inner join calls
        on utterances.call_id = calls.call_id
    where utterances.is_customer
    group by 1, 2, 3, 4, 5, 6, 8

),

review_texts as (

    select
        'judgeme_review' as source,
        cast(reviews.review_id as varchar) as source_record_id,
        cast(null as bigint) as call_id,
        coalesce(by_shopify_id.customer_key, by_email.customer_key) as customer_key,
        cast(null as varchar) as call_purpose,
        reviews.product_id,
        {#- a title that only repeats the body's opening is not said twice -#}
        case
            when
                reviews.review_title is null
                or {{ dbt.position('reviews.review_title', 'reviews.review_body') }} = 1
                then reviews.review_body
            else reviews.review_title || '. ' || reviews.review_body
        end as raw_text,
        reviews.reviewed_at as said_at
    from reviews
    left join identities as by_shopify_id
        on
            cast(reviews.customer_id as varchar) = by_shopify_id.identity_value
            and by_shopify_id.identity_type = 'shopify_customer'
    left join identities as by_email
        on
            reviews.reviewer_email = by_email.identity_value
            and by_email.identity_type = 'email'

),

unioned as (

    select * from call_notes
    union all
    select * from transcripts
    union all
    select * from review_texts

),

redacted as (

    select
        source || ':' || source_record_id as document_id,
        source,
        source_record_id,
        call_id,
        customer_key,
        call_purpose,
        product_id,
        said_at,
        {{ redact('raw_text') }} as document_text
    from unioned
    where raw_text is not null

),

named_products as (

    select
        redacted.document_id,
        min(products.product_id) as product_id
    from redacted
    inner join products
        on lower(redacted.document_text) like '%' || lower(products.product_title) || '%'
    where redacted.product_id is null
    group by 1

),

final as (

    select
        redacted.document_id,
        redacted.source,
        redacted.source_record_id,
        redacted.call_id,
        redacted.customer_key,
        redacted.call_purpose,
        coalesce(redacted.product_id, named_products.product_id) as product_id,
        redacted.said_at,
        redacted.document_text,
        {{ hash_key('redacted.document_text') }} as text_hash
    from redacted
    left join named_products
        on redacted.document_id = named_products.document_id

)

select * from final
