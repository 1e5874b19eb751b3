"""One mapping turns the marts' names into the words stakeholders read."""

import pandas as pd

from dashboards.labels import label, labelled


def test_names_read_as_words() -> None:
    assert label("checkout_friction") == "Checkout friction"
    assert label("sizing_fit") == "Sizing and fit"
    assert label("pain_point") == "Pain point"
    assert label("aov_uplift") == "AOV uplift"
    assert label("price") == "Price"
    assert label(None) == ""


def test_a_frame_gets_plain_headers_and_values() -> None:
    frame = pd.DataFrame({"theme": ["slow_pages"], "share_of_voice": [0.2]})
    out = labelled(frame, values=("theme",))
    assert list(out.columns) == ["Theme", "Share of voice"]
    assert out["Theme"].tolist() == ["Slow pages"]
    assert frame["theme"].tolist() == ["slow_pages"]  # the input is left as it was
