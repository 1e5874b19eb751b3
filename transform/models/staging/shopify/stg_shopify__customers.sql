with

source as (

    select * from {{ declared_source('shopify', 'customers') }} as loaded

),

renamed as (

    select
        id as customer_id,
        lower(trim(email)) as email,
        nullif(trim(phone), '') as phone_raw,
        first_name,
        last_name,
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('updated_at') }} as updated_at,
        _dlt_load_id as load_id

    from source

)

select * from renamed
