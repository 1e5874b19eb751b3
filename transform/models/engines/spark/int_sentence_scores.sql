{{ config(enabled=target.type in ('spark', 'databricks'), schema='intermediate') }}

-- On Spark, the table Earshot's enrichment step wrote with the Python model's own code.
select * from {{ source('earshot_enrichment', 'int_sentence_scores') }}
