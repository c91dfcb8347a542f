"""Tests of the lexicon trie: term keys, joiners, longest entry per type, independent types."""

from __future__ import annotations

import pytest

from engine.lexicon import LexEntry, LexiconIndex, term_key
from engine.text import tokenize


def index_of(*entries: tuple[str, str, str]) -> LexiconIndex:
    """An index of (type, term, canonical name) entries, in declaration order."""
    index = LexiconIndex()
    for type_name, term, name in entries:
        index.add(term, LexEntry(type_name, name, {"from": term}))
    return index


def hits(index: LexiconIndex, text: str) -> list[tuple[str, str, str]]:
    """(type, matched text, canonical name) of every hit, in order."""
    tokens = tokenize(text)
    return [(h.entry.type, text[tokens[h.first].start:tokens[h.last - 1].end], h.entry.name)
            for h in index.find(tokens)]


@pytest.mark.parametrize(("term", "key"), [
    ("Deir Ezzor", ("deir", "ezzor")),
    ("Deir-Ezzor", ("deir", "ezzor")),
    ("DEIR  EZZOR", ("deir", "ezzor")),
    ("Al-'Ajrawi", ("al", "ajrawi")),
    ("Ma\u2019arrat al-Nu\u2019man", ("ma", "arrat", "al", "nu", "man")),
    ("Ma\u02bfarrat al Nu\u02bfman", ("ma", "arrat", "al", "nu", "man")),
    ("\u201cHayat\u201d Tahrir", ("hayat", "tahrir")),
    ("Ḥamāh", ("hamah",)),
    ("U.S.", ("u", ".", "s", ".")),
    ("-", ()),
])
def test_term_key(term: str, key: tuple[str, ...]) -> None:
    assert term_key(term) == key


def test_term_without_words_is_refused() -> None:
    index = LexiconIndex()
    assert index.add("' -", LexEntry("PLACE", "x")) is False
    assert index.size == 0


@pytest.mark.parametrize("text", [
    "Deir Ezzor", "Deir-Ezzor", "deir ezzor", "DEIR - EZZOR", "Deir\u2011Ezzor", "Deir\u00a0Ezzor",
])
def test_joiner_and_case_variants_match(text: str) -> None:
    index = index_of(("PLACE", "Deir Ezzor", "Deir ez-Zor"))
    assert hits(index, f"near {text}.") == [("PLACE", text, "Deir ez-Zor")]


def test_joiner_outside_a_term_is_not_swallowed() -> None:
    index = index_of(("PLACE", "Deir Ezzor", "Deir ez-Zor"))
    assert hits(index, "-Deir Ezzor- said") == [("PLACE", "Deir Ezzor", "Deir ez-Zor")]


def test_longest_entry_wins_per_type() -> None:
    index = index_of(("PLACE", "Deir Ezzor", "Deir ez-Zor"),
                     ("PLACE", "Deir Ezzor-Hasaka Highway", "Deir Ezzor-Hasaka Highway"),
                     ("PLACE", "Hasaka", "Al-Hasakah"))
    assert hits(index, "on the Deir Ezzor-Hasaka Highway near Hasaka") == [
        ("PLACE", "Deir Ezzor-Hasaka Highway", "Deir Ezzor-Hasaka Highway"),
        ("PLACE", "Hasaka", "Al-Hasakah"),
    ]


def test_prefix_of_a_longer_entry_falls_back_to_the_shorter() -> None:
    index = index_of(("PLACE", "Deir Ezzor", "Deir ez-Zor"),
                     ("PLACE", "Deir Ezzor-Hasaka Highway", "Highway"))
    assert hits(index, "Deir Ezzor-Hasaka road") == [("PLACE", "Deir Ezzor", "Deir ez-Zor")]


def test_spans_of_one_type_do_not_overlap_leftmost_first() -> None:
    index = index_of(("ACTOR", "Free Syrian", "A"), ("ACTOR", "Syrian Army", "B"))
    assert hits(index, "the Free Syrian Army") == [("ACTOR", "Free Syrian", "A")]


def test_types_are_independent() -> None:
    index = index_of(("PLACE", "Deir Ezzor", "Deir ez-Zor"),
                     ("ROAD", "Deir Ezzor-Hasaka Highway", "M7"),
                     ("TOWN", "Ezzor", "Ezzor town"))
    assert hits(index, "the Deir Ezzor-Hasaka Highway") == [
        ("PLACE", "Deir Ezzor", "Deir ez-Zor"),
        ("ROAD", "Deir Ezzor-Hasaka Highway", "M7"),
        ("TOWN", "Ezzor", "Ezzor town"),
    ]


def test_first_declared_entry_wins_on_a_shared_key() -> None:
    index = index_of(("PLACE", "Tabqa", "Tabqa"), ("PLACE", "TABQA", "Al-Thawra"),
                     ("ACTOR", "Tabqa", "Tabqa brigade"))
    assert hits(index, "in Tabqa") == [("PLACE", "Tabqa", "Tabqa"),
                                       ("ACTOR", "Tabqa", "Tabqa brigade")]
    assert index.size == 2
    assert index.types == {"PLACE", "ACTOR"}


def test_find_within_a_token_range() -> None:
    index = index_of(("PLACE", "Hama", "Hama"))
    tokens = tokenize("Hama and Hama and Hama")
    assert [(h.first, h.last) for h in index.find(tokens, 1, 4)] == [(2, 3)]


def test_entry_value_is_name_and_attributes() -> None:
    entry = LexEntry("PLACE", "Hama", {"kind": "city", "lat": 35.13})
    assert entry.value() == {"name": "Hama", "kind": "city", "lat": 35.13}
