"""The voice classifier's lexical features are scikit-learn's, value for value.

The shipped heads were trained on scikit-learn's hashed character n-grams;
earshot/voice/model.py computes them without importing scikit-learn. These
tests hold the two to the same matrices on every training text and on the
shapes of text that trip tokenisers up.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import sparse

from earshot.voice import model
from earshot.voice.training import TRAINING_DIR

AWKWARD = [
    "",
    "   ",
    "a",
    "ab",
    "abc",
    "OK",
    "Ünïcödé wörds, ÀÉÎ and İstanbul",
    "straße ǅ ﬁne",
    "tab\tseparated\nand  double  spaced",
    "\u00a0non-breaking\u2003em space\u3000ideographic",
    "file\x1cseparator\x1dgroup",
    "emoji 😀👍🏽 ok 🇬🇧",
    "x" * 60,
    "don't! can't?? 10/10 — 5* £20.99 #1",
    "日本語のレビュー、とても良い",
]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    found = []
    for path in sorted(TRAINING_DIR.glob("*.jsonl")):
        with path.open() as lines:
            found.extend(json.loads(line)["text"] for line in lines if line.strip())
    assert len(found) > 1000
    return found + AWKWARD


def same(ours: sparse.csr_matrix, theirs: sparse.csr_matrix) -> None:
    assert ours.shape == theirs.shape
    assert np.array_equal(ours.indptr, theirs.indptr)
    assert np.array_equal(ours.indices, theirs.indices)
    assert ours.data.dtype == theirs.data.dtype
    assert np.array_equal(ours.data, theirs.data)


def test_lexical_counts_are_scikit_learn_s_hashed_character_ngrams(texts: list[str]) -> None:
    from sklearn.feature_extraction.text import HashingVectorizer

    hasher = HashingVectorizer(
        analyzer="char_wb",
        ngram_range=(3, 5),
        n_features=model.LEXICAL_FEATURES,
        alternate_sign=False,
        norm=None,
        lowercase=True,
    )
    theirs = hasher.transform(texts).tocsr()
    theirs.data = np.log1p(theirs.data)

    same(model.lexical_counts(texts), theirs)


def test_a_word_counts_the_same_alone_or_repeated_among_others() -> None:
    alone = model.lexical_counts(["zip"])
    among = model.lexical_counts(["the zip broke", "zip zip zip"])

    assert set(alone.indices) <= set(among[0].indices)
    assert np.allclose(among[1].data, np.log1p(3))
    assert sorted(among[1].indices) == sorted(alone.indices)


def test_unit_rows_are_scikit_learn_s_normalize(texts: list[str]) -> None:
    from sklearn.preprocessing import normalize

    idf = model.inverse_document_frequency(model.lexical_counts(texts[::2]))
    weighted = model.lexical_counts(texts).multiply(idf)

    ours = model.unit_rows(weighted)

    same(ours, normalize(weighted.tocsr()))
    lengths = np.sqrt(np.asarray(ours.multiply(ours).sum(axis=1)).ravel())
    assert np.allclose(lengths[lengths > 0], 1.0)
    assert (lengths == 0).any()  # the empty texts: a row of zeros stays one


def test_reading_a_text_imports_no_scikit_learn() -> None:
    import subprocess
    import sys

    program = (
        "import sys\n"
        "from earshot.voice import model\n"
        "model.unit_rows(model.lexical_counts(['the zip broke']))\n"
        "print(sorted(m for m in sys.modules if m.startswith('sklearn')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
