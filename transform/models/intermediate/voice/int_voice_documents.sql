{#- Everything customers said, one row per document (int_voice_texts), tied to
    the person who said it and, for calls, the call's purpose. A caller is
    known by the call's number, a reviewer by their Shopify customer id, else
    their email. Rebuilt each run: a caller unknown yesterday may be matched to
    a customer today. The text itself stays in int_voice_texts, which
    voice_documents reads it from: rebuilding this table daily writes keys, not
    every word the shop ever heard. voice_documents and int_voice_mentions
    compare their rows with this table's, and voice_mentions its rows with
    theirs, and write again only the documents that changed
    (macros/voice_documents.sql). -#}

{{ config(
    materialized=rewritten_where_changed(),
    incremental_strategy='sync',
    on_schema_change='sync_all_columns'
) }}

with

texts as (

    select * from {{ ref('int_voice_texts') }}

),

calls as (

    select * from {{ ref('int_calls_identified') }}

),

identities as (

    select * from {{ ref('int_customer_identities') }}

),

final as (

    select
        texts.document_id,
        texts.source,
        texts.source_record_id,
        texts.call_id,
        coalesce(
            calls.customer_key, by_shopify_id.customer_key, by_email.customer_key
        ) as customer_key,
        calls.call_purpose,
        texts.product_id,
        texts.said_at,
        texts.text_hash
    from texts
    left join calls
        on texts.call_id = calls.call_id
    left join identities as by_shopify_id
        on
            cast(texts.reviewer_customer_id as {{ dbt.type_string() }})
            = by_shopify_id.identity_value
            and by_shopify_id.identity_type = 'shopify_customer'
    left join identities as by_email
        on
            texts.reviewer_email = by_email.identity_value
            and by_email.identity_type = 'email'

)

select * from final
