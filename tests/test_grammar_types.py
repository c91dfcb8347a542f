"""Tests of grammar types: Lark grammar -> finder regex + parser + named-parts value."""

from __future__ import annotations

import functools
import pickle
from pathlib import Path

import lark
import pytest
import regex
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import CompileError, InputError, Location, MatchTimeout
from engine.grammar_reach import Reach
from engine.grammar_types import (
    GrammarSpan,
    GrammarType,
    grammar_dir,
    named_parts,
    number_type,
    scan_pattern,
)

FIXTURES = Path(__file__).parent / "fixtures" / "grammars"
ERRORS = yaml.safe_load((FIXTURES / "errors.yaml").read_text(encoding="utf-8"))
WS = "%import common.WS\n%ignore WS\n"


def grammar(text: str, **kwargs) -> GrammarType:
    return GrammarType.from_text("T", text, display_name="t.lark", **kwargs)


def texts(grammar_type: GrammarType, text: str) -> list[str]:
    return [span.text for span in grammar_type.find(text)]


@functools.cache
def dateline_type() -> GrammarType:
    return GrammarType.from_file("DATELINE", FIXTURES / "dateline.lark")


@pytest.fixture
def dateline() -> GrammarType:
    return dateline_type()


# --- custom grammars and their named parts ------------------------------------------------------


def test_dateline_spans_and_named_parts(dateline: GrammarType) -> None:
    text = "Filed 24-11-2024 06:30 AM by staff, updated 3/4/2025."
    assert dateline.find(text) == [
        GrammarSpan(
            6,
            25,
            "24-11-2024 06:30 AM",
            {
                "day": "24",
                "month": "11",
                "year": "2024",
                "time": {"hour": "06", "minute": "30", "meridiem": "AM"},
            },
        ),
        GrammarSpan(44, 52, "3/4/2025", {"day": "3", "month": "4", "year": "2025"}),
    ]


def test_dateline_parses_with_lalr(dateline: GrammarType) -> None:
    assert dateline.parser_kind == "lalr"
    assert dateline.parse_value("1-2-2003 4:05 pm")["time"]["meridiem"] == "pm"


def test_dateline_is_not_found_inside_longer_digit_runs(dateline: GrammarType) -> None:
    assert texts(dateline, "ref 124-11-20245 and x24-11-2024") == []


def test_repeated_names_become_a_list() -> None:
    pairs = grammar('start: pair ("," pair)*\npair: KEY "=" /\\d+/\nKEY: /[a-z]+/\n' + WS)
    assert pairs.parse_value("a=1, b=22") == {"pair": ["a=1", "b=22"]}


def test_named_terminals_keep_their_names() -> None:
    pair = grammar('start: KEY "=" VALUE "!"?\nKEY: /[a-z]+/\nVALUE: /\\d+/\n' + WS)
    assert pair.parse_value("a = 12!") == {"KEY": "a", "VALUE": "12"}


def test_leafish_rules_give_their_text_and_aliases_name_parts() -> None:
    items = grammar("start: item+\nitem: /[a-z]+/ -> word\n    | /\\d+/ -> count\n" + WS)
    assert items.parse_value("ab 12 cd") == {"word": ["ab", "cd"], "count": "12"}


def test_a_collapsed_start_rule_keeps_its_name() -> None:
    collapsed = grammar('?start: date\ndate: /\\d\\d/ "." /\\d\\d/\n')
    assert collapsed.parse_value("12.03") == {"date": "12.03"}


def test_named_parts_of_a_hand_made_tree() -> None:
    tree = lark.Tree("start", [lark.Tree("a", [lark.Token("X", "1")]), lark.Token("Y", "2")])
    assert named_parts(tree, "1 2", terminal_names=["Y"]) == {"a": "1", "Y": "2"}


def test_custom_value_builder() -> None:
    upper = grammar('start: "ab"i\n', value_builder=lambda tree, text: text.upper())
    assert [s.value for s in upper.find("Ab, aB")] == ["AB", "AB"]


def test_spans_whose_value_cannot_be_built_are_dropped() -> None:
    def refuse(tree: lark.Tree, text: str) -> str:
        if text == "b":
            raise InputError(None, "no b")
        return text

    picky = grammar('start: "a" | "b"\n', value_builder=refuse)
    assert texts(picky, "a b a") == ["a", "a"]


def test_relative_imports_from_a_file() -> None:
    dates = GrammarType.from_file("SHORTDATE", FIXTURES / "imports.lark")
    assert dates.find("on 3 Mar and 24 nov") == [
        GrammarSpan(3, 8, "3 Mar", {"DAY": "3", "MONTH": "Mar"}),
        GrammarSpan(13, 19, "24 nov", {"DAY": "24", "MONTH": "nov"}),
    ]


def test_ambiguous_grammars_parse_with_earley() -> None:
    ambiguous = grammar('start: a | b\na: "x"\nb: "x"\n')
    assert ambiguous.parser_kind == "earley"
    assert texts(ambiguous, "x y x") == ["x", "x"]


# --- what the finder finds ----------------------------------------------------------------------


def test_literals_are_case_sensitive_unless_marked() -> None:
    assert texts(grammar('start: "Army"\n'), "Army army ARMY") == ["Army"]
    assert texts(grammar('start: "Army"i\n'), "Army army ARMY") == ["Army", "army", "ARMY"]
    assert texts(grammar("start: /arm(y|ies)/i\n"), "Armies army") == ["Armies", "army"]


def test_word_literals_do_not_glue_to_other_words() -> None:
    words = grammar('start: "two"i "hundred"i\n' + WS)
    assert texts(words, "twohundred two hundred Two\n  Hundred") == [
        "two hundred",
        "Two\n  Hundred",
    ]


def test_ebnf_operators() -> None:
    ops = grammar('start: "a"? "b"+ ("c" "d")* "e"~2 "f"~1..2 ["g"]\n' + WS)
    assert texts(ops, "b e e f") == ["b e e f"]
    assert texts(ops, "a b b c d c d e e f f g") == ["a b b c d c d e e f f g"]
    assert texts(ops, "b e f") == []
    assert texts(ops, "b e e f f f") == ["b e e f f"]


def test_templates_are_instantiated() -> None:
    listing = grammar('start: _sep{WORD, ","}\n_sep{x, s}: x (s x)*\n%import common.WORD\n' + WS)
    assert texts(listing, "red, green ,blue") == ["red, green ,blue"]


def test_leftmost_longest_whatever_the_order_of_alternatives() -> None:
    city = grammar('start: "new"i | "new"i "york"i | "new"i "york"i "city"i\n' + WS)
    assert texts(city, "New York City and new York") == ["New York City", "new York"]


def test_spans_do_not_overlap() -> None:
    pairs = grammar("start: INT INT\n%import common.INT\n" + WS)
    assert texts(pairs, "1 2 3 4 5") == ["1 2", "3 4"]


def test_spans_are_aligned_to_words() -> None:
    digits = grammar("start: /\\d+/\n")
    assert texts(digits, "abc123 456 7x -8") == ["456", "8"]
    dash = grammar('start: "-" /\\d+/\n')
    assert texts(dash, "x-5 a -6") == ["-5", "-6"]


def test_spans_do_not_start_or_end_with_ignored_text() -> None:
    optional = grammar('start: "a"? "b" "c"?\n' + WS)
    assert optional.find("x  b  y") == [GrammarSpan(3, 4, "b", {})]


def test_required_words() -> None:
    killed = grammar(
        'start: "killed"i INT? "in" (CITY | "the"i "town"i)\nCITY: "Homs" | "Hama"\n'
        "%import common.INT\n" + WS
    )
    assert killed.required_words == frozenset({"killed", "in"})
    assert texts(killed, "killed 3 in Hama, killed in the town") == [
        "killed 3 in Hama",
        "killed in the town",
    ]
    assert grammar('start: "a" | "b"\n').required_words == frozenset()


def test_finder_pattern_has_no_global_flags_and_can_be_embedded(dateline: GrammarType) -> None:
    embedded = regex.compile(rf"on (?:{dateline.finder_pattern}) at")
    assert embedded.search("filed on 1-2-2003 at noon")


def test_timeout_raises_match_timeout() -> None:
    digits = grammar("start: INT\n%import common.INT\n")
    with pytest.raises(MatchTimeout):
        digits.find("1 " * 200_000, timeout=1e-6)


def test_no_timeout() -> None:
    digits = grammar("start: INT\n%import common.INT\n")
    assert len(digits.find("1 " * 1000, timeout=None)) == 1000


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["1", "24", "-", "/", "2024", "11", ":", "30", "am", "x", " "])))
def test_scan_gives_the_same_spans_as_plain_matching(pieces: list[str]) -> None:
    text = "".join(pieces)
    dates = dateline_type()
    plain = [m.span() for m in dates._regex.finditer(text) if m.end() > m.start()]
    assert dates._match_offsets(text, None) == plain


NUMBER_PIECES = [
    *["one", "Two", "twenty", "five", "ten", "hundred", "thousand", "million", "a", "an"],
    *["half", "quarter", "dozen", "dozens", "of", "and", "or", "to", "more", "so", "between"],
    *["from", "at least", "some", "several", "few", "tens", "hundreds", "\u017fix"],
    *["5", "2016", "1,200", "3.5", "12", "07"],
    *[" ", "  ", "-", " - ", "/", ",", ".", "\n"],
    *["people", "the", "x", "Get", "\u212a"],
]


def plain_spans(grammar_type: GrammarType, text: str) -> list[tuple[int, int]]:
    """The spans of leftmost-longest matching at every position, with no shortcut."""
    return [m.span() for m in grammar_type._regex.finditer(text) if m.end() > m.start()]


def number_with_shortcut() -> GrammarType:
    """NUMBER with its shortcut built now (a run builds it after `SHORTCUT_AFTER` finds)."""
    number = number_type()
    number._prepare_shortcut()
    assert number._reach is not None
    return number


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(NUMBER_PIECES), max_size=25))
def test_number_spans_are_those_of_plain_matching(pieces: list[str]) -> None:
    text = "".join(pieces)
    number = number_with_shortcut()
    assert number._match_offsets(text, None) == plain_spans(number, text)


def test_the_shortcut_is_built_only_after_some_use(monkeypatch) -> None:
    import engine.grammar_types as grammar_types

    monkeypatch.setattr(grammar_types, "SHORTCUT_AFTER", 3)
    fresh = pickle.loads(pickle.dumps(grammar("start: /[0-9]+/\n")))
    for uses in range(1, 5):
        assert fresh._match_offsets("x 12 y", None) == [(2, 4)]
        assert (fresh._reach is not None) == (uses >= 3)


@pytest.mark.parametrize(
    "text",
    [
        "2016 Dozen 5-8 04.2017 218-11-2014",  # the first-found match is not the longest
        "a thousand " * 60,  # runs on past what the reach follows
        "\u017feven people, not \u212aids",  # non-ASCII letters that match case-insensitively
    ],
)
def test_number_shortcuts_keep_the_longest_match(text: str) -> None:
    number = number_with_shortcut()
    assert number._match_offsets(text, None) == plain_spans(number, text)


def test_reach_bounds_every_match_from_above() -> None:
    reach = Reach.of(number_type().finder_pattern)
    assert reach is not None
    assert reach.longest_end("x 2016 people", 2) == 6  # a trailing space is not part of a match
    assert reach.longest_end("x 5 to 7 of", 2) == 8
    assert reach.longest_end("x 5dozen", 2) == 8  # word boundaries are taken as true
    assert reach.longest_end("around the", 0) == 0
    assert reach.longest_end("a thousand " * 60, 0) is None


REACH_PATTERNS = [
    *[r"a{2,4}b?", r"(?:ab|a)*c", r"x(?<![ ])\s*y?", r"(?i:\bk\w+)", r"[^a]+b", r".a"],
    *[r"(?>ab|a)b", r"a++b", r"(?:a|b){20,}c", r"\d{1,3}(?:,\d{3})+", r"(?<=a)b|c"],
]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(REACH_PATTERNS), st.text(alphabet="abcxk \n,1\u212a", max_size=30))
def test_reach_bounds_the_longest_match_from_above(pattern: str, text: str) -> None:
    reach = Reach.of(pattern)
    posix = regex.compile(pattern, regex.POSIX)
    for start in range(len(text) + 1):
        found = posix.match(text, start)
        if found and found.end() > start:
            bound = reach.longest_end(text, start)
            assert bound is None or bound >= found.end()


@pytest.mark.parametrize("pattern", [r"(a)\1", r"(?:abc){e<=1}", r"(?a:\w+)"])
def test_no_reach_for_what_it_cannot_bound(pattern: str) -> None:
    assert Reach.of(pattern) is None


def test_grammars_beyond_the_reach_still_match() -> None:
    doubled = grammar("start: /(a)\\1b/\n")  # a backreference: Lark itself cannot parse it
    assert doubled._match_offsets("aab ab aab", None) == [(0, 3), (7, 10)]
    assert doubled._reach is None


# --- the scan ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "text", "found"),
    [
        (r"(?i:\bab?\b)|x+y|[0-9]+", "AB a x xy 7", ["AB", "a", "xy", "7"]),
        (r"(?:one|two)\s+(?:three|four)", "one two three", ["two three"]),
        (r"\d{1,3}(?:,\d{3})+", "12,345 1 2,3", ["12,345"]),
    ],
)
def test_scan_pattern_is_a_necessary_condition(pattern: str, text: str, found: list[str]) -> None:
    scan = regex.compile(scan_pattern(pattern))
    starts = {m.start() for m in scan.finditer(text)}
    matches = [m for m in regex.finditer(pattern, text)]
    assert [m.group() for m in matches] == found
    assert {m.start() for m in matches} <= starts


@pytest.mark.parametrize(
    "pattern", [r"a?", r"(?:x|)y?", r"\p{L}+", r"(?r)abc", r"[[:alpha:]]+", r"(?:abc){e<=1}"]
)
def test_scan_pattern_gives_up(pattern: str) -> None:
    assert scan_pattern(pattern) is None


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ERRORS, ids=[case[0] for case in ERRORS])
def test_grammar_errors(case: list) -> None:
    _, text, code, line, column, message = case
    with pytest.raises(CompileError) as caught:
        grammar(text)
    error = caught.value
    assert (error.code, error.file, error.line, error.column) == (code, "t.lark", line, column)
    assert message in error.message
    assert error.location.source_line == text.splitlines()[line - 1]


def test_recursive_grammar_file_is_e311_at_the_rule() -> None:
    with pytest.raises(CompileError) as caught:
        GrammarType.from_file("EXPR", FIXTURES / "recursive.lark", display_name="recursive.lark")
    assert str(caught.value).startswith(
        "recursive.lark:4:1: E311 grammar EXPR cannot be used as a finder: "
        "rule 'expr' is recursive (expr -> term -> expr)"
    )
    assert "^^^^" in caught.value.render()


def test_broken_grammar_file_is_e310_with_lark_position() -> None:
    path = FIXTURES / "broken.lark"
    with pytest.raises(CompileError) as caught:
        GrammarType.from_file("DATE", path)
    error = caught.value
    assert (error.code, error.file, error.line, error.column) == ("E310", str(path), 3, 27)


def test_missing_file_is_reported_at_the_declaration() -> None:
    declared = Location("rules/events.yaml", 4, 13)
    with pytest.raises(CompileError) as caught:
        GrammarType.from_file("DATE", FIXTURES / "nosuch.lark", location=declared)
    assert caught.value.code == "E310"
    assert caught.value.location == declared
    assert "cannot read grammar file for DATE" in caught.value.message


def test_grammar_types_pickle(dateline: GrammarType) -> None:
    copy = pickle.loads(pickle.dumps(dateline))
    assert copy.find("on 1-2-2003") == dateline.find("on 1-2-2003")
    assert pickle.loads(pickle.dumps(number_type())) is number_type()


def test_grammar_dir_holds_the_shipped_grammars() -> None:
    assert (grammar_dir() / "numbers.lark").is_file()

