{#- Sentiment of each distinct sentence, -1 to 1.

    A lexicon alone reads "delivery took two weeks" as neutral; customers mean
    it as a complaint. A sentence carrying themes blends the lexicon score
    (weight var('sentiment_lexicon_weight')) with the themes' typical polarity
    from the taxonomy; a sentence with no theme keeps its lexicon score. -#}

{{ config(materialized='table') }}

with

sentences as (

    select * from {{ ref('int_sentence_scores') }}

),

sentence_themes as (

    select * from {{ ref('int_sentence_themes') }}

),

theme_polarity as (

    select
        sentence_hash,
        avg(polarity) as polarity
    from sentence_themes
    group by 1

),

final as (

    select
        sentences.sentence_hash,
        sentences.lexicon_sentiment,
        theme_polarity.polarity as theme_polarity,
        case
            when theme_polarity.polarity is null then sentences.lexicon_sentiment
            else
                {{ var('sentiment_lexicon_weight') }} * sentences.lexicon_sentiment
                + (1 - {{ var('sentiment_lexicon_weight') }}) * theme_polarity.polarity
        end as sentiment
    from sentences
    left join theme_polarity
        on sentences.sentence_hash = theme_polarity.sentence_hash

)

select * from final
