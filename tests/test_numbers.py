"""Tests of the built-in NUMBER type: grammar/numbers.lark, its finder and engine/numbers.py."""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.grammar_types import GrammarSpan, number_type
from engine.numbers import QUALIFIER_BOUNDS, Bound, number_dict

FIXTURES = Path(__file__).parent / "fixtures" / "grammars"
TABLE = yaml.safe_load((FIXTURES / "numbers.yaml").read_text(encoding="utf-8"))
ROWS = [row for section in ("amounts", "qualified", "ranges", "vague") for row in TABLE[section]]

UNITS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen \
fifteen sixteen seventeen eighteen nineteen".split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
SCALES = [(1_000_000_000, "billion"), (1_000_000, "million"), (1_000, "thousand")]


def below_thousand(n: int, british: bool) -> str:
    """English words for 1 <= n <= 999 ("two hundred and five" when british)."""
    hundreds, rest = divmod(n, 100)
    words = [f"{UNITS[hundreds]} hundred"] if hundreds else []
    if rest:
        if words and british:
            words.append("and")
        tens, unit = divmod(rest, 10)
        words.append(UNITS[rest] if rest < 20 else TENS[tens] + (f"-{UNITS[unit]}" if unit else ""))
    return " ".join(words)


def to_words(n: int, british: bool = False) -> str:
    """English words for 0 <= n < 10**12."""
    if n == 0:
        return "zero"
    words = []
    for scale, name in SCALES:
        count, n = divmod(n, scale)
        if count:
            words.append(f"{below_thousand(count, british)} {name}")
    if n:
        words.append(below_thousand(n, british))
    return " ".join(words)


def expected(row: list) -> dict:
    _, value, low, high, qualifier = row
    return number_dict(value, low, high, qualifier)


def only_span(text: str) -> GrammarSpan:
    spans = number_type().find(text)
    assert [(s.start, s.end) for s in spans] == [(0, len(text))], spans
    return spans[0]


@pytest.mark.parametrize("row", ROWS, ids=[row[0] for row in ROWS])
def test_number_table(row: list) -> None:
    assert only_span(row[0]).value == expected(row)


@pytest.mark.parametrize("row", ROWS, ids=[row[0] for row in ROWS])
def test_number_found_inside_a_sentence(row: list) -> None:
    text = f"Reports said {row[0]} people."
    (span,) = number_type().find(text)
    assert (span.start, span.text, span.value) == (13, row[0], expected(row))


@pytest.mark.parametrize("text", TABLE["not_numbers"])
def test_not_numbers(text: str) -> None:
    assert number_type().find(text) == []


@pytest.mark.parametrize("case", TABLE["sentences"], ids=lambda c: c["text"][:30])
def test_sentences(case: dict) -> None:
    spans = number_type().find(case["text"])
    assert [(s.text, s.value) for s in spans] == [(r[0], expected(r)) for r in case["spans"]]
    assert all(case["text"][s.start : s.end] == s.text for s in spans)


def test_every_value_has_the_four_keys() -> None:
    for row in ROWS:
        assert set(number_type().parse_value(row[0])) == {"value", "min", "max", "qualifier"}


def test_qualifiers_of_the_grammar_and_the_bounds_table_agree() -> None:
    grammar = (Path(__file__).parents[1] / "grammar" / "numbers.lark").read_text()
    alternatives = re.search(r"^QUALIFIER: /\\b\(\?:(.*)\)\\b/i$", grammar, re.M).group(1)
    prefix_words = {a.replace(r"\s+", " ") for a in alternatives.split("|")}
    postfix_words = {
        f"or {w}" for w in re.search(r"or\\s\+\(\?:(.*?)\)", grammar).group(1).split("|")
    }
    assert prefix_words | postfix_words == set(QUALIFIER_BOUNDS)


def test_number_type_is_cached() -> None:
    assert number_type() is number_type()


def test_parse_value_returns_a_fresh_dict() -> None:
    first = number_type().parse_value("29")
    first["value"] = 0
    assert number_type().parse_value("29")["value"] == 29


def test_word_boundaries_inside_number_words() -> None:
    assert [s.text for s in number_type().find("twohundred two hundred")] == ["two hundred"]
    assert [s.text for s in number_type().find("5million 5 million")] == ["5 million"]


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=999_999_999))
def test_digits_are_one_span(n: int) -> None:
    assert only_span(str(n)).value["value"] == n
    assert only_span(f"{n:,}").value["value"] == n


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=999_999_999), st.booleans())
def test_words_are_one_span(n: int, british: bool) -> None:
    assert only_span(to_words(n, british)).value == number_dict(n)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(min_value=1, max_value=999_999),
    st.sampled_from(sorted(QUALIFIER_BOUNDS)),
    st.booleans(),
)
def test_qualifiers_keep_the_value(n: int, qualifier: str, in_words: bool) -> None:
    amount = to_words(n) if in_words else f"{n:,}"
    text = f"{amount} {qualifier}" if qualifier.startswith("or ") else f"{qualifier} {amount}"
    value = only_span(text).value
    bound = QUALIFIER_BOUNDS[qualifier]
    assert value["value"] == n and value["qualifier"] == qualifier
    assert value["min"] == (n if bound is Bound.LOWER else None)
    assert value["max"] == (n if bound is Bound.UPPER else None)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=10_000))
def test_ranges(low: int, high: int) -> None:
    value = only_span(f"between {low} and {high}").value
    assert value == number_dict(None, min(low, high), max(low, high))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(["29", "two hundred", "several", "the", "a", "of", "-", "and"])))
def test_scan_gives_the_same_spans_as_plain_matching(words: list[str]) -> None:
    text = " ".join(words)
    finder = number_type()
    plain = [m.span() for m in finder._regex.finditer(text) if m.end() > m.start()]
    assert finder._match_offsets(text, None) == plain


@pytest.mark.slow
def test_a_megabyte_of_news_takes_well_under_a_few_seconds() -> None:
    sentences = (FIXTURES / "news_sentences.txt").read_text(encoding="utf-8").splitlines()
    rng = random.Random(7)
    text = " ".join(rng.choice(sentences) for _ in range(10_000))[:1_000_000]
    started = time.perf_counter()
    spans = number_type().find(text, timeout=None)
    elapsed = time.perf_counter() - started
    assert len(spans) > 10_000
    assert elapsed < 5.0, f"NUMBER.find took {elapsed:.2f}s on 1 MB"
