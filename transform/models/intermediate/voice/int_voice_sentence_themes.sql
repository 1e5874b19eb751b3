{#- Each sentence of each document with its sentiment and, once per theme it
    carries, that theme (no theme: one row with a null theme). The marts roll
    this up by document and by document x theme. -#}

{#- A view: only voice_documents and int_voice_mentions read it, each for the
    documents it writes, so a daily build reads a few of its rows. As a table
    it was written whole every day, 1.7 s of the L shop's 46 s daily build. -#}
{{ config(materialized='view') }}

with

sentences as (

    select * from {{ ref('int_voice_sentences') }}

),

sentence_sentiment as (

    select * from {{ ref('int_sentence_sentiments') }}

),

sentence_themes as (

    select * from {{ ref('int_sentence_themes') }}

),

final as (

    select
        sentences.document_id,
        sentences.sentence_index,
        sentence_sentiment.sentiment,
        sentence_themes.theme,
        sentence_themes.category,
        sentence_themes.match_method,
        sentence_themes.taxonomy_version
    from sentences
    inner join sentence_sentiment
        on sentences.sentence_hash = sentence_sentiment.sentence_hash
    left join sentence_themes
        on sentences.sentence_hash = sentence_themes.sentence_hash

)

select * from final
