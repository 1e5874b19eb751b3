{#- Seeds on Spark. dbt-spark's session method puts each seed value between
    single quotes as it is, so "I can't afford it" in theme_examples.csv breaks
    the insert. Here every value is written as a literal that reads back as
    written, whatever quotes it holds (string literals are read unescaped: see
    the spark target in profiles.yml). -#}

{% macro earshot_spark_literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is sameas true or value is sameas false -%}
        {{ value | string | lower }}
    {%- elif value is number -%}
        {{ value }}
    {%- elif value is string -%}
        {%- if "'" not in value -%}
            '{{ value }}'
        {%- elif '"' not in value -%}
            "{{ value }}"
        {%- else -%}
            concat({%- for piece in value.split("'") -%}
                '{{ piece }}'{{ ", \"'\", " if not loop.last }}
            {%- endfor -%})
        {%- endif -%}
    {%- else -%}
        '{{ value }}'
    {%- endif -%}
{%- endmacro %}

{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for col_name in agate_table.column_names -%}
                    {%- set type = column_override.get(
                        col_name, adapter.convert_type(agate_table, loop.index0)) -%}
                    cast({{ earshot_spark_literal(row[loop.index0]) }} as {{ type }})
                    {{- "," if not loop.last }}
                {%- endfor -%})
                {{- "," if not loop.last }}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- do statements.append(sql) -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}
