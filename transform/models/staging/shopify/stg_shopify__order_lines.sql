with

source as (

    select * from {{ declared_source('shopify', 'orders__line_items') }} as loaded

),

renamed as (

    select
        id as order_line_id,
        order_id,
        product_id,
        variant_id,
        title as product_title,
        variant_title,
        sku,
        quantity,
        cast(price as decimal(18, 2)) as unit_price,
        cast(price as decimal(18, 2)) * quantity as line_amount

    from source

)

select * from renamed
