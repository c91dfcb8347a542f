"""Tests of engine.sentence_spans: on every text it gives the spans of the token-based splitter."""

from __future__ import annotations

import csv
import itertools
import re
import sys
from pathlib import Path

import pytest
import regex
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine.sentence_spans as fast
from engine import sentences
from engine.sentence_spans import sentence_spans
from engine.text import tokenize

# The public function, and its windowed path alone (it tokenizes texts dense with stops whole).
SPLITTERS = [sentence_spans, fast._windowed_spans]

FIXTURES = Path(__file__).parent / "fixtures" / "text"
FAKES = Path(__file__).resolve().parents[2] / "shared" / "data" / "fakes" / "dev.csv"


def reference(text: str) -> list[tuple[int, int]]:
    """The spans of the token-based splitter."""
    return [(s.start, s.end) for s in sentences.split_sentences(text, tokenize(text))]


def fixture_texts() -> list[tuple[str, str]]:
    """(id, text) of every text in the text fixtures: this module's own and the splitter's."""
    texts = []
    for name in ("sentence_spans", "sentences", "tokens", "forms"):
        rows = yaml.safe_load((FIXTURES / f"{name}.yaml").read_text(encoding="utf-8"))
        texts.extend((f"{name}: {row['label']}", row["text"]) for row in rows)
    return texts


def same_spans(text: str) -> bool:
    """Whether both splitters give the reference's spans."""
    expected = reference(text)
    return all(split(text) == expected for split in SPLITTERS)


@pytest.mark.parametrize(("label", "text"), fixture_texts(), ids=[t[0] for t in fixture_texts()])
def test_fixture_texts(label: str, text: str) -> None:
    assert same_spans(text)


@pytest.mark.parametrize("split", SPLITTERS)
def test_no_tokens_no_spans(split) -> None:
    assert split("") == []
    assert split(" \n\n\u00ad\u200b\t") == []


@pytest.mark.parametrize("split", SPLITTERS)
def test_spans_of_a_simple_text(split) -> None:
    assert split("  Two died.  Three fled. \n") == [(2, 11), (13, 24)]


# --- the plain case, decided without tokens ------------------------------------------------

PLAIN_WORDS = sorted(
    sentences._BOUND_ABBREVIATIONS
    | sentences._WEAK_ABBREVIATIONS
    | sentences._NUMBER_ABBREVIATIONS
    | {"killed", "army", "said", "i", "a", "x", "z"}
)
PLAIN_RUNS = [".", "?", "!", ".)", '."', ".'", ".]", '!"', "?)"]
PLAIN_NEXT = ["The", "the", "He", "Army", "army", "5", "12", "In", "I", "A", "a", "But", "Five"]
OPENINGS = ["", '"', "(", "'", "["]


@pytest.mark.parametrize("word", [w for w in PLAIN_WORDS if w.isalpha()])
def test_plain_stops_after_every_listed_word(word: str) -> None:
    combos = itertools.product([word, word.capitalize(), word.upper()], PLAIN_RUNS, PLAIN_NEXT)
    text = " ".join(f"{w}{run} {nxt}" for w, run, nxt in combos)
    assert same_spans(text)
    combos = itertools.product(PLAIN_RUNS, OPENINGS, ["The", "the", "5", "Army"])
    assert same_spans(" ".join(f"{word}{run} {opening}{nxt}" for run, opening, nxt in combos))


@pytest.mark.parametrize("joint", [" ", "\n", "\n\n", " \r\n"])
@pytest.mark.parametrize("number", ["5", "2017"])
def test_plain_stops_after_numbers(number: str, joint: str) -> None:
    combos = itertools.product(PLAIN_RUNS, OPENINGS, ["The", "the", "5", "Army", "Art"])
    text = joint.join(f"{number}{run} {opening}{nxt}" for run, opening, nxt in combos)
    assert same_spans(text)


PLAIN_STEMS = ["U.N", "u.s", "e.g", "i.e", "J.R", "a.m", "U.S.A", "Ab.C", "A.5", "5", "2017"]
PLAIN_STEMS += ["No", "Art", "Gen", "etc", "killed", "x"]


@pytest.mark.parametrize("joint", [" ", "\n\n"])
@pytest.mark.parametrize("prefix", ["", "al-", "U.S.-", "3-", "-", '"', "a.", "\u00e9", "2", "_"])
def test_plain_stops_after_hyphens_and_acronyms(prefix: str, joint: str) -> None:
    nexts = ["The", "the", "5", "Army", "In"]
    combos = itertools.product(PLAIN_STEMS, PLAIN_RUNS, ["", "("], nexts)
    text = joint.join(f"{prefix}{stem}{run} {opening}{nxt}" for stem, run, opening, nxt in combos)
    assert same_spans(text)


def test_plain_text_is_split_without_tokenizing(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setattr(fast, "tokenize", lambda *args: calls.append(args) or tokenize(*args))
    text = (
        "Five soldiers were killed on the road. Three others were wounded near the border! "
        'Who fired first? Nobody knows. "Nobody," one said. It was 2024. (They left.) The end.'
    )
    assert sentence_spans(text) == reference(text)
    assert calls == []


def test_text_dense_with_stops_is_tokenized_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setattr(fast, "tokenize", lambda *args: calls.append(args) or tokenize(*args))
    text = "1.5 2.5. 3. A. B.\nC."
    assert sentence_spans(text) == reference(text)
    assert calls == [(text,)]


# --- the character classes agree with the tokenizer and the splitter -----------------------

ALL_CHARACTERS = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000)


def test_line_break_characters_are_the_splitter_s() -> None:
    found = set(fast._LINE_BREAK_CHAR_RE.findall(ALL_CHARACTERS))
    assert found == set(sentences._LINE_BREAK_RE.findall(ALL_CHARACTERS))


def test_plain_case_characters_are_read_alike_by_the_splitter() -> None:
    gap = regex.compile(f"{fast._GAP_CHAR}+", regex.V1)
    assert gap.fullmatch("".join(re.findall(fast._PLAIN_GAP, ALL_CHARACTERS)))
    word_char = regex.compile(r"[\p{L}\p{M}\p{N}_\xad]", regex.V1)
    word_ends = re.findall(f"{fast._WORD_END}(.)", ALL_CHARACTERS, re.VERBOSE | re.DOTALL)
    assert not word_char.search("".join(word_ends))
    number_ends = re.findall(f"{fast._NUMBER_END}(.)", ALL_CHARACTERS, re.VERBOSE | re.DOTALL)
    assert not regex.search(r"[.,:\u066b\u066c]", "".join(number_ends))
    assert not word_char.search("".join(number_ends))


def test_cut_characters_are_never_in_a_token() -> None:
    cuts = regex.compile(fast._CUT, regex.V1)
    text = "".join(f"a{c}b 5{c}5 3.5{c}a .{c}\u0301 {c}" for c in cuts.findall(ALL_CHARACTERS))
    covered = "".join(text[t.start : t.end] for t in tokenize(text))
    assert not cuts.search(covered)


def test_characters_out_of_gaps_are_always_in_a_token() -> None:
    text = " ".join(ALL_CHARACTERS[:0xF800])
    uncovered = list(text)
    for token in tokenize(text):
        uncovered[token.start : token.end] = [" "] * (token.end - token.start)
    gap = regex.compile(f"{fast._GAP_CHAR}*", regex.V1)
    assert gap.fullmatch("".join(uncovered))


# --- properties ----------------------------------------------------------------------------

# fmt: off
PIECES = [
    " ", " ", " ", "  ", "\t", "\n", "\n", "\n\n", "\r\n", "\r", "\r\n\r\n", "\u2029", "\u2028",
    "\f", "\v", "\x85", "\x1c", ".", "?", "!", "...", "…", "。", "।", "؟", "۔", "‼", "．", '"', "“",
    "”", "'", "‘", "’", "«", "»", "(", ")", "[", "]", ",", ":", ";", "-", "—", "Gen.", "U.S.",
    "U.S", "J.", "J. R.", "etc.", "No.", "No. 5", "e.g.", "a.m.", "3.5", "1,200", "5.", "2. ",
    "12", "2nd", "٣", "24-11-2024", "06:30", "AM", "Monday, 3 March 2025", "March 3, 2025",
    "The", "the", "Army", "killed", "He", "said", "But", "In", "of", "month.They", "news.org",
    "قتل", "中国", "Мир", "\u200b", "\u00ad", "a\u00adb", "3.5\u00adab", "5\u00ad", "\u00a0",
    "\ufeff", "\x00", "😀", "👍🏽", "e\u0301", "\u0301", "ʼ", "Sanaʼa", "_", "x" * 45,
    "Shelling continued through the night in the eastern districts of the city", "( ( (",
    '« ( "',
]
DATES = ["24-11-2024 06:30 AM", "Monday, 3 March 2025", "March 3, 2025", "Tue 05 Apr 2017", "3/4/5"]
RUNS = [".", "?", "!", ".)", '."', ".'", ".]", ".”", "…", "..", "?!", ".\u0301", "。"]
# fmt: on
WORDS = sorted(sentences._OPENERS | sentences._CONNECTORS) + PLAIN_WORDS
CASES = [str.lower, str.capitalize, str.upper]
SEPARATORS = st.sampled_from([" ", " ", " ", "", "\n", "  ", "\n\n", "\u00a0"])
LINE_BREAKS = st.sampled_from(["\n", "\n", "\r\n", "\n\n", " \n ", "\n\u00ad\n", "\u2028"])

words = st.builds(lambda w, case: case(w), st.sampled_from(WORDS), st.sampled_from(CASES))
stops = st.builds(lambda w, run: w + run, words, st.sampled_from(RUNS))
fragments = st.one_of(st.sampled_from(PIECES), words, stops)
soups = st.lists(st.tuples(fragments, SEPARATORS), max_size=50).map(
    lambda pairs: "".join(a + b for a, b in pairs)
)
lines = st.lists(fragments, max_size=25).map(" ".join)
dated_lines = st.builds(lambda date, line: f"{date} {line}", st.sampled_from(DATES), lines)


@st.composite
def layouts(draw: st.DrawFn) -> str:
    """Lines of random widths joined by line breaks: headlines, datelines, wrapped paragraphs."""
    width = draw(st.integers(10, 130))
    text, line = "", ""
    for word in draw(st.lists(fragments, max_size=60)):
        if line and len(line) + 1 + len(word) > width:
            text, line = text + line + draw(LINE_BREAKS), word
        else:
            line = f"{line} {word}" if line else word
    return text + line


# Paragraphs mostly of wide lines, whose single line breaks are decided one by one.
WIDE = "Fighters entered the town on Monday after a week of shelling that forced residents to flee"
NARROW = st.sampled_from(
    ["Rebels Take Town", "By Staff Writer", "in the city of", "( the", "2. Hama", "Art. 5", "AM"]
)
narrow_lines = st.one_of(NARROW, dated_lines.filter(lambda line: len(line) <= 100))
wide_lines = st.builds(lambda line, tail: f"{WIDE} {line}{tail}", lines, st.sampled_from(["", "."]))
wide_paragraphs = st.lists(st.one_of(wide_lines, narrow_lines), min_size=2, max_size=8).map(
    "\n".join
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=60), soups))
def test_same_spans_on_fragment_soups(text: str) -> None:
    assert same_spans(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        layouts(),
        st.lists(st.one_of(lines, dated_lines), max_size=8).map("\n".join),
        wide_paragraphs,
    )
)
def test_same_spans_on_line_layouts(text: str) -> None:
    assert same_spans(text)


# --- a real corpus -------------------------------------------------------------------------


@pytest.mark.skipif(not FAKES.exists(), reason="the FA-KES corpus is not in /work/shared/data")
def test_same_spans_on_every_corpus_article() -> None:
    with FAKES.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    texts = [row[column] for row in rows for column in ("article_title", "article_content")]
    assert [t for t in texts if not same_spans(t)] == []
