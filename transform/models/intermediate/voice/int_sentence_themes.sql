{#- The themes each distinct sentence carries, by two methods.

    Rules first: a sentence matching a theme's patterns in
    seeds/theme_taxonomy.csv carries it. Where no rule matches, the sentence
    takes the theme of the example phrase (seeds/theme_examples.csv) it is most
    like, when that likeness reaches the theme's min_similarity; an example of
    `none` (small talk, agent boilerplate) winning means no theme.

    Negation: a sentence that denies ("it's not the price", "no complaints
    about the delivery", var('theme_negation_pattern')) carries none of the
    themes marked negatable, by either method. -#}

with

sentences as (

    select * from {{ ref('int_sentence_scores') }}

),

taxonomy as (

    select * from {{ ref('theme_taxonomy') }}

),

current_examples as (

    select
        {{ hash_key("theme || ':' || lower(example)") }} as example_hash
    from {{ ref('theme_examples') }}

),

examples as (

    select embedded.*
    from {{ ref('int_theme_example_embeddings') }} as embedded
    inner join current_examples
        on embedded.example_hash = current_examples.example_hash

),

negations as (

    select
        sentence_hash,
        {%- set denial = "'" ~ var('theme_negation_pattern') | replace("'", "''") ~ "'" %}
        {{ regex_contains('repaired_text', denial) }} as is_denial
    from sentences

),

rule_matches as (

    select
        sentences.sentence_hash,
        taxonomy.theme,
        'rule' as match_method,
        cast(null as double) as similarity
    from sentences
    inner join taxonomy
        on {{ regex_contains('sentences.repaired_text', 'taxonomy.patterns') }}
    inner join negations
        on sentences.sentence_hash = negations.sentence_hash
    where not (negations.is_denial and taxonomy.negatable)

),

unmatched as (

    select sentences.*
    from sentences
    where not exists (
        select 1 from rule_matches
        where rule_matches.sentence_hash = sentences.sentence_hash
    )

),

similarities as (

    select
        unmatched.sentence_hash,
        examples.theme,
        max({{ vector_similarity('unmatched.embedding', 'examples.embedding') }}) as similarity
    from unmatched
    cross join examples
    group by 1, 2

),

nearest as (

    select
        *,
        row_number() over (
            partition by sentence_hash order by similarity desc, theme asc
        ) as likeness_rank
    from similarities

),

embedding_matches as (

    select
        nearest.sentence_hash,
        nearest.theme,
        'embedding' as match_method,
        nearest.similarity
    from nearest
    inner join taxonomy
        on nearest.theme = taxonomy.theme
    inner join negations
        on nearest.sentence_hash = negations.sentence_hash
    where
        nearest.likeness_rank = 1
        and nearest.similarity >= taxonomy.min_similarity
        and not (negations.is_denial and taxonomy.negatable)

),

matches as (

    select * from rule_matches
    union all
    select * from embedding_matches

),

final as (

    select
        matches.sentence_hash,
        matches.theme,
        taxonomy.category,
        taxonomy.polarity,
        matches.match_method,
        matches.similarity,
        taxonomy.version as taxonomy_version
    from matches
    inner join taxonomy
        on matches.theme = taxonomy.theme

)

select * from final
