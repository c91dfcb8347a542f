"""Tests of engine.sentences: the labelled example table and partition properties."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from engine.sentences import Sentence, split_sentences
from engine.text import tokenize

FIXTURES = Path(__file__).parent / "fixtures" / "text"
TABLE = yaml.safe_load((FIXTURES / "sentences.yaml").read_text(encoding="utf-8"))


def sentence_texts(text: str) -> list[str]:
    """The text of each sentence of `text`."""
    return [text[s.start : s.end] for s in split_sentences(text, tokenize(text))]


@pytest.mark.parametrize("row", [pytest.param(r, id=r["label"]) for r in TABLE])
def test_sentence_table(row: dict) -> None:
    assert sentence_texts(row["text"]) == row["sentences"]


def test_sentence_fields() -> None:
    text = "Two died. Three fled."
    tokens = tokenize(text)
    assert split_sentences(text, tokens) == [Sentence(0, 9, 0, 3), Sentence(10, 21, 3, 6)]


def test_no_tokens_no_sentences() -> None:
    assert split_sentences("", []) == []
    assert split_sentences(" \n\n ", tokenize(" \n\n ")) == []


def test_sentences_of_a_token_range() -> None:
    text = "Skip this. Two died. Three fled."
    tokens = tokenize(text, 11)
    spans = [(s.first_token, s.last_token) for s in split_sentences(text, tokens)]
    assert spans == [(0, 3), (3, 6)]


# --- properties ----------------------------------------------------------------------------

# fmt: off
PIECES = [
    " ", " ", " ", "\n", "\n\n", "\r\n", "\u2029", ".", "?", "!", "...", "…", '"', "“", "”", "'",
    "(", ")", ",", ":", "Gen.", "U.S.", "J.", "etc.", "No.", "3.5", "1,200", "24-11-2024",
    "06:30", "AM", "The", "the", "Army", "killed", "fighters", "He", "said", "؟", "قتل", "\u200b",
]
# fmt: on
texts = st.one_of(
    st.text(),
    st.lists(st.sampled_from(PIECES), max_size=60).map("".join),
)


@given(texts)
def test_sentences_partition_the_tokens(text: str) -> None:
    tokens = tokenize(text)
    sentences = split_sentences(text, tokens)
    expected_first = 0
    for sentence in sentences:
        assert sentence.first_token == expected_first < sentence.last_token
        assert sentence.start == tokens[sentence.first_token].start
        assert sentence.end == tokens[sentence.last_token - 1].end
        expected_first = sentence.last_token
    assert expected_first == len(tokens)


@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_blank_lines_always_break(text: str) -> None:
    tokens = tokenize(text)
    for sentence in split_sentences(text, tokens):
        inner = text[sentence.start : sentence.end]
        assert "\n\n" not in inner and "\u2029" not in inner and "\r\n\r\n" not in inner
