"""Every phone number seen in Shopify customers and Aircall calls, in E.164.

Aircall sends ``raw_digits`` formatted for people (``+44 7700 900123``,
``+1 201-555-0123``); Shopify keeps what the customer typed. Both become
E.164 (``+447700900123``) with the ``phonenumbers`` package, so that a caller
is recognised as the customer who ordered. A number without a country code is
read in ``var('phone_default_region')``; one that cannot be read stays null.

Incremental on the raw number: a run reads only numbers not seen before. Run
with --full-refresh after changing ``phone_default_region``.
"""

from earshot import enrichment


def model(dbt, session):
    dbt.config(materialized="incremental", unique_key="phone_raw")
    region = dbt.config.get("phone_default_region") or "US"
    customer_phones = dbt.ref("stg_shopify__customers").project("phone_raw")
    caller_phones = dbt.ref("stg_aircall__calls").project("customer_phone_raw as phone_raw")
    phones = customer_phones.union(caller_phones).filter("phone_raw is not null")
    if dbt.is_incremental:
        phones = phones.filter(f"phone_raw not in (select phone_raw from {dbt.this})")
    numbers = [row[0] for row in phones.distinct().order("phone_raw").fetchall()]
    return enrichment.phone_numbers(numbers, region)
