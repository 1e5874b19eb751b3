{#- Free text with personal data replaced by placeholders: email addresses,
    card-like digit runs (13 to 19 digits, spaced or dashed) and phone numbers.
    Cards go first so a card number is not mistaken for a phone number. -#}
{% macro redact(text) -%}
    {%- set email = "'[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}'" -%}
    {%- set card = "'\\b(?:\\d[ -]?){12,18}\\d\\b'" -%}
    {%- set phone = "'(?:\\+|\\b)\\d(?:[\\s().-]*\\d){6,14}\\b'" -%}
    {{ regex_replace_all(
        regex_replace_all(
            regex_replace_all(text, email, "'[email]'"),
            card, "'[card]'"),
        phone, "'[phone]'") }}
{%- endmacro %}
