with

source as (

    select * from {{ declared_source('aircall', 'calls__tags') }} as loaded

),

renamed as (

    select
        call_id,
        id as tag_id,
        name as tag_name,
        {{ epoch_to_utc('tagged_at') }} as tagged_at

    from source

)

select * from renamed
