with

call_comments as (

    select * from {{ ref('stg_aircall__call_comments') }}

),

calls as (

    select * from {{ ref('stg_aircall__calls') }}

),

reviews as (

    select * from {{ ref('stg_judgeme__reviews') }}

),

call_notes as (

    select
        'aircall_comment' as source,
        cast(call_comments.comment_id as varchar) as source_record_id,
        cast(null as bigint) as customer_id,
        calls.customer_phone_raw,
        cast(null as varchar) as reviewer_email,
        cast(null as bigint) as product_id,
        call_comments.comment_text as document_text,
        call_comments.posted_at as said_at

    from call_comments
    inner join calls
        on call_comments.call_id = calls.call_id

),

review_texts as (

    select
        'judgeme_review' as source,
        cast(review_id as varchar) as source_record_id,
        customer_id,
        cast(null as varchar) as customer_phone_raw,
        reviewer_email,
        product_id,
        review_title || '. ' || review_body as document_text,
        reviewed_at as said_at

    from reviews

),

unioned as (

    select * from call_notes
    union all
    select * from review_texts

),

final as (

    select
        source || ':' || source_record_id as document_id,
        *

    from unioned

)

select * from final
