"""Pair clauses: which adjacent token pairs a pattern needs, and how the matcher uses them."""

from __future__ import annotations

import pytest

import engine
from engine.adjacency import MAX_PAIRS, pair_clauses
from engine.parse import Parser

MACROS = {"DIED": Parser().parse("(killed | died)")}


def clauses(pattern: str) -> set[frozenset[tuple[str, str]]]:
    return set(pair_clauses(Parser().parse(pattern), MACROS.get))


def pairs(*items: tuple[str, str]) -> frozenset[tuple[str, str]]:
    return frozenset(items)


def test_a_literal_sequence_needs_each_pair() -> None:
    assert clauses("Civilians were killed") == {pairs(("civilians", "were")),
                                                pairs(("were", "killed"))}


def test_an_optional_word_offers_both_neighbours() -> None:
    assert clauses("{n:NUMBER} civilians (were)? killed") == {
        pairs(("civilians", "were"), ("civilians", "killed"))}


@pytest.mark.parametrize("pattern", [
    "{p:PLACE} city",          # a typed capture: any token
    "killed ... in",           # a skip may put anything between
    "killed _ in",             # any one token
    "killed /in|at/",          # a token class
    "killed !(in) Hama",       # any token but one
    "(killed)? in",            # the first word may be absent
])
def test_no_clause_where_the_next_token_is_unknown(pattern: str) -> None:
    assert clauses(pattern) == set()


def test_zero_width_items_keep_neighbours_adjacent() -> None:
    assert clauses("killed (?= in) (?<! no) in $") == {pairs(("killed", "in"))}


def test_alternatives_give_the_union_of_their_clauses() -> None:
    assert clauses("(death toll | toll rose)") == {pairs(("death", "toll"), ("toll", "rose"))}
    assert clauses("(death toll | toll)") == set()  # the second option needs no pair


def test_macros_and_inflections_are_followed() -> None:
    assert clauses("were @DIED") == {pairs(("were", "killed"), ("were", "died"))}
    assert pairs(("civilians", "die"), ("civilians", "died")) <= next(iter(
        clauses("civilians die~")))


def test_a_clause_of_too_many_pairs_is_dropped() -> None:
    words = " | ".join(f"w{n}" for n in range(MAX_PAIRS + 1))
    assert clauses(f"killed ({words})") == set()


def test_sentences_without_the_adjacent_words_are_not_even_tokenized(tmp_path) -> None:
    (tmp_path / "rules.yaml").write_text(
        "rules:\n  - name: r\n    pattern: 'civilians (were)? killed'\n", encoding="utf-8")
    pack = engine.load(tmp_path, cache=False)
    run = pack.run("Killed were the civilians. Then civilians were killed.")
    assert run.active == [1]
    assert [m.text for m in run.matches] == ["civilians were killed"]
    exhaustive = pack.run("Killed were the civilians. Then civilians were killed.",
                          exhaustive=True)
    assert [m.text for m in exhaustive.matches] == ["civilians were killed"]


def test_a_document_no_rule_can_match_is_not_split_or_tokenized(tmp_path, monkeypatch) -> None:
    (tmp_path / "rules.yaml").write_text(
        "rules:\n  - name: r\n    pattern: 'civilians (were)? killed'\n", encoding="utf-8")
    pack = engine.load(tmp_path, cache=False)
    run = pack.run("Calm returned. Nothing else happened.")
    assert run.skipped and run.matches == [] and run.tokens == []
    assert [(s.start, s.end) for s in run.sentences] == [(0, 14), (15, 37)]  # on demand
    assert not pack.run("Then civilians were killed.").skipped
    assert not pack.run("Calm returned.", exhaustive=True).skipped
    monkeypatch.setenv("RULECRAFT_NO_ACCEL", "1")  # without the accelerator, pairs count too
    pure = engine.load(tmp_path, cache=False)
    assert pure.run("Killed were the civilians. Nothing else happened.").skipped
    kept = pure.run("Calm returned. Then civilians were killed.")
    assert not kept.skipped and [m.text for m in kept.matches] == ["civilians were killed"]
