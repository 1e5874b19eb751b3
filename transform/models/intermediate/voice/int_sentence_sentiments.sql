{#- Sentiment of each distinct sentence, -1 to 1: the voice classifier's
    sentiment head (P(positive) - P(negative)), which reads the sentence's
    embedding, its words and the lexicon score together, so "delivery took two
    weeks" reads as the complaint customers mean. -#}

{{ config(materialized='table') }}

with

readings as (

    select * from {{ ref('int_sentence_readings') }}

),

scores as (

    select * from {{ ref('int_sentence_scores') }}

),

final as (

    select distinct
        readings.sentence_hash,
        scores.lexicon_sentiment,
        readings.sentiment
    from readings
    inner join scores
        on readings.sentence_hash = scores.sentence_hash

)

select * from final
