"""dlt sources that load Shopify, Aircall and Judge.me into the warehouse's raw schemas."""

from earshot.settings import configure_process

configure_process()
