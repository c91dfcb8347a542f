"""Plain words hold every prefilter word and pair that the token folds of plain ASCII text hold."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.plain_words import PlainWords
from engine.sentence_spans import sentence_spans
from engine.text import token_fold_list

LETTER_WORDS = ["killed", "in", "hama", "s", "t", "were", "km", "_", "the", "don", "u"]
PUNCTUATION = ["'", ",", "-", "."]
# Pieces around the cases where a token is not a plain run: numbers glued to words, backticks
# as apostrophes, dotted acronyms, hyphens, underscores, controls.
PIECES = ["Killed", "killed", "KILLED", "in", "IN", "Hama", "hama's", "`s", "'", "s", ",",
          "were", "5", "3.5", "km", "5km", "2.5killed", "1,200in", "_", "_in", "the", "x",
          "don't", "U.S.", "al-Hama", "Hama-", " ", "  ", "\n", "\t", "\x1d", "\x7f", ".",
          "-", "(", "2016", "1,200", "killed,in", "in5", "kill3d"]


def _plain(pairs: list[tuple[str, str]]) -> PlainWords:
    plain = PlainWords.build(LETTER_WORDS + PUNCTUATION + ["ḥalab"], pairs)
    assert plain is not None
    return plain


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_plain_words_hold_every_word_and_pair_of_each_sentence(pieces) -> None:
    pairs = [(a, b) for a in LETTER_WORDS for b in LETTER_WORDS]
    plain = _plain(pairs)
    text = "".join(pieces)
    blanked = plain.blank(text)
    assert blanked is not None and len(blanked) == len(text)
    vocabulary = set(LETTER_WORDS + PUNCTUATION)
    for start, end in [(0, len(text)), *sentence_spans(text)]:
        runs = blanked[start:end].split()
        folds = token_fold_list(text, start, end)
        assert {f for f in folds if f in vocabulary} <= plain.words(runs, text[start:end])
        assert set(pairwise(folds)) & set(pairs) <= plain.pairs(runs)
        assert plain.pairs_of_pair_words(runs) == plain.pairs(runs) & set(pairs)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(LETTER_WORDS + ["x", "y"]), max_size=30),
       st.lists(st.tuples(st.sampled_from(LETTER_WORDS), st.sampled_from(LETTER_WORDS)),
                max_size=6))
def test_pairs_of_pair_words_are_the_adjacent_runs_among_them(runs, pairs) -> None:
    plain = _plain(pairs)
    members = {word for pair in pairs for word in pair}
    expected = {(a, b) for a, b in pairwise(runs) if a in members and b in members}
    assert plain.pairs_of_pair_words(runs) == expected


def test_pairs_from_runs_only_for_pairs_of_letter_words() -> None:
    assert _plain([("killed", "in")]).pairs_from_runs
    assert not _plain([("hama", ",")]).pairs_from_runs
    assert _plain([("ḥalab", ",")]).pairs_from_runs  # never in ASCII text: no matter


def test_words_that_are_not_plain_runs_need_the_token_folds() -> None:
    for word in ["5", "f16", "u.s", "...", "'s", "5km"]:
        assert PlainWords.build(["killed", word]) is None, word
    assert PlainWords.build(["killed", "ḥalab", "_"]) is not None


def test_only_ascii_text_is_blanked() -> None:
    assert PlainWords.blank("Killed in Hama, 3.5km away") == "killed in hama" + " " * 5 + "km away"
    assert PlainWords.blank("Killed in Ḥalab") is None


def test_a_backtick_reads_as_an_apostrophe() -> None:
    plain = _plain([])
    assert "'" in plain.words([], "Hama`s")
    assert "'" not in plain.words([], "Hama")
