with

source as (

    select * from {{ declared_source('shopify', 'orders__refunds__refund_line_items') }} as loaded

),

renamed as (

    select
        id as refund_line_id,
        refund_id,
        order_id,
        line_item_id as order_line_id,
        quantity as refunded_quantity,
        cast(subtotal as decimal(18, 2)) as refunded_amount,
        cast(total_tax as decimal(18, 2)) as refunded_tax

    from source

)

select * from renamed
