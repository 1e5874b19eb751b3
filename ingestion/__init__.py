"""dlt sources that load Shopify, Aircall and Judge.me into the warehouse's raw schemas."""
