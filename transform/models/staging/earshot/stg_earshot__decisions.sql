with

source as (

    select * from {{ declared_source('earshot', 'decisions') }} as loaded

),

renamed as (

    select
        decision_id,
        decided_on,
        kind as decision_kind,
        theme,
        nullif(trim(product_title), '') as product_title,
        note as decision_note,
        {{ to_utc('recorded_at') }} as recorded_at,
        _dlt_load_id as load_id

    from source

)

select * from renamed
