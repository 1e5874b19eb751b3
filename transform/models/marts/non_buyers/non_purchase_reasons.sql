{#- Why non-buyers did not buy: among conversations with cart abandoners and
    lapsed customers (answered calls of var('non_buyer_call_purposes')), how
    many raised each reason (a theme), month by month. A conversation raising
    no theme counts under `no_reason_given`; one raising two counts under
    both, so a month's shares can add up to more than 1. `unplaced_calls`
    counts the month's answered calls whose tags name no purpose (`untagged`
    or `unmapped`): conversations this mart could not place. -#}

with

calls as (

    select * from {{ ref('calls') }}

),

documents as (

    select * from {{ ref('voice_documents') }}

),

mentions as (

    select * from {{ ref('voice_mentions') }}

),

conversations as (

    select
        call_id,
        call_purpose,
        cast({{ dbt.date_trunc('month', 'started_at') }} as date) as month_start
    from calls
    where
        is_answered
        and call_purpose in ({{ "'" ~ var('non_buyer_call_purposes') | join("', '") ~ "'" }})

),

call_reasons as (

    {#- a call's reasons: the themes raised in its notes or its transcript -#}
    select distinct
        documents.call_id,
        mentions.theme as reason
    from documents
    inner join mentions
        on documents.document_id = mentions.document_id
    where documents.call_id is not null

),

reasons as (

    select
        conversations.call_id,
        conversations.call_purpose,
        conversations.month_start,
        coalesce(call_reasons.reason, 'no_reason_given') as reason
    from conversations
    left join call_reasons
        on conversations.call_id = call_reasons.call_id

),

unplaced as (

    select
        cast({{ dbt.date_trunc('month', 'started_at') }} as date) as month_start,
        count(*) as unplaced_calls
    from calls
    where
        is_answered
        and call_purpose in ('untagged', 'unmapped')
    group by 1

),

monthly_conversations as (

    select
        month_start,
        count(*) as non_buyer_conversations
    from conversations
    group by 1

),

final as (

    select
        reasons.reason,
        reasons.month_start,
        count(distinct reasons.call_id) as conversations_citing,
        count(distinct case
            when reasons.call_purpose = 'cart_abandoner_outreach' then reasons.call_id
        end) as cart_abandoner_conversations_citing,
        monthly_conversations.non_buyer_conversations,
        cast(count(distinct reasons.call_id) as double)
        / monthly_conversations.non_buyer_conversations as share_citing,
        coalesce(unplaced.unplaced_calls, 0) as unplaced_calls
    from reasons
    inner join monthly_conversations
        on reasons.month_start = monthly_conversations.month_start
    left join unplaced
        on reasons.month_start = unplaced.month_start
    group by 1, 2, 5, 7

)

select * from final
