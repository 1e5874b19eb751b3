{#- Fails for every value of the key column that is null or appears more than once:
    unique and not_null in one scan of the model and one test, for a model's key.
    A dbt build runs each test as a node of its own, at a fixed cost of about 10 ms
    a node beside its query (docs/benchmarks.md), and one query reads the column once. -#}
{% test primary_key(model, column_name) %}
    select
        {{ column_name }},
        count(*) as occurrences
    from {{ model }}
    group by {{ column_name }}
    having count(*) > 1 or {{ column_name }} is null
{% endtest %}
