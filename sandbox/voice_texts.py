"""Labelled customer texts read out of a sandbox shop, or laid into one.

``labelled(shop)`` pairs each planted text, as the warehouse will read it (a
review's title and body, a call note, the customer's side of a transcript),
with the themes and sentiment the answer key gives it: the voice classifier
trains on the tuning half of these.

``lay(shop, texts)`` puts texts written outside the project into a generated
shop: reviews become Judge.me reviews (with their stars), agent notes become
call comments and customer speech becomes transcripts. The answer key then
labels those records with the texts' own labels and ids, so a whole pipeline
run can be scored on words the sandbox never wrote.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from sandbox import answer_key
from sandbox.generate import LAYOUT

# eval/ names its sources after what was said; the answer key after where it lands
LANDS_AS = {
    "review": "judgeme_review",
    "call_note": "aircall_comment",
    "transcript": "aircall_transcript",
}


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _records(shop: Path, name: str) -> Iterator[dict[str, Any]]:
    path = shop / LAYOUT[name]
    if path.exists():
        with path.open("rb") as handle:
            for line in handle:
                yield orjson.loads(line)


def _review_text(review: dict[str, Any]) -> str:
    title, body = review.get("title") or "", review.get("body") or ""
    return body if not title or body.startswith(title) else f"{title}. {body}"


def said(shop: Path) -> dict[str, dict[str, Any]]:
    """Each text in the shop's vendor files by document id: its words and, for reviews, stars."""
    texts: dict[str, dict[str, Any]] = {}
    for review in _records(shop, "reviews"):
        texts[f"judgeme_review:{review['id']}"] = {
            "text": _review_text(review),
            "rating": review.get("rating"),
        }
    for call in _records(shop, "calls"):
        for comment in call.get("comments") or []:
            texts[f"aircall_comment:{comment['id']}"] = {"text": comment["content"], "rating": None}
    for transcript in _records(shop, "transcripts"):
        spoken = [
            u["text"]
            for u in transcript["content"]["utterances"]
            if u["participant_type"] == "external"
        ]
        texts[f"aircall_transcript:{transcript['call_id']}"] = {
            "text": " ".join(spoken),
            "rating": None,
        }
    return texts


def laid(shop: Path) -> dict[str, dict[str, Any]]:
    """The answer key's laid texts (see ``lay``) by document id."""
    return {k: row for k, row in answer_key.planted_texts(shop).items() if "label_id" in row}


def labelled(shop: Path, split: str | None = None) -> list[dict[str, Any]]:
    """The shop's planted texts with their labels, in eval/'s fields, optionally of one split."""
    words = said(shop)
    rows = []
    for document_id, truth in sorted(answer_key.planted_texts(shop).items()):
        if document_id not in words or (split and answer_key.split_of(document_id) != split):
            continue
        rows.append(
            {
                "id": document_id,
                "source": truth["source"],
                "text": words[document_id]["text"],
                "themes": truth["themes"],
                "sentiment": truth["sentiment"],
                "rating": words[document_id]["rating"],
            }
        )
    return rows


def lay(shop: Path, texts: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Replace the shop's planted texts with ``texts`` (eval/ fields); return how many of each.

    Texts are laid in order onto the shop's records of their kind, in file
    order; a kind with more texts than records keeps the rest unlaid. Calls
    with non-buyers keep their planted reasons, so the non-buyer price share
    can still be scored. In the answer key the laid records take their texts'
    labels and ids (``label_id``).
    """
    planted = answer_key.planted_texts(shop)
    queues: dict[str, list[dict[str, Any]]] = {kind: [] for kind in LANDS_AS.values()}
    for text in texts:
        queues[LANDS_AS[text["source"]]].append(text)
    placed: dict[str, dict[str, Any]] = {}

    def take(kind: str, document_id: str) -> dict[str, Any] | None:
        if not queues[kind] or "non_purchase_reason" in planted.get(document_id, {}):
            return None
        text = queues[kind].pop(0)
        placed[document_id] = text
        return text

    def rewrite(name: str, change) -> None:
        path = shop / LAYOUT[name]
        records = list(_records(shop, name))
        with path.open("wb") as handle:
            for record in records:
                change(record)
                handle.write(orjson.dumps(record) + b"\n")

    def review(record: dict[str, Any]) -> None:
        text = take("judgeme_review", f"judgeme_review:{record['id']}")
        if text:
            record.update(title="", body=text["text"], rating=text["rating"])

    def call(record: dict[str, Any]) -> None:
        for comment in record.get("comments") or []:
            text = take("aircall_comment", f"aircall_comment:{comment['id']}")
            if text:
                comment["content"] = text["text"]

    def transcript(record: dict[str, Any]) -> None:
        text = take("aircall_transcript", f"aircall_transcript:{record['call_id']}")
        if not text:
            return
        utterances = record["content"]["utterances"]
        customer = [u for u in utterances if u["participant_type"] == "external"]
        for utterance in customer:
            utterance["text"] = ""
        customer[0]["text"] = text["text"]
        record["content"]["utterances"] = [
            u for u in utterances if u["participant_type"] != "external" or u["text"]
        ]

    rewrite("reviews", review)
    rewrite("calls", call)
    rewrite("transcripts", transcript)
    with (shop / LAYOUT["texts"]).open("wb") as handle:
        for document_id, truth in planted.items():
            if text := placed.get(document_id):
                truth = {
                    **truth,
                    "themes": sorted(text["themes"]),
                    "sentiment": text["sentiment"],
                    "label_id": text["id"],
                    "rating": text.get("rating"),
                    "note": text.get("note", ""),
                }
            handle.write(orjson.dumps(truth) + b"\n")
    counts: dict[str, int] = {}
    for document_id in placed:
        kind = document_id.split(":")[0]
        counts[kind] = counts.get(kind, 0) + 1
    return counts
