with

source as (

    select * from {{ source('aircall', 'calls__comments') }}

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
