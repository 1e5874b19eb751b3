{#- The themes each distinct sentence carries, by two methods.

    Rules first: a sentence matching a theme's patterns in
    seeds/theme_taxonomy.csv carries it. Where no rule matches, the sentence
    takes the theme of the example phrase (seeds/theme_examples.csv) it is most
    like, when that likeness reaches the theme's min_similarity; an example of
    `none` (small talk, agent boilerplate) winning means no theme.

    Negation: a sentence that denies ("it's not the price", "no complaints
    about the delivery", var('theme_negation_pattern')) carries none of the
    themes marked negatable, by either method.

    A sentence that carries no theme keeps one row with a null theme: it was
    read. Incremental on sentence_hash: a run reads only sentences not read
    under the current rules. The rules' fingerprint covers the taxonomy and
    example seeds and the negation pattern, so editing any of them re-reads
    every sentence on the next run, no --full-refresh needed. -#}

{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='sentence_hash'
) }}

{%- set denial = "'" ~ var('theme_negation_pattern') | replace("'", "''") ~ "'" %}
{%- set taxonomy_fields = [
    'theme', 'category', 'polarity', 'negatable', 'min_similarity', 'patterns', 'version'
] %}
{%- set taxonomy_row_text = "coalesce(cast(" ~ taxonomy_fields | join(
    " as varchar), '') || '|' || coalesce(cast("
) ~ " as varchar), '')" %}

with

taxonomy as (

    select * from {{ ref('theme_taxonomy') }}

),

theme_examples as (

    select * from {{ ref('theme_examples') }}

),

rules as (

    select {{ hash_key('taxonomy_text || examples_text || ' ~ denial) }} as rules_fingerprint
    from (
        select
            (
                select {{ dbt.listagg(taxonomy_row_text, "';'", 'order by theme') }}
                from taxonomy
            ) as taxonomy_text,
            (
                select {{
                    dbt.listagg("theme || '|' || example", "';'", 'order by theme, example')
                }}
                from theme_examples
            ) as examples_text
    ) as rule_texts

),

sentences as (

    select * from {{ ref('int_sentence_scores') }}
    {% if is_incremental() %}
        where sentence_hash not in (
            select sentence_hash from {{ this }}
            where rules_fingerprint = (select rules_fingerprint from rules)
        )
    {% endif %}

),

current_examples as (

    select
        {{ hash_key("theme || ':' || lower(example)") }} as example_hash
    from theme_examples

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

themed as (

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

),

unthemed as (

    select
        sentence_hash,
        cast(null as varchar) as theme,
        cast(null as varchar) as category,
        cast(null as double) as polarity,
        cast(null as varchar) as match_method,
        cast(null as double) as similarity,
        (select max(taxonomy.version) from taxonomy) as taxonomy_version
    from sentences
    where not exists (
        select 1 from themed
        where themed.sentence_hash = sentences.sentence_hash
    )

),

final as (

    select
        all_rows.*,
        rules.rules_fingerprint
    from (
        select * from themed
        union all
        select * from unthemed
    ) as all_rows
    cross join rules

)

select * from final
