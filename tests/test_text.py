"""Tests of engine.text: normalize, fold and the tokenizer, from fixture tables and properties."""

from __future__ import annotations

import dataclasses
import pickle
import unicodedata
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from engine import text as text_module
from engine.text import Token, TokenKind, fold, normalize, tokenize

FIXTURES = Path(__file__).parent / "fixtures" / "text"
KIND_LETTERS = {"W": TokenKind.WORD, "N": TokenKind.NUMBER, "P": TokenKind.PUNCT}


def load_table(name: str) -> list[dict]:
    """A labelled example table from the text fixtures."""
    return yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))


def labelled(rows: list[dict]) -> list:
    """Rows as pytest params, each identified by its label."""
    return [pytest.param(row, id=row["label"]) for row in rows]


@pytest.mark.parametrize("row", labelled(load_table("tokens.yaml")))
def test_token_table(row: dict) -> None:
    tokens = tokenize(row["text"])
    assert [t.text for t in tokens] == row["tokens"]
    if "kinds" in row:
        assert [t.kind for t in tokens] == [KIND_LETTERS[k] for k in row["kinds"]]


@pytest.mark.parametrize("row", labelled(load_table("forms.yaml")))
def test_forms_table(row: dict) -> None:
    assert normalize(row["text"]) == row["norm"]
    assert fold(row["text"]) == row["fold"]


def test_token_fields() -> None:
    text = "  “Ḥalab” fell"
    first, word, *_ = tokenize(text)
    assert first == Token(2, 3, "“", '"', '"', TokenKind.PUNCT)
    assert (word.start, word.end, word.text) == (3, 8, "Ḥalab")
    assert (word.norm, word.fold, word.kind) == ("Ḥalab", "halab", TokenKind.WORD)
    with pytest.raises(dataclasses.FrozenInstanceError):
        word.start = 0  # type: ignore[misc]


def test_tokens_pickle_and_compare_like_constructed_ones() -> None:
    tokens = tokenize("Gen. Ḥaddad: 1,200 “fighters”")
    rebuilt = [Token(t.start, t.end, t.text, t.norm, t.fold, t.kind) for t in tokens]
    assert tokens == rebuilt
    assert pickle.loads(pickle.dumps(tokens)) == tokens
    assert hash(tokens[0]) == hash(rebuilt[0])


def test_tokenize_range_keeps_document_offsets() -> None:
    text = "Two killed. Five wounded in Kabul."
    tokens = tokenize(text, 12, 25)
    assert [t.text for t in tokens] == ["Five", "wounded"]
    assert tokens[0].start == 12
    assert tokenize(text, 12) == tokenize(text)[3:]


def test_tokenize_empty_and_blank() -> None:
    assert tokenize("") == []
    assert tokenize(" \n\t\u200b\x00 ") == []


def test_sentence_api_is_reexported() -> None:
    from engine import sentences

    assert text_module.split_sentences is sentences.split_sentences
    assert text_module.Sentence is sentences.Sentence
    with pytest.raises(AttributeError):
        text_module.no_such_name  # noqa: B018


# --- properties ----------------------------------------------------------------------------

# fmt: off
NEWS_PIECES = [
    "Gen.", " ", "\n", "\n\n", "U.S.", "1,200", "3.5", "F-16", "“", "”", '"', "'", "’", "—",
    "killed", "Ḥalab", "ﬁ", "ß", "\u200b", "\u00ad", "\x1a", "\u0301", "...", "?", "!", ".",
    "(", ")", "24-11-2024", "The", "said", "ـ", "ﷺ", "¨", "\r\n", "\u2029", "٣٫٥", "AM",
]
# fmt: on
texts = st.one_of(
    st.text(),
    st.text(st.characters(blacklist_categories=())),
    st.lists(st.sampled_from(NEWS_PIECES), max_size=40).map("".join),
)


def _forbidden_in_token(ch: str) -> bool:
    """Characters that separate tokens and must never appear inside one."""
    category = unicodedata.category(ch)
    return ch.isspace() or category == "Cc" or (category == "Cf" and ch != "\u00ad")


@given(texts)
def test_tokens_are_ordered_exact_and_clean(text: str) -> None:
    previous_end = 0
    for token in tokenize(text):
        assert previous_end <= token.start < token.end
        assert text[token.start : token.end] == token.text
        assert not any(_forbidden_in_token(ch) for ch in token.text)
        assert not any(ch < " " for ch in token.norm + token.fold)
        assert not any(ch.isspace() for ch in token.fold)
        assert token.fold
        previous_end = token.end


@given(texts)
def test_token_forms_agree_with_the_functions(text: str) -> None:
    normalized = normalize(text)
    for token in tokenize(text):
        assert token.norm == normalize(token.text) == normalized[token.start : token.end]
        assert token.fold == fold(token.text)


@given(texts)
def test_normalize_keeps_length(text: str) -> None:
    assert len(normalize(text)) == len(text)


@given(texts)
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@given(st.text(st.characters(max_codepoint=127)))
def test_fold_ascii_shortcut_agrees_with_the_general_path(text: str) -> None:
    assert fold(text) == text_module._fold_normalized(normalize(text))


@given(texts)
def test_non_separators_are_all_covered(text: str) -> None:
    covered = set()
    for token in tokenize(text):
        covered.update(range(token.start, token.end))
    for i, ch in enumerate(text):
        if i not in covered:
            assert _forbidden_in_token(ch) or ch == "\u00ad"


ascii_texts = st.one_of(
    st.text(st.characters(max_codepoint=127)),
    st.lists(st.sampled_from(["3", ".", "5", "km", ",", ":", "`", "_", "a1", "1a", " ", "\x1d",
                              "Hama", "U.S.", "\n"]), max_size=30).map("".join),
)


@given(st.one_of(texts, ascii_texts), st.data())
def test_token_fold_list_equals_the_folds_of_the_tokens(text: str, data) -> None:
    """The fold list (with its ASCII shortcut) is what tokenizing a range and folding gives."""
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    expected = [token.fold for token in tokenize(text, start, end)]
    assert text_module.token_fold_list(text, start, end) == expected


@given(ascii_texts)
def test_ascii_shortcut_tokenizes_like_the_general_pattern(text: str) -> None:
    general = [(m.span(), m.lastgroup) for m in text_module._TOKEN_RE.finditer(text)]
    assert [((t.start, t.end), t.kind.value) for t in tokenize(text)] == general


@given(st.one_of(texts, ascii_texts), st.data())
def test_fold_lists_of_many_spans_equal_one_by_one(text: str, data) -> None:
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=6)))
    spans = list(zip(cuts[::2], cuts[1::2], strict=False))
    assert text_module.token_fold_lists(text, spans) == [
        text_module.token_fold_list(text, a, b) for a, b in spans]
