"""Denials, and the clause each one governs.

"The price was fine but the sleeves are long" names two themes and denies
one: the denial ("was fine") sits in the clause about the price, so it cancels
price and leaves sizing_fit. A sentence is cut into clauses at contrastive
words (but, though, whereas ...), semicolons, dashes and commas; a theme is
cancelled only when the clause where the classifier finds it most strongly
is a denial.
"""

from __future__ import annotations

import re

# Where one clause ends and the next begins.
CLAUSE_BREAK = re.compile(
    r"\s*(?:[;,:]|\s[-\u2013\u2014]+\s|\(|\)"
    r"|\b(?:but|though|although|however|whereas|except|instead|while|yet)\b)\s*",
    re.IGNORECASE,
)

# A clause that says a theme was not the problem. Generic English, not a
# shop's words: "no complaints", "was fine", "wasn't an issue".
DENIAL = re.compile(
    r"\b(?:no|zero|without any) (?:real |major |big |\w+ )?"
    r"(?:complaints?|issues?|problems?|qualms|quibbles?|worries|faults?)\b"
    r"|\bnothing(?:'s| is| was)? (?:wrong|faulty|broken)\b|\bno fault\b"
    r"|\bcan'?t (?:fault|complain|grumble|argue|moan)\b|\bfair enough\b|\ball good\b"
    r"|\b(?:was|is|were|are|'s|'re)n?'?t? ?(?:not )?(?:an? )?(?:issue|problem)\b"
    r"|\bnot (?:an? |the |my )?(?:issue|problem|reason|concern|complaint)\b"
    r"|\bthat'?s not (?:it|why|the point)\b|\bnot (?:a|about the) (?:money|price|cost)\b"
    r"|\b(?:was|is|were|are|'s|'re|seemed|seems|looked|looks) (?:perfectly |totally |absolutely )?"
    r"(?:fine|ok|okay|alright|all right|reasonable|fair|decent|spot on|great|good|fab|perfect)\b"
    r"|\b(?:fine|ok|okay|reasonable|fair|quick|fast|speedy|prompt|cheap|sturdy) enough\b"
    r"|\bnot because of\b|\bnot about\b|\bnothing to do with\b|\bdidn'?t mind\b"
    r"|\bdon'?t mind\b|\bnot (?:knocking|complaining about|asking (?:you )?(?:for|to))\b",
    re.IGNORECASE,
)
# "Not the price", "not that it's overpriced", "wasn't too expensive" deny;
# "not too happy with the stitching" complains. These deny only in a clause
# the lexicon does not read as negative.
HEDGED_DENIAL = re.compile(
    r"\b(?:wasn'?t|isn'?t|weren'?t|aren'?t|not|never) (?:too|that|the|at all)\b", re.IGNORECASE
)
HEDGED_MIN_LEXICON = -0.05


def clauses(sentence: str) -> list[str]:
    """The sentence's clauses, in order; a sentence with no break is one clause."""
    pieces = [piece.strip() for piece in CLAUSE_BREAK.split(sentence)]
    return [piece for piece in pieces if piece] or [sentence]


def denies(clause: str) -> bool:
    """Whether the clause says its theme was not the problem."""
    if DENIAL.search(clause):
        return True
    if HEDGED_DENIAL.search(clause):
        from earshot import language

        return language.lexicon_sentiment(clause) >= HEDGED_MIN_LEXICON
    return False
