with

source as (

    select * from {{ declared_source('shopify', 'orders') }} as loaded

),

renamed as (

    select
        id as order_id,
        customer__id as customer_id,
        name as order_name,
        lower(email) as email,
        {{ to_utc('created_at') }} as ordered_at,
        {{ to_utc('updated_at') }} as updated_at,
        {{ to_utc('cancelled_at') }} as cancelled_at,
        currency as currency_code,
        financial_status,
        cancel_reason,
        cast(subtotal_price as decimal(18, 2)) as subtotal_price,
        cast(total_line_items_price as decimal(18, 2)) as total_line_items_price,
        cast(total_discounts as decimal(18, 2)) as total_discounts,
        cast(total_tax as decimal(18, 2)) as total_tax,
        cast(total_price as decimal(18, 2)) as total_price,
        coalesce(test, false) as is_test,
        cancelled_at is not null as is_cancelled,
        _dlt_load_id as load_id

    from source

)

select * from renamed
