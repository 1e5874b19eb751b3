with

source as (

    select * from {{ declared_source('shopify', 'products') }} as loaded

),

renamed as (

    select
        id as product_id,
        title as product_title,
        handle as product_handle,
        product_type,
        vendor,
        body_html as description_html,
        trim({{ regex_replace_all('body_html', "'<[^>]*>'", "' '") }}) as description_text,
        status as product_status,
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('updated_at') }} as updated_at

    from source

)

select * from renamed
