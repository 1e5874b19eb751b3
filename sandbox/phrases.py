"""What the sandbox's customers say, theme by theme, with the sentiment of each phrasing.

Every theme has many phrasings so that a classifier cannot pass by matching a
single keyword; ``{product}`` is filled with the product a text is about.
``NEGATED`` holds phrasings that name a theme's words but deny it ("it's not the
price"): they do not carry the theme, and the answer key says so.
"""

from __future__ import annotations

# theme -> category, as the answer key and the taxonomy group them
THEME_CATEGORIES: dict[str, str] = {
    "price": "pain_point",
    "shipping": "pain_point",
    "sizing_fit": "pain_point",
    "quality": "pain_point",
    "competitor": "pain_point",
    "stock_out": "demand",
    "product_request": "demand",
    "navigation": "site_experience",
    "checkout_friction": "site_experience",
    "popups": "site_experience",
    "value_proposition": "site_experience",
    "slow_pages": "site_experience",
    "product_photos": "site_experience",
    "praise": "praise",
}

# theme -> [(phrasing, sentiment in -1..1)]
THEME_PHRASES: dict[str, list[tuple[str, float]]] = {
    "price": [
        ("honestly it is a bit too expensive for what it is", -0.5),
        ("I would buy again if the price came down", -0.3),
        ("way overpriced compared to last year", -0.7),
        ("can't justify spending that much on the {product}", -0.5),
        ("the {product} costs a fortune", -0.6),
        ("nearly fifty quid more than I wanted to pay", -0.5),
        ("pricey for a {product} tbh", -0.4),
        ("I'm waiting for a sale, it's out of my budget right now", -0.3),
        ("felt like a rip off at full price", -0.8),
        ("steep price tag for what you get", -0.6),
    ],
    "shipping": [
        ("delivery took almost two weeks", -0.6),
        ("the parcel arrived late and the box was crushed", -0.7),
        ("shipping costs more than I expected", -0.5),
        ("still waiting on my package, tracking has not moved", -0.6),
        ("courier left it at the wrong address", -0.7),
        ("my order got lost in transit", -0.8),
        ("took forever to get here", -0.5),
        ("the delivery fee put me off", -0.4),
        ("it was dispatched a week after I ordered", -0.5),
    ],
    "sizing_fit": [
        ("runs small, I had to size up", -0.4),
        ("the fit is off, way too tight around the shoulders", -0.5),
        ("sizing chart does not match what arrived", -0.5),
        ("ordered my usual size and it is huge on me", -0.4),
        ("sleeves are too long for me", -0.3),
        ("not sure which size to get, the guide is confusing", -0.3),
        ("had to send it back for a medium", -0.4),
        ("the large fits like a small", -0.5),
    ],
    "quality": [
        ("the stitching came apart after two washes", -0.8),
        ("feels cheap, the material is thin", -0.7),
        ("broke within a week of use", -0.8),
        ("the colour faded really fast", -0.6),
        ("zip snapped the first time I used it", -0.8),
        ("started pilling after a couple of wears", -0.6),
        ("the sole is already peeling off", -0.7),
        ("a seam was split when it arrived", -0.6),
    ],
    "competitor": [
        ("I found something similar cheaper on another site", -0.4),
        ("I switched to another brand last month", -0.5),
        ("a competitor had it with free shipping so I went there", -0.4),
        ("ended up buying from a different shop", -0.4),
        ("Amazon had the same thing for less", -0.4),
        ("my friend recommended another label and I went with them", -0.3),
    ],
    "stock_out": [
        ("the {product} was sold out again when I went to order", -0.5),
        ("when is the {product} back in stock?", -0.2),
        ("out of stock in my size for weeks now", -0.5),
        ("tried to reorder but it says unavailable", -0.4),
        ("can you let me know when the {product} is restocked", -0.1),
        ("every time I check the {product} is gone", -0.5),
        ("it keeps selling out before I can get one", -0.4),
    ],
    "product_request": [
        ("please make the {product} in navy", 0.1),
        ("would love a bigger version of the {product}", 0.3),
        ("any chance of a waterproof option?", 0.1),
        ("I wish the {product} came in more colours", 0.0),
        ("do you plan a kids version of the {product}?", 0.1),
        ("a vegan leather option would be amazing", 0.3),
        ("it would be great to have the {product} in a petite cut", 0.2),
        ("could you bring back the old green colour", 0.0),
    ],
    "navigation": [
        ("I couldn't find the product on your site, the menu is confusing", -0.5),
        ("took me ages to find the returns page", -0.5),
        ("search never shows what I am looking for", -0.5),
        ("the categories make no sense to me", -0.4),
        ("I got lost clicking around trying to find the {product}", -0.4),
        ("hard to find anything on the website", -0.5),
    ],
    "checkout_friction": [
        ("the checkout form on my phone kept clearing my address", -0.6),
        ("payment failed twice at checkout", -0.6),
        ("too many steps to pay, I gave up", -0.6),
        ("the postcode field would not accept my address", -0.5),
        ("it forced me to create an account just to pay", -0.5),
        ("my discount code wouldn't apply at the payment page", -0.5),
        ("the pay button did nothing on mobile", -0.6),
    ],
    "popups": [
        ("the privacy pop-up keeps coming back, really annoying", -0.6),
        ("so many pop-ups before I can even see the products", -0.6),
        ("the newsletter popup covers the whole screen on mobile", -0.5),
        ("the cookie banner would not go away", -0.5),
        ("I keep closing the same sign up box", -0.4),
    ],
    "value_proposition": [
        ("I don't really get what makes it different from the cheap ones", -0.3),
        ("not clear why I should pick this over other brands", -0.3),
        ("the site never explains what the {product} actually does", -0.4),
        ("what's special about it? the page doesn't say", -0.3),
        ("the description is all buzzwords and no detail", -0.4),
    ],
    "slow_pages": [
        ("the website is painfully slow to load", -0.6),
        ("pages take forever on mobile", -0.6),
        ("product pages keep timing out", -0.6),
        ("the site hangs whenever I open a product", -0.6),
        ("images load so slowly I gave up browsing", -0.5),
    ],
    "product_photos": [
        ("the photos look like stock images, I can't see the real thing", -0.5),
        ("would like to see the {product} on a real person", -0.2),
        ("the pictures don't show the actual colour", -0.4),
        ("only one blurry photo of the {product}", -0.4),
        ("the product shots look nothing like what arrived", -0.6),
    ],
    "praise": [
        ("absolutely love the {product}, great quality", 0.9),
        ("fantastic service, the team was really helpful", 0.9),
        ("best purchase this year, highly recommend", 0.9),
        ("works perfectly, very happy", 0.8),
        ("the {product} is gorgeous", 0.8),
        ("so comfy, I wear it every day", 0.8),
        ("really pleased, will order again", 0.7),
        ("brilliant, exactly as described", 0.8),
        ("thank you, you made my day", 0.8),
    ],
}

# Phrasings that deny a theme: they carry no theme (sentiment given).
NEGATED: dict[str, list[tuple[str, float]]] = {
    "price": [
        ("it's not the price, the price is fine", 0.1),
        ("wasn't too expensive at all", 0.3),
        ("not that it's overpriced", 0.0),
    ],
    "shipping": [
        ("no complaints about the delivery", 0.2),
        ("shipping wasn't an issue", 0.1),
    ],
    "quality": [
        ("nothing wrong with the quality", 0.3),
    ],
    "sizing_fit": [
        ("the size was not a problem", 0.1),
    ],
}

OFF_TOPIC: list[str] = [
    "hope you have a nice weekend",
    "my dog loves watching me unpack parcels",
    "weather has been awful here",
    "thanks for picking up",
    "I'm calling from the car so sorry about the noise",
    "my sister told me about you",
    "anyway",
    "just back from holiday",
]

# What a non-buyer (cart abandoner, lapsed customer) gives as the reason, and the theme it carries.
NON_PURCHASE_REASONS: dict[str, tuple[str | None, list[str]]] = {
    "price": (
        "price",
        [
            "it was just too expensive for me right now",
            "the price put me off",
            "couldn't afford it this month",
            "found it too pricey in the end",
        ],
    ),
    "shipping_cost": (
        "shipping",
        [
            "the shipping cost at checkout put me off",
            "delivery would have taken too long",
        ],
    ),
    "competitor": (
        "competitor",
        [
            "I bought it somewhere else in the end",
            "went with another brand",
        ],
    ),
    "checkout_friction": (
        "checkout_friction",
        [
            "the checkout kept failing on my phone",
            "gave up at the payment step",
        ],
    ),
    "sizing_uncertainty": (
        "sizing_fit",
        [
            "wasn't sure which size to pick",
            "worried about the fit so I left it",
        ],
    ),
    "navigation": (
        "navigation",
        [
            "couldn't find what I was looking for on the site",
        ],
    ),
    "slow_pages": (
        "slow_pages",
        [
            "the site was too slow so I gave up",
        ],
    ),
    "value_proposition": (
        "value_proposition",
        [
            "didn't see why it was better than what I have",
        ],
    ),
    "stock_out": (
        "stock_out",
        [
            "my size was out of stock",
        ],
    ),
    "just_browsing": (
        None,
        [
            "I was only browsing really",
            "just saving it for later",
            "got distracted and forgot about it",
        ],
    ),
}
