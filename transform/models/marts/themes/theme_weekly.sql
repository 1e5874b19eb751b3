{#- One row per theme and week: how often it was raised, by how many people,
    its share of all mentions that week, its sentiment, and whether it is
    emerging (see the column docs for the rule). -#}

with

mentions as (

    select * from {{ ref('voice_mentions') }}

),

taxonomy as (

    select * from {{ ref('theme_taxonomy') }}

),

weeks as (

    select * from {{ ref('int_weeks') }}

),

weekly as (

    select
        theme,
        cast({{ dbt.date_trunc('week', 'mentioned_at') }} as date) as week_start,
        count(*) as mentions,
        count(distinct customer_key) as customers,
        avg(sentiment) as average_sentiment
    from mentions
    group by 1, 2

),

filled as (

    select
        taxonomy.theme,
        taxonomy.category,
        weeks.week_start,
        coalesce(weekly.mentions, 0) as mentions,
        coalesce(weekly.customers, 0) as customers,
        weekly.average_sentiment
    from taxonomy
    cross join weeks
    left join weekly
        on
            taxonomy.theme = weekly.theme
            and weeks.week_start = weekly.week_start

),

windowed as (

    select
        *,
        cast(mentions as double)
        / nullif(sum(mentions) over (partition by week_start), 0) as share_of_voice,
        avg(mentions) over (
            partition by theme order by week_start rows between 4 preceding and 1 preceding
        ) as previous_4_week_average,
        sum(mentions) over (
            partition by theme order by week_start rows between 3 preceding and current row
        ) as last_4_week_mentions,
        cast(sum(mentions) over (
            partition by theme order by week_start rows between 16 preceding and 4 preceding
        ) as double) * 4 / 13 as baseline_4_week_mentions
    from filled

),

final as (

    select
        theme,
        category,
        week_start,
        mentions,
        customers,
        share_of_voice,
        average_sentiment,
        previous_4_week_average,
        case
            when previous_4_week_average > 0
                then mentions / previous_4_week_average - 1
        end as change_vs_previous_4_weeks,
        last_4_week_mentions,
        baseline_4_week_mentions,
        coalesce(
            last_4_week_mentions >= {{ var('emerging_min_mentions') }}
            and last_4_week_mentions
            >= {{ var('emerging_growth') }} * baseline_4_week_mentions,
            false
        ) as is_emerging
    from windowed

)

select * from final
