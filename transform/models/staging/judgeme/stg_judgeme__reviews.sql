with

source as (

    select * from {{ declared_source('judgeme', 'reviews') }} as loaded

),

renamed as (

    select
        id as review_id,
        product_external_id as product_id,
        reviewer__external_id as customer_id,
        lower(reviewer__email) as reviewer_email,
        rating,
        title as review_title,
        body as review_body,
        {{ to_utc('created_at') }} as reviewed_at,
        {{ to_utc('updated_at') }} as updated_at,
        _dlt_load_id as load_id

    from source

)

select * from renamed
