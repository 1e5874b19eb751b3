"""Quotes on the dashboards carry no email, phone number, card number or name."""

import pytest

from dashboards.redact import redact, words_of


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Spoke to sarah about the refund, call her back on 07700 900123",
            "Spoke to [name] about the refund, call her back on [phone]",
        ),
        (
            "My name is Margaret Thatcher and I ordered twice",
            "My name is [name] and I ordered twice",
        ),
        (
            "Cx Dave wants the blue one. James Smith rang again.",
            "Cx [name] wants the blue one. [name] rang again.",
        ),
        ("Mrs Okonkwo says the zip broke", "Mrs [name] says the zip broke"),
        ("Email me at jo.bloggs+shop@example.co.uk please", "Email me at [email] please"),
        ("Card 4111 1111 1111 1111 was charged twice", "Card [card] was charged twice"),
    ],
)
def test_personal_data_is_taken_out(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Will it be back in stock in May?",
        "I'm sure the sleeves run long, this is great otherwise.",
        "Mark my words, the price is too high for a t-shirt.",
        "Royal Mail lost it and Grace period for returns is too short.",
    ],
)
def test_ordinary_words_that_are_also_names_stay(text: str) -> None:
    assert redact(text) == text


def test_product_title_words_are_kept() -> None:
    keep = words_of(["Elder Lamp", "Stella Tote", None])
    assert redact("The Stella tote strap snapped", keep) == "The Stella tote strap snapped"
    assert redact("Stella called about her tote") == "[name] called about her tote"


def test_nothing_to_redact_passes_through() -> None:
    assert redact(None) is None
    assert redact("") == ""
