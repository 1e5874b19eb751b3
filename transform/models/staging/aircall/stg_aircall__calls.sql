with

source as (

    select * from {{ declared_source('aircall', 'calls') }} as loaded

),

renamed as (

    select
        id as call_id,
        direction,
        status as call_status,
        missed_call_reason,
        {{ epoch_to_utc('started_at') }} as started_at,
        {{ epoch_to_utc('answered_at') }} as answered_at,
        {{ epoch_to_utc('ended_at') }} as ended_at,
        duration as duration_seconds,
        raw_digits as customer_phone_raw,
        user__id as agent_id,
        user__name as agent_name,
        coalesce(archived, false) as is_archived,
        answered_at is not null as is_answered,
        _dlt_load_id as load_id

    from source

)

select * from renamed
