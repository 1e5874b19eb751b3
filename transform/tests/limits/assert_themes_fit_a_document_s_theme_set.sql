{#- voice_documents holds a document's themes as the bits of one bigint, so
    the sentences may carry at most 63 distinct themes. A taxonomy that grows
    past that fails here, by name, rather than in a mart that reads wrong.
    Returns one row when there are too many. -#}

select count(distinct theme) as distinct_themes
from {{ ref('int_voice_sentence_themes') }}
having count(distinct theme) > 63
