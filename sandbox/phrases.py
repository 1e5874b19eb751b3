"""What the sandbox's customers say, theme by theme.

Each theme has several phrasings so that a classifier cannot pass by matching a
single keyword. ``{product}`` is filled with the product a text is about.
"""

from __future__ import annotations

THEME_PHRASES: dict[str, list[str]] = {
    "price": [
        "honestly it is a bit too expensive for what it is",
        "I would buy again if the price came down",
        "way overpriced compared to last year",
        "can't justify spending that much on the {product}",
    ],
    "shipping": [
        "delivery took almost two weeks",
        "the parcel arrived late and the box was crushed",
        "shipping costs more than I expected",
        "still waiting on my package, tracking has not moved",
    ],
    "sizing_fit": [
        "runs small, I had to size up",
        "the fit is off, way too tight around the shoulders",
        "sizing chart does not match what arrived",
        "ordered my usual size and it is huge on me",
    ],
    "quality": [
        "the stitching came apart after two washes",
        "feels cheap, the material is thin",
        "broke within a week of use",
        "the colour faded really fast",
    ],
    "stock_out": [
        "the {product} was sold out again when I went to order",
        "when is the {product} back in stock?",
        "out of stock in my size for weeks now",
        "tried to reorder but it says unavailable",
    ],
    "product_request": [
        "please make the {product} in navy",
        "would love a bigger version of the {product}",
        "any chance of a waterproof option?",
        "I wish the {product} came in more colours",
    ],
    "navigation": [
        "I couldn't find the product on your site, the menu is confusing",
        "took me ages to find the returns page",
        "search never shows what I am looking for",
    ],
    "checkout_friction": [
        "the checkout form on my phone kept clearing my address",
        "payment failed twice at checkout",
        "too many steps to pay, I gave up",
    ],
    "popups": [
        "the privacy pop-up keeps coming back, really annoying",
        "so many pop-ups before I can even see the products",
        "the newsletter popup covers the whole screen on mobile",
    ],
    "value_proposition": [
        "I don't really get what makes it different from the cheap ones",
        "not clear why I should pick this over other brands",
        "the site never explains what the {product} actually does",
    ],
    "slow_pages": [
        "the website is painfully slow to load",
        "pages take forever on mobile",
        "product pages keep timing out",
    ],
    "competitor": [
        "I found something similar cheaper on another site",
        "I switched to another brand last month",
        "a competitor had it with free shipping so I went there",
    ],
    "praise": [
        "absolutely love the {product}, great quality",
        "fantastic service, the team was really helpful",
        "best purchase this year, highly recommend",
        "works perfectly, very happy",
    ],
}

OFF_TOPIC = [
    "hope you have a nice weekend",
    "my dog loves watching me unpack parcels",
    "weather has been awful here",
    "thanks for picking up",
]

NEGATIVE_THEMES = {
    "price",
    "shipping",
    "sizing_fit",
    "quality",
    "stock_out",
    "navigation",
    "checkout_friction",
    "popups",
    "value_proposition",
    "slow_pages",
    "competitor",
}
