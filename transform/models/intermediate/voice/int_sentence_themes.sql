{#- The themes each distinct sentence carries, as Earshot's voice classifier
    read them (int_sentence_readings), with each theme's category from
    seeds/theme_taxonomy.csv.

    A sentence that carries no theme keeps one row with a null theme: it was
    read. Denied themes ("it's not the price") are not here; the readings keep
    them in denied_themes. -#}

{{ config(materialized='table') }}

with

readings as (

    select * from {{ ref('int_sentence_readings') }}

),

taxonomy as (

    select * from {{ ref('theme_taxonomy') }}

),

taxonomy_version as (

    select max(version) as taxonomy_version from taxonomy

),

final as (

    select
        readings.sentence_hash,
        readings.theme,
        taxonomy.category,
        case when readings.theme is not null then 'classifier' end as match_method,
        readings.probability,
        readings.model_fingerprint,
        taxonomy_version.taxonomy_version
    from readings
    left join taxonomy
        on readings.theme = taxonomy.theme
    cross join taxonomy_version

)

select * from final
