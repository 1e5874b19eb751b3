"""Customers' words with their personal data taken out, for every quote a page shows.

The warehouse already replaces email addresses, card-like numbers and phone
numbers (``transform/macros/redact.sql``); the dashboards do it again, so a
text that reached the marts another way is covered too, and they also take
out people's names, which no pattern in the warehouse can know:

- a word after a cue that introduces a person ("my name is", "spoke to",
  "Mrs", an agent's "cx"), whatever its case;
- a capitalised word that is a first name in the US census lists (the
  ``names`` package) and not one of the words a shop's texts use as words
  ("Will it be back", "in May", a product called "Ruby"), with the surname
  that follows it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib import resources

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
PHONE = re.compile(r"(?:\+|\b)\d(?:[\s().-]*\d){6,14}\b")
# "Spoke to sarah", "my name is Jo", "Mrs Patel", "cx Dave": the word after is a person.
CUE = re.compile(
    r"\b(?P<cue>my name is|my name's|this is|i am|i'm|it's|speaking to|speaking with|spoke to|"
    r"spoke with|talked to|ask for|asked for|mr|mrs|ms|miss|dr|cx|customer|agent|caller)"
    r"(?P<gap>\.?\s+)(?P<name>[A-Za-z][a-z'-]+)",
    re.IGNORECASE,
)
WORD = re.compile(r"\b[A-Z][a-z'-]+\b")
# First names that are also English words a customer writes with a capital:
# months, and words that open a sentence. Generic English, not a shop's words.
ALSO_WORDS = {
    "april",
    "august",
    "june",
    "may",
    "will",
    "mark",
    "grace",
    "hope",
    "joy",
    "faith",
    "rose",
    "bill",
    "frank",
    "art",
    "chase",
    "summer",
    "autumn",
    "winter",
    "amber",
    "ruby",
    "olive",
    "pearl",
    "ivory",
    "iris",
    "holly",
    "ginger",
    "honey",
    "sunny",
    "dawn",
    "rich",
    "sue",
    "gay",
    "ray",
    "lane",
    "page",
    "sage",
    "star",
    "love",
    "lady",
    "major",
    "king",
    "royal",
    "bob",
    "jack",
    "penny",
    "robin",
    "crystal",
    "hazel",
    "violet",
    "daisy",
    "jean",
    "jade",
    "cherry",
    "angel",
    "don",
    "carol",
    "young",
    "long",
    "miles",
    "guy",
    "in",
    "an",
    "le",
    "del",
    "van",
    "von",
    "so",
    "ok",
    "my",
}
# Words the cue pattern may meet that are not names: "I'm sure", "this is great".
NOT_NAMES = {
    "a",
    "an",
    "the",
    "not",
    "so",
    "very",
    "really",
    "just",
    "still",
    "sure",
    "afraid",
    "sorry",
    "happy",
    "glad",
    "going",
    "looking",
    "calling",
    "ringing",
    "phoning",
    "trying",
    "about",
    "after",
    "back",
    "from",
    "in",
    "on",
    "at",
    "for",
    "with",
    "what",
    "why",
    "how",
    "that",
    "this",
    "it",
    "is",
    "was",
    "great",
    "good",
    "bad",
    "fine",
    "ok",
    "okay",
    "all",
    "had",
    "has",
    "have",
    "been",
    "being",
    "only",
    "also",
    "always",
    "never",
    "now",
    "here",
    "there",
    "too",
    "quite",
    "pretty",
    "rather",
    "disappointed",
    "pleased",
    "annoyed",
    "confused",
    "wondering",
    "interested",
    "waiting",
    "told",
    "said",
    "re",
    "regarding",
    "returning",
    "asking",
    "wanting",
    "unable",
    "able",
    "no",
    "yes",
    "your",
    "my",
    "our",
    "their",
    "his",
    "her",
    "them",
    "they",
    "we",
    "you",
    "he",
    "she",
    "one",
    "two",
}
PLACEHOLDER = "[name]"
SURNAME_AFTER = re.compile(r"\[name\] (?P<surname>[A-Z][a-z'-]+)\b")


@cache
def _census(file_name: str) -> frozenset[str]:
    text = resources.files("names").joinpath(file_name).read_text(encoding="ascii")
    return frozenset(line.split()[0].lower() for line in text.splitlines() if line.strip())


def first_names() -> frozenset[str]:
    return _census("dist.male.first") | _census("dist.female.first")


def surnames() -> frozenset[str]:
    return _census("dist.all.last")


def redact(text: str | None, keep: Iterable[str] = ()) -> str | None:
    """``text`` with emails, card numbers, phone numbers and people's names replaced.

    ``keep`` names words to leave alone (a shop's product titles: a lamp
    called "Elder" is not a person).
    """
    if text is None:
        return None
    kept = {word.lower() for word in keep}
    text = EMAIL.sub("[email]", text)
    text = CARD.sub("[card]", text)
    text = PHONE.sub("[phone]", text)

    def after_cue(match: re.Match[str]) -> str:
        name = match["name"]
        if name.lower() in NOT_NAMES or name.lower() in kept:
            return match[0]
        return f"{match['cue']}{match['gap']}{PLACEHOLDER}"

    text = CUE.sub(after_cue, text)
    given, family = first_names(), surnames()
    words = list(WORD.finditer(text))
    spans: list[tuple[int, int]] = []
    for i, match in enumerate(words):
        lower = match[0].lower()
        if lower in given and lower not in ALSO_WORDS and lower not in kept:
            end = match.end()
            following = words[i + 1] if i + 1 < len(words) else None
            if (
                following is not None
                and text[end : following.start()] == " "
                and following[0].lower() in family
                and following[0].lower() not in kept
            ):
                end = following.end()
            spans.append((match.start(), end))
    for start, end in reversed(spans):
        text = text[:start] + PLACEHOLDER + text[end:]
    # "my name is [name] Thatcher": the surname after a name taken out goes too
    return SURNAME_AFTER.sub(
        lambda m: PLACEHOLDER if m["surname"].lower() in family - kept else m[0], text
    )


def words_of(titles: Iterable[str | None]) -> set[str]:
    """The words of product titles, to keep in quotes."""
    return {word.lower() for title in titles if title for word in re.findall(r"[A-Za-z']+", title)}
