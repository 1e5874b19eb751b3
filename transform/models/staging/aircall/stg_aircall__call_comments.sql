with

source as (

    select * from {{ declared_source('aircall', 'calls__comments') }} as loaded

),

renamed as (

    select
        id as comment_id,
        call_id,
        content as comment_text,
        {{ epoch_to_utc('posted_at') }} as posted_at

    from source

)

select * from renamed
