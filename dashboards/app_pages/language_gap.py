"""The words customers use for a product against the words its description uses."""

import streamlit as st

from dashboards import charts, data, filters, tables
from dashboards.freshness import marts_ready

SHOWN = 25
CHARTED = 12

st.title("Language gap")
st.write(
    "Terms customers use about a product that its description rarely or never uses: "
    "candidates for the product copy, the search synonyms and the ads."
)

if marts_ready():
    products = data.language_gap_products()
    if not products:
        st.warning(
            "No language gap yet: it needs reviews or calls that name a product with a description."
        )
    else:
        product = filters.choice("Product", products, "product", format_func=str)
        gap = data.language_gap(product)
        st.subheader(f"{product}: customers' words against the description's")
        top = gap.head(SHOWN)
        charts.bars(
            top.head(CHARTED),
            "term",
            "language_gap",
            "Customers' term",
            "Customer share less description share",
            value_format=".0%",
            plain_words=False,
        )
        tables.show(
            top.drop(columns=["product_title"]),
            f"Language gap for {product}",
            column_config={
                "Customer share": st.column_config.ProgressColumn(
                    "Customer share", format="percent", min_value=0.0, max_value=1.0
                ),
                "Description share": st.column_config.NumberColumn(format="percent"),
                "Language gap": st.column_config.NumberColumn(format="%.2f"),
            },
        )
        st.caption(
            "Customer share: the share of this product's customer texts using the term. "
            "Description share: the term's uses over the description's words. "
            "The gap is the first less the second; the largest come first."
        )
