{#- One customer key per person, whichever system they reached us through.

    A Shopify customer is keyed by their Shopify id. A phone number (E.164) or an
    email seen anywhere belongs to the Shopify customer who holds it (the
    earliest created, when several do); one nobody holds gets its own key, so a
    caller or reviewer who never ordered is still one person across calls. -#}

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
        {{ hash_key("'shopify:' || cast(customers.customer_id as varchar)") }} as customer_key
    from customers
    left join phones
        on customers.phone_raw = phones.phone_raw

),

ranked_phone_holders as (

    select
        phone_e164,
        customer_id,
        customer_key,
        row_number() over (
            partition by phone_e164 order by created_at, customer_id
        ) as holder_rank
    from shopify_customers
    where phone_e164 is not null

),

ranked_email_holders as (

    select
        email,
        customer_id,
        customer_key,
        row_number() over (partition by email order by created_at, customer_id) as holder_rank
    from shopify_customers
    where email is not null

),

seen_phones as (

    select distinct phones.phone_e164
    from calls
    inner join phones
        on calls.customer_phone_raw = phones.phone_raw
    where phones.phone_e164 is not null
    union
    select phone_e164
    from shopify_customers
    where phone_e164 is not null

),

seen_emails as (

    select reviewer_email as email
    from reviews
    where reviewer_email is not null
    union
    select email
    from shopify_customers
    where email is not null

),

by_shopify_id as (

    select
        'shopify_customer' as identity_type,
        cast(customer_id as varchar) as identity_value,
        customer_key,
        customer_id as shopify_customer_id
    from shopify_customers

),

by_phone as (

    select
        'phone' as identity_type,
        seen_phones.phone_e164 as identity_value,
        coalesce(
            ranked_phone_holders.customer_key,
            {{ hash_key("'phone:' || seen_phones.phone_e164") }}
        ) as customer_key,
        ranked_phone_holders.customer_id as shopify_customer_id
    from seen_phones
    left join ranked_phone_holders
        on
            seen_phones.phone_e164 = ranked_phone_holders.phone_e164
            and ranked_phone_holders.holder_rank = 1

),

by_email as (

    select
        'email' as identity_type,
        seen_emails.email as identity_value,
        coalesce(
            ranked_email_holders.customer_key,
            {{ hash_key("'email:' || seen_emails.email") }}
        ) as customer_key,
        ranked_email_holders.customer_id as shopify_customer_id
    from seen_emails
    left join ranked_email_holders
        on
            seen_emails.email = ranked_email_holders.email
            and ranked_email_holders.holder_rank = 1

),

final as (

    select * from by_shopify_id
    union all
    select * from by_phone
    union all
    select * from by_email

)

select * from final
