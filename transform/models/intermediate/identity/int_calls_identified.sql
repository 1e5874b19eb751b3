{#- Each call with the customer it was with (by the caller's number in E.164)
    and its purpose (from its tags, int_call_tags_mapped): `untagged` when it
    has no tag, `unmapped` when none of its tags names a purpose. -#}

{#- A table, not a view: read by calls, customers, int_voice_documents and three tests,
    each of which would otherwise compute it again. -#}
{{ config(
    materialized=rewritten_where_changed(),
    incremental_strategy='sync',
    on_schema_change='sync_all_columns'
) }}

with

calls as (

    select * from {{ ref('stg_aircall__calls') }}

),

phones as (

    select * from {{ ref('int_phone_numbers_normalized') }}

),

identities as (

    select * from {{ ref('int_customer_identities') }}
    where identity_type = 'phone'

),

call_tags as (

    select * from {{ ref('int_call_tags_mapped') }}

),

purpose_per_call as (

    select
        call_id,
        coalesce(min(call_purpose), 'unmapped') as call_purpose
    from call_tags
    group by 1

),

final as (

    select
        calls.call_id,
        identities.customer_key,
        coalesce(purpose_per_call.call_purpose, 'untagged') as call_purpose,
        calls.direction,
        calls.started_at,
        calls.answered_at,
        calls.ended_at,
        calls.is_answered,
        case
            when calls.is_answered
                then {{ dbt.datediff('calls.answered_at', 'calls.ended_at', 'second') }}
        end as talk_seconds,
        calls.agent_id,
        calls.missed_call_reason

    from calls
    left join phones
        on calls.customer_phone_raw = phones.phone_raw
    left join identities
        on phones.phone_e164 = identities.identity_value
    left join purpose_per_call
        on calls.call_id = purpose_per_call.call_id

)

select * from final
