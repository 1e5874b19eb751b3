{#- One customer key per person, whichever system they reached us through.

    A Shopify customer is keyed by their Shopify id. A phone number (E.164) or an
    email seen anywhere belongs to the Shopify customer who holds it (the
    earliest created, when several do); one nobody holds gets its own key, so a
    caller or reviewer who never ordered is still one person across calls. -#}

{#- A table, not a view: read by int_calls_identified, int_voice_documents,
    customers and five tests, each of which would otherwise compute it again. -#}
{{ config(
    materialized=rewritten_where_changed(),
    incremental_strategy='sync',
    on_schema_change='sync_all_columns'
) }}

with

customers as (

    select * from {{ ref('stg_shopify__customers') }}

),

phones as (

    select * from {{ ref('int_phone_numbers_normalized') }}

),

calls as (

    select * from {{ ref('stg_aircall__calls') }}

),

reviews as (

    select * from {{ ref('stg_judgeme__reviews') }}

),

shopify_customers as (

    select
        customers.customer_id,
        customers.email,
        phones.phone_e164,
        customers.created_at,
        {{ hash_key(
            "'shopify:' || cast(customers.customer_id as " ~ dbt.type_string() ~ ")"
        ) }} as customer_key
    from customers
    left join phones
        on customers.phone_raw = phones.phone_raw

),

held_contacts as (

    {#- the phones and emails Shopify customers hold, in one list -#}
    select
        'phone' as identity_type,
        phone_e164 as identity_value,
        customer_id,
        customer_key,
        created_at
    from shopify_customers
    where phone_e164 is not null
    union all
    select
        'email' as identity_type,
        email as identity_value,
        customer_id,
        customer_key,
        created_at
    from shopify_customers
    where email is not null

),

holders as (

    select
        identity_type,
        identity_value,
        customer_id,
        customer_key
    from (
        select
            *,
            row_number() over (
                partition by identity_type, identity_value
                order by created_at, customer_id
            ) as holder_rank
        from held_contacts
    ) as ranked
    where holder_rank = 1

),

seen_contacts as (

    select
        'phone' as identity_type,
        phones.phone_e164 as identity_value
    from calls
    inner join phones
        on calls.customer_phone_raw = phones.phone_raw
    where phones.phone_e164 is not null
    union
    select
        'email' as identity_type,
        reviewer_email as identity_value
    from reviews
    where reviewer_email is not null
    union
    select
        identity_type,
        identity_value
    from held_contacts

),

by_shopify_id as (

    select
        'shopify_customer' as identity_type,
        cast(customer_id as {{ dbt.type_string() }}) as identity_value,
        customer_key,
        customer_id as shopify_customer_id
    from shopify_customers

),

by_contact as (

    select
        seen_contacts.identity_type,
        seen_contacts.identity_value,
        coalesce(
            holders.customer_key,
            {{ hash_key("seen_contacts.identity_type || ':' || seen_contacts.identity_value") }}
        ) as customer_key,
        holders.customer_id as shopify_customer_id
    from seen_contacts
    left join holders
        on
            seen_contacts.identity_type = holders.identity_type
            and seen_contacts.identity_value = holders.identity_value

),

final as (

    select * from by_shopify_id
    union all
    select * from by_contact

)

select * from final
