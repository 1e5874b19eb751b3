"""Earshot's voice classifier: denials scoped to their clause, tricky sentences,
the shipped model matching its training data, and retraining on new examples."""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import yaml

from earshot import language, voice
from earshot.voice import evaluation, negation, training, tuning
from earshot.voice.model import VoiceModel

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("The price was fine but the sleeves are long", [True, False]),
        ("Not the price, it was the postage", [True, False]),
        ("No complaints about the delivery", [True]),
        ("Tracking has not moved in a week", [False]),
        ("The stitching came apart; the colour is fine though", [False, True]),
    ],
)
def test_a_denial_is_found_in_its_own_clause(sentence: str, expected: list[bool]) -> None:
    assert [negation.denies(c) for c in negation.clauses(sentence)] == expected


# Sentences the shipped classifier misses, kept in the set so that a model that reads them
# turns these tests into failures to look at (strict): then drop the mark.
KNOWN_MISS = pytest.mark.xfail(
    strict=True,
    reason="all-mpnet-base-v2 model 3795f262 misses it (docs/quality.md, 'Tricky sentences')",
)

# Written for this test, in the shapes real customers use; none is a training text.
TRICKY = [
    # negation with scope: a denial cancels only the theme of its clause
    ("The price was fine but the sleeves are long", {"sizing_fit"}),
    ("Not the price, it was the postage that put me off", {"shipping"}),
    ("Delivery was quick enough, it's the zip that broke after a week", {"quality"}),
    ("The courier was no trouble at all, but the zip broke on day two.", {"quality"}),
    ("No issues with the size, the colour just looks nothing like the photos", {"product_photos"}),
    # sarcasm
    pytest.param(
        "Oh brilliant, a third week of staring at a tracking page that never moves",
        {"shipping"},
        marks=KNOWN_MISS,  # shipping at 0.68, its threshold 0.70
    ),
    ("Fantastic, the 'next day' delivery turned up a week later.", {"shipping"}),
    ("Love how the soles came unglued after one walk. Top work.", {"quality"}),
    pytest.param(
        "Wonderful, the small is big enough to sleep in.",
        {"sizing_fit"},
        marks=KNOWN_MISS,  # sizing_fit at 0.77, then cancelled: the clause reads positive
    ),
    # price against shipping cost
    (
        "The coat is reasonable for what it is, but eight pounds postage is daylight robbery",
        {"shipping"},
    ),
    # "lovely coat" is an explicit compliment, praise by eval's definition
    pytest.param(
        "Lovely coat but at two hundred quid it's way out of my budget",
        {"price", "praise"},
        marks=KNOWN_MISS,  # praise at 0.16 beside a price complaint
    ),
    ("Nice enough coat but at two hundred quid it's way out of my budget", {"price"}),
    # request against stock-out
    ("When will the green one be back in stock?", {"stock_out"}),
    ("Do you think you'll ever make these in a wide fit?", {"product_request"}),
    # politeness against praise
    ("Thanks for calling back, bye now", set()),
    ("Your team were absolutely brilliant sorting out my exchange", {"praise"}),
]


@pytest.fixture(scope="module")
def encode() -> Iterator[Callable]:
    """One encoder for the module's readings, which would each start and load their own."""
    encoder = voice.encoder()
    yield encoder.encode
    encoder.close()


@pytest.fixture(scope="module")
def readings(encode) -> dict[str, set[str]]:
    sentences = [_values(case)[0] for case in TRICKY]
    read = evaluation.classify(sentences, encode=encode)
    return {s: themes for s, (themes, _) in zip(sentences, read, strict=True)}


def _values(case) -> tuple:
    return tuple(getattr(case, "values", case))


@pytest.mark.parametrize(
    ("sentence", "expected"), TRICKY, ids=[_values(case)[0][:40] for case in TRICKY]
)
def test_tricky_sentences_carry_the_themes_a_reader_would_give(
    readings, sentence: str, expected: set[str]
) -> None:
    assert readings[sentence] == expected


# Denials in words no generic rule holds: the denial head reads them.
LEARNED_DENIALS = [
    ("Spending that much didn't bother me, the zip broke on day two.", {"quality"}),
    ("Postage was no bother, but the zip broke on day two.", {"quality"}),
]


@pytest.mark.parametrize(("sentence", "expected"), LEARNED_DENIALS)
def test_the_denial_head_cancels_a_theme_the_rules_miss(
    encode, sentence: str, expected: set[str]
) -> None:
    assert not any(negation.denies(clause) for clause in negation.clauses(sentence))
    model = VoiceModel.load()
    assert evaluation.classify([sentence], model=model, encode=encode)[0][0] == expected
    without_head = dataclasses.replace(model, denial_threshold=2.0)
    assert evaluation.classify([sentence], model=without_head, encode=encode)[0][0] > expected


def test_the_denial_head_leaves_a_plain_complaint(encode) -> None:
    model = VoiceModel.load()
    complaints = [
        "The price is far too high for what it is.",
        "Delivery took three weeks and nobody answered my emails.",
    ]
    found = [themes for themes, _ in evaluation.classify(complaints, model=model, encode=encode)]
    assert found == [{"price"}, {"shipping"}]
    assert model.denial_threshold == model.manifest["denial_threshold"]


def test_the_shipped_model_was_trained_on_the_repository_data() -> None:
    """Editing the seed or a training file without `make voice-model` fails here."""
    shipped = VoiceModel.load()
    assert shipped.fingerprint == training.fingerprint(training.read_seed())
    assert shipped.themes == training.themes()
    assert np.all((shipped.thresholds >= 0.2) & (shipped.thresholds <= 0.8))


def test_the_shipped_encoder_was_tuned_on_the_repository_data() -> None:
    """A training file changed without `make voice-model` re-tuning the encoder fails here."""
    base = tuning.shipped_base().name
    assert tuning.shipped_manifest()["fingerprint"] == tuning.fingerprint(
        training.TRAINING_DIR, base
    )
    assert VoiceModel.load().manifest["encoder"] == tuning.shipped_fingerprint()
    # another base encoder is tuned again, even on the same files
    others = [name for name in language.BASES if name != base]
    assert all(
        tuning.fingerprint(training.TRAINING_DIR, name)
        != tuning.fingerprint(training.TRAINING_DIR, base)
        for name in others
    )


def test_calibration_texts_are_a_stable_fifth_of_the_customer_written() -> None:
    rows = training.training_rows(training.read_seed())
    held = [row for row in rows if tuning.held_for_calibration(row)]
    written = [row for row in rows if tuning.customer_written(row)]
    assert 0.15 < len(held) / len(written) < 0.25
    assert all(row.get("corpus") not in ("sandbox", "sentiment") for row in held)
    assert not any(tuning.held_for_calibration(row) for row in rows if not row.get("id"))
    # by id alone: the same text under another id may fall either side
    assert tuning.held_for_calibration({"id": held[0]["id"], "corpus": "written"})


def test_tuning_changes_only_the_top_layers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tuning, "EPOCHS", 1)
    rows = [
        {"text": "the parcel is two weeks late", "themes": ["shipping"], "sentiment": "negative"},
        {"text": "lovely soft jumper", "themes": ["praise"], "sentiment": "positive"},
    ]
    layers = tuning.tune(rows, [row["text"] for row in rows], ["shipping", "praise"], False)
    count = len(language.Encoder()._model.encoder.layer)
    tuned = {int(name.split(".")[2]) for name in layers}
    assert tuned == set(range(count - tuning.LAYERS, count))
    assert all(values.dtype == np.float16 for values in layers.values())


def test_the_encoder_puts_tuned_layers_in_place(tmp_path: Path) -> None:
    sentence = ["the zip broke on the first day"]
    base = language.reader(tuning.shipped_base().name).encode(sentence)
    tuned = voice.encoder().encode(sentence)
    assert np.isclose(np.linalg.norm(tuned), 1.0)
    assert float(base[0] @ tuned[0]) < 0.999  # the shipped layers are not the wheel's
    stray = tmp_path / "layers.npz"
    np.savez(stray, **{"encoder.layer.99.output.dense.weight": np.zeros(2, np.float16)})
    with pytest.raises(ValueError, match=r"layers\.npz: layers the encoder does not have"):
        language.reader(tuning.shipped_base().name, tuned=stray)


def test_reading_multiplies_the_same_features_as_training_without_stacking_them() -> None:
    """The heads read ``features`` in parts (the dense embedding never copied into a sparse
    matrix): the same products as the stacked matrix, to float64 rounding."""
    from earshot.voice.model import features, reading_features

    rng = np.random.default_rng(5)
    texts = ["the zip broke", "too pricey", "lovely soft jumper", "parcel late again"] * 1300
    embeddings = rng.standard_normal((len(texts), 768)).astype(np.float32)
    lexicon = rng.uniform(-1, 1, len(texts))
    idf = rng.uniform(0, 3, 1 << 17).astype(np.float32)
    for extra in (None, lexicon):
        stacked = features(embeddings, texts, idf, extra)
        parts = reading_features(embeddings, texts, idf, extra)
        coef = rng.standard_normal((3, stacked.shape[1])).astype(np.float32)

        assert np.allclose(parts @ coef.T, stacked @ coef.T, rtol=0, atol=1e-9)


IN_A_BUILD = """
import json, os, sys
from earshot import enrichment, language
from earshot.voice import tuning

texts = json.loads(sys.argv[1])
with enrichment.lazy_encoder() as encode:
    vectors = encode(texts)
    pid = encode._encoder.pid
print(json.dumps({
    "vectors": vectors.tolist(),
    "torch_in_this_process": "torch" in sys.modules,
    "encoder_process_gone": not os.path.exists(f"/proc/{pid}"),
}))
"""


def test_a_build_embeds_in_the_encoder_s_own_process_and_gets_the_same_vectors() -> None:
    """Scoring never loads torch into the build's process, and its memory leaves with the
    encoder's process; the vectors are those of the encoder loaded in place."""
    import json
    import subprocess

    texts = ["the zip broke on the first day", "too pricey", "love it"]
    done = subprocess.run(
        [sys.executable, "-c", IN_A_BUILD, json.dumps(texts)],
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if k != voice.EMBEDDING_CACHE},
    )
    found = json.loads(done.stdout)
    in_place = language.reader(
        tuning.shipped_base().name, tuning.ENCODER_FILE, threads=language.inference_threads()
    ).encode(texts)

    assert np.array_equal(np.asarray(found["vectors"], np.float32), in_place)
    assert found["torch_in_this_process"] is False
    assert found["encoder_process_gone"] is True


def test_an_encoder_process_that_fails_says_why(tmp_path: Path) -> None:
    from earshot.voice.worker import EncoderProcess

    stray = tmp_path / "layers.npz"
    np.savez(stray, **{"encoder.layer.99.output.dense.weight": np.zeros(2, np.float16)})

    with (
        EncoderProcess(tuning.shipped_base().name, stray) as encoder,
        pytest.raises(RuntimeError, match=r"exited with code 1:(.|\n)*layers the encoder does not"),
    ):
        encoder.encode(["the zip broke"])


def test_a_sentence_embeds_the_same_alone_or_among_any_others() -> None:
    """Sentences embed in batches, yet each vector is its own: an incremental run and a
    full refresh, which batch sentences otherwise, read a sentence alike."""
    sentences = [
        "too pricey",  # short sentences take another path through torch alone
        "way too pricey",
        "the parcel came a week late and nobody answered my emails about it",
        "the sleeves are long",
        "the sleeves are short",  # as many tokens as its neighbour
        "love it",
        "the zip broke on the first day, and the replacement broke on the second",
    ]
    encoder = voice.encoder()

    together = encoder.encode(sentences)
    alone = np.concatenate([encoder.encode([sentence]) for sentence in sentences])
    reordered = encoder.encode([*sentences[::-1], "another sentence entirely, of its own"])

    assert together.shape == (len(sentences), voice.dimensions())
    assert np.array_equal(together, alone)
    assert np.array_equal(reordered[: len(sentences)][::-1], together)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-6)
    assert encoder.encode([]).shape == (0, voice.dimensions())


def test_the_encoder_embeds_with_the_threads_it_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import torch

    before = torch.get_num_threads()
    monkeypatch.delenv(language.ENCODER_THREADS, raising=False)
    assert language.inference_threads() == 1
    monkeypatch.setenv(language.ENCODER_THREADS, "2")
    try:
        language.Encoder(threads=language.inference_threads())
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
    for wrong in ("0", "two"):
        monkeypatch.setenv(language.ENCODER_THREADS, wrong)
        with pytest.raises(ValueError, match=f"EARSHOT_ENCODER_THREADS='{wrong}'"):
            language.inference_threads()


def test_new_examples_change_the_fingerprint_and_retrain_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed = [*training.read_seed(), ("popups", "the chat bubble covers the basket button")]
    assert training.fingerprint(seed) != training.fingerprint(training.read_seed())
    calls = []

    def fake_train(themes, examples):
        calls.append(len(examples))
        model = VoiceModel.load()
        model.manifest = {**model.manifest, "fingerprint": training.fingerprint(examples)}
        return model

    monkeypatch.setattr(voice, "CACHE", tmp_path)
    monkeypatch.setattr(training, "train", fake_train)
    first = voice.current(seed)
    again = voice.current(seed)
    assert calls == [len(seed)]  # the second call found the trained model kept
    assert first.fingerprint == again.fingerprint == training.fingerprint(seed)
    assert (tmp_path / first.fingerprint / "heads.npz").exists()
    assert voice.current(training.read_seed()).fingerprint == VoiceModel.load().fingerprint


def test_document_sentiment_rule_matches_the_marts() -> None:
    variables = yaml.safe_load((ROOT / "transform" / "dbt_project.yml").read_text())["vars"]
    assert variables["sentiment_mixed_strength"] == evaluation.MIXED_STRENGTH
    assert variables["sentiment_mixed_lean"] == evaluation.MIXED_LEAN
    assert evaluation.document_label([0.9, -0.8], "neutral", 0.1) == "mixed"
    assert evaluation.document_label([0.9, -0.8], "positive", 0.6) == "positive"
    assert evaluation.document_label([0.9, -0.1], "positive", 0.1) == "positive"
    assert evaluation.document_label([], "neutral") == "neutral"


def test_whole_reviews_read_with_the_tone_their_stars_give(encode) -> None:
    """Neither sentence says "good" outright; the whole review is praise."""
    (_, label), (_, low) = evaluation.classify(
        [
            "Ten out of ten. It has survived two winters of dog walks and still looks new.",
            "Back in the box it goes. Should have read the other reviews first.",
        ],
        encode=encode,
    )
    assert (label, low) == ("positive", "negative")


def test_the_document_head_learns_a_review_from_its_stars() -> None:
    """A 4-star review with one gripe is labelled mixed and its writer called it good."""
    mixed_four = {"rating": 4, "sentiment": "mixed"}
    assert training.document_sentiment(mixed_four) == "positive"
    assert training.document_sentiment({"rating": 2, "sentiment": "neutral"}) == "negative"
    assert training.document_sentiment({"rating": 3, "sentiment": "mixed"}) == "mixed"
    assert training.document_sentiment({"rating": None, "sentiment": "neutral"}) == "neutral"
    assert training.document_sentiment({"sentiment": "positive"}) == "positive"


def test_scores_and_denials_are_counted_per_theme() -> None:
    rows = [
        {"themes": ["price"], "note": "negation: shipping"},
        {"themes": ["shipping"], "note": ""},
    ]
    predicted = [{"price", "shipping"}, set()]
    scores = evaluation.theme_scores(
        [set(r["themes"]) for r in rows], predicted, ["price", "shipping"]
    )
    assert (scores["price"].precision, scores["price"].recall) == (1.0, 1.0)
    assert (scores["shipping"].precision, scores["shipping"].recall) == (0.0, 0.0)
    assert scores["micro"].f1 == pytest.approx(2 / 4)
    assert evaluation.denied_counted(rows, predicted) == (1, 1)
    stars = [{"rating": 5}, {"rating": 3}, {"rating": 1}]
    assert evaluation.star_agreement(stars, ["positive", "neutral", "positive"]) == (0.5, 2)


def test_theme_heads_learn_which_sentence_of_a_long_text_carries_its_theme() -> None:
    """A long text's label does not say which sentence raises the theme: the heads find
    it, and the small talk beside it is taught as carrying nothing."""
    from scipy import sparse

    rng = np.random.default_rng(0)
    theme, chat, other = np.eye(3)
    # sentences: the theme said, small talk, another subject; each text is their mean
    sentences, owner, labels = [], [], []
    for i in range(60):
        kind = i % 3
        parts = [[theme, chat], [chat, other], [other]][kind]
        sentences += [p + rng.normal(0, 0.05, 3) for p in parts]
        owner += [i] * len(parts)
        labels.append([1 if kind == 0 else 0, 0])  # the second theme is never labelled
    owner = np.array(owner)
    xs = sparse.csr_matrix(np.array(sentences))
    counts = np.bincount(owner)
    x = sparse.csr_matrix(
        np.vstack([np.array(sentences)[owner == i].mean(axis=0) for i in range(len(counts))])
    )
    labels = np.array(labels)
    denied = np.zeros(labels.shape, dtype=bool)

    heads = training._fit_theme_heads(x, xs, labels, denied, owner, np.arange(len(counts)))

    assert heads[1] is None
    p_theme, p_chat = heads[0].predict_proba(sparse.csr_matrix(np.vstack([theme, chat])))[:, 1]
    assert p_theme > 0.5 > p_chat


def test_training_embeds_with_every_core_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`make voice-model` runs alone; the pipeline's one thread would leave a core idle."""
    from earshot.voice import train

    seen = []

    class Trained:
        fingerprint = "f"

        def save(self, directory: Path) -> None:
            seen.append(("saved", directory))

    def fake_train(themes):
        seen.append(os.environ[language.ENCODER_THREADS])
        return Trained()

    monkeypatch.setattr(train.training, "train", fake_train)
    monkeypatch.setattr(train, "tune_encoder", lambda: pytest.fail("the encoder is current"))
    monkeypatch.setattr(sys, "argv", ["train"])
    monkeypatch.setenv(language.ENCODER_THREADS, "1")  # so that teardown restores it
    monkeypatch.delenv(language.ENCODER_THREADS)
    train.main()
    monkeypatch.setenv(language.ENCODER_THREADS, "1")
    train.main()
    assert seen[0] == str(os.cpu_count()) and seen[2] == "1"
    assert seen[1] == ("saved", train.MODEL_DIR)


def test_the_denial_threshold_counts_only_errors_that_change_a_reading() -> None:
    """Denials of a theme the heads do not call cost nothing when missed: they must not
    pull the threshold down to where it cancels complaints that are called."""
    from earshot.voice.model import LEXICAL_FEATURES

    rng = np.random.default_rng(0)
    complaint, denial = np.array([0.0, 1.0]), np.array([1.0, 0.0])
    kinds = ["complaint"] * 20 + ["called denial"] * 10 + ["uncalled denial"] * 60
    # an uncalled denial reads like a complaint: only a low threshold would catch it
    vectors = {"complaint": complaint, "called denial": denial, "uncalled denial": complaint}
    rows, pieces, embedded, called = [], [], {}, {}
    for i, kind in enumerate(kinds):
        text = f"clause {i}"
        denies = kind != "complaint"
        rows.append({"themes": [] if denies else ["price"], "note": "negation: price" * denies})
        pieces.append([text])
        embedded[text] = vectors[kind] + rng.normal(0, 0.05, 2)
        called[text] = kind != "uncalled denial"

    def fit(thresholds: np.ndarray) -> float:
        _, cut, counts = training._fit_denial(
            rows,
            pieces,
            embedded,
            lambda _, texts: np.array([[0.9 if called[t] else 0.1] for t in texts]),
            ["price"],
            thresholds,
            lambda texts: np.array([embedded[t] for t in texts]),
            np.zeros(LEXICAL_FEATURES, np.float32),
        )
        return cut, counts["denials_of_a_called_theme"]

    every_error, all_called = fit(np.array([0.0]))  # every clause's theme is called
    only_costly, some_called = fit(np.array([0.5]))
    assert (all_called, some_called) == (70, 10)
    assert every_error < 0.5 < only_costly
