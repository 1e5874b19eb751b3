{#- What customers said, one row per document, redacted: agent notes on calls,
    the customer's side of call transcripts, and reviews. Text is redacted here
    (emails, card-like numbers, phone numbers), so nothing downstream sees it.
    A document names a product when it is a review of one, else when its text
    names a product's title (the first such product).

    Incremental: a run reads the calls, transcripts and reviews loaded since
    the last run (see macros/incremental.sql) and replaces those documents
    (delete+insert on document_id), so an edited review or a note added to a
    call later is read again. Who said it is resolved downstream, in
    int_voice_documents, because identities can merge after a text arrives. -#}

{{ config(
    materialized=incremental_where_supported(),
    incremental_strategy='delete+insert',
    unique_key='document_id'
) }}

with

calls as (

    select * from {{ ref('stg_aircall__calls') }}

),

call_comments as (

    select * from {{ ref('stg_aircall__call_comments') }}

),

utterances as (

    select * from {{ ref('stg_aircall__transcript_utterances') }}

),

reviews as (

    select * from {{ ref('stg_judgeme__reviews') }}

),

products as (

    select * from {{ ref('stg_shopify__products') }}

),

call_notes as (

    {#- a note arrives with its call: the call's load stamp is the note's -#}
    select
        'aircall_comment' as source,
        cast(call_comments.comment_id as {{ dbt.type_string() }}) as source_record_id,
        call_comments.call_id,
        cast(null as bigint) as review_product_id,
        cast(null as bigint) as reviewer_customer_id,
        cast(null as {{ dbt.type_string() }}) as reviewer_email,
        call_comments.comment_text as raw_text,
        calls.started_at as said_at,
        calls.load_id
    from call_comments
    inner join calls
        on call_comments.call_id = calls.call_id
    {% if is_incremental() %}
        where {{ loaded_since_last_run('calls.load_id', window_column='calls.started_at') }}
    {% endif %}

),

transcripts as (

    {#- only what the customer said: the agent's words are not the customer's voice -#}
    select
        'aircall_transcript' as source,
        cast(utterances.call_id as {{ dbt.type_string() }}) as source_record_id,
        utterances.call_id,
        cast(null as bigint) as review_product_id,
        cast(null as bigint) as reviewer_customer_id,
        cast(null as {{ dbt.type_string() }}) as reviewer_email,
        {{ dbt.listagg('utterances.utterance_text', "' '", 'order by utterances.utterance_index') }}
            as raw_text,
        calls.started_at as said_at,
        max(utterances.load_id) as load_id
    from utterances
    inner join calls
        on utterances.call_id = calls.call_id
    where utterances.is_customer
    {% if is_incremental() %}
        and {{ loaded_since_last_run('utterances.load_id', window_column='calls.started_at') }}
    {% endif %}
    group by 1, 2, 3, 4, 5, 6, 8

),

review_texts as (

    select
        'judgeme_review' as source,
        cast(review_id as {{ dbt.type_string() }}) as source_record_id,
        cast(null as bigint) as call_id,
        product_id as review_product_id,
        customer_id as reviewer_customer_id,
        reviewer_email,
        {#- a title that only repeats the body's opening is not said twice -#}
        case
            when
                review_title is null
                or {{ dbt.position('review_title', 'review_body') }} = 1
                then review_body
            else review_title || '. ' || review_body
        end as raw_text,
        reviewed_at as said_at,
        load_id
    from reviews
    {% if is_incremental() %}
        where {{ loaded_since_last_run('load_id', window_column='reviewed_at') }}
    {% endif %}

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
        review_product_id,
        reviewer_customer_id,
        reviewer_email,
        said_at,
        {{ redact('raw_text') }} as document_text,
        load_id
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
    where redacted.review_product_id is null
    group by 1

),

final as (

    select
        redacted.document_id,
        redacted.source,
        redacted.source_record_id,
        redacted.call_id,
        coalesce(redacted.review_product_id, named_products.product_id) as product_id,
        redacted.reviewer_customer_id,
        redacted.reviewer_email,
        redacted.said_at,
        redacted.document_text,
        {{ hash_key('redacted.document_text') }} as text_hash,
        redacted.load_id
    from redacted
    left join named_products
        on redacted.document_id = named_products.document_id

)

select * from final
