"""Tests of engine.yaml_reader: safe loading, located errors, core-schema typing, value offsets."""

from __future__ import annotations

import math
import pickle
import re
import time
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from engine.errors import LoadError, Location
from engine.yaml_reader import YMap, YSeq, YStr, read_yaml

FIXTURES = Path(__file__).parent / "fixtures" / "yaml"
LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def load(text: str, **options) -> YMap | YSeq | YStr | None:
    return read_yaml("t.yaml", text, **options)


def fails(text: str, **options) -> LoadError:
    with pytest.raises(LoadError) as info:
        load(text, **options)
    return info.value


def where(loc: Location) -> tuple[int, int]:
    return loc.line, loc.column


def at(value: YStr, needle: str) -> tuple[int, int]:
    """Line and column of the first occurrence of `needle` in the value."""
    return where(value.location_at(value.index(needle)))


# --------------------------------------------------------------------------- structure


def test_reads_a_rule_file_into_located_nodes():
    doc = read_yaml(FIXTURES / "sample_rules.yaml", display_name="pack/sample.yaml")
    assert isinstance(doc, YMap)
    rule = doc["rules"][0]
    assert isinstance(doc["rules"], YSeq) and isinstance(rule, YMap)
    assert rule["pattern"].startswith("{count:NUMBER}")
    assert str(rule["pattern"].loc) == "pack/sample.yaml:13:14"
    assert (
        rule["pattern"].loc.source_line
        == "    pattern: '{count:NUMBER} {victim:VICTIM} @KILLED ... in {place:PLACE}'"
    )
    assert where(rule.key_loc("pattern")) == (13, 5)
    assert where(doc["rules"].loc) == (11, 3)
    assert where(rule.loc) == (11, 5)
    assert doc["lexicons"]["VICTIM"] == ["militants", "fighters", "civilians"]


def test_every_scalar_is_a_ystr_and_keys_too():
    doc = read_yaml(FIXTURES / "sample_rules.yaml")
    attrs = doc["lexicons"]["PLACE"][0]["attrs"]
    assert attrs == {"country": "Syria", "lat": "35.33", "code": "NO"}
    assert all(isinstance(k, YStr) and isinstance(v, YStr) for k, v in attrs.items())
    assert attrs["lat"].typed() == 35.33
    assert attrs["code"].typed() == "NO"
    rule = doc["rules"][0]
    assert rule["priority"].typed() == 2 and rule["enabled"].typed() is True
    assert rule["notes"] == "" and rule["notes"].typed() is None


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n", "--- \n...\n"])
def test_empty_document_is_none(text):
    assert load(text) is None


def test_root_scalar_and_quoted_empty_string():
    assert load("hello\n") == "hello"
    assert load("''\n") == ""


def test_key_loc_of_an_unknown_key_raises():
    with pytest.raises(KeyError):
        load("a: 1\n").key_loc("b")


def test_end_locations():
    doc = load("a:\n  - x\n  - y\nb: {c: d}\n")
    assert where(doc["a"][1].end_loc) == (3, 6)
    assert where(doc["b"].end_loc) == (4, 10)


def test_ystr_behaves_as_str_and_nodes_pickle():
    doc = load("k: some text\nl: [a, b]\n")
    value = doc["k"]
    assert value == "some text" and hash(value) == hash("some text")
    assert value.upper() == "SOME TEXT" and type(value.upper()) is str
    again = pickle.loads(pickle.dumps(doc))
    assert again == doc and again.key_loc("l") == doc.key_loc("l")
    assert again["l"].loc == doc["l"].loc
    assert again["k"].location_at(5) == value.location_at(5)


# --------------------------------------------------------------------------- typed()

TYPED = [
    ("NO", "NO"),
    ("no", "no"),
    ("on", "on"),
    ("yes", "yes"),
    ("12:30", "12:30"),
    ("1e3", 1000.0),
    ("0x1F", 31),
    ("0o17", 15),
    ("~", None),
    ("null", None),
    ("Null", None),
    ("NULL", None),
    ("", None),
    ("true", True),
    ("True", True),
    ("TRUE", True),
    ("false", False),
    ("FALSE", False),
    ("42", 42),
    ("-7", -7),
    ("+12", 12),
    ("012", 12),
    ("3.25", 3.25),
    (".5", 0.5),
    ("-1.5e-2", -0.015),
    (".inf", math.inf),
    ("-.Inf", -math.inf),
    ("+.INF", math.inf),
    ("1_000", "1_000"),
    ("0b101", "0b101"),
    ("2024-05-01", "2024-05-01"),
    ("tRUE", "tRUE"),
    ("'1'", "1"),
    ('"true"', "true"),
    ("'~'", "~"),
    ("!!str 12", "12"),
    ("! 12", "12"),
    ("!!int '12'", 12),
    ("!!float 1", 1.0),
    ("!!bool TRUE", True),
    ("!!null ''", None),
]


@pytest.mark.parametrize(("written", "expected"), TYPED)
def test_typed_applies_the_core_schema_to_plain_scalars_only(written, expected):
    result = load(f"x: {written}\n")["x"].typed()
    assert result == expected
    assert isinstance(result, str) if isinstance(expected, str) else type(result) is type(expected)


def test_typed_nan_and_block_scalars():
    assert math.isnan(load("x: .NaN\n")["x"].typed())
    assert load("x: |\n  12\n")["x"].typed() == "12\n"
    assert load("x: >-\n  true\n")["x"].typed() == "true"


def test_brief_examples_of_yaml11_surprises():
    doc = load("country: NO\ntime: 12:30\nx: 1e3\ny: 0x1F\nz: ~\nflag: on\n")
    assert [doc[k].typed() for k in ("country", "time", "x", "y", "z", "flag")] == [
        "NO",
        "12:30",
        1000.0,
        31,
        None,
        "on",
    ]


# --------------------------------------------------------------------------- errors

BAD_YAML = [
    # (text, code, line, column)
    ("a: b: c\n", "E101", 1, 5),
    ("a: 1\n b: 2\n", "E101", 2, 3),
    ("a:\n\tb: 1\n", "E101", 2, 1),
    ("a: 'abc\nb: 2\n", "E101", 1, 4),
    ('a: "abc\nb: 2\n', "E101", 1, 4),
    ("a: @KILLED in\n", "E101", 1, 4),
    ('a: "\\d+"\n', "E101", 1, 6),
    ("a:\n  - x\n - y\n", "E101", 3, 2),
    ("a: [1, 2\n", "E101", 2, 1),
    ("key: 'it's'\n", "E101", 1, 10),
    ("pattern: {count:NUMBER} killed\n", "E101", 1, 25),
    ("a: 1\n---\nb: 2\n", "E101", 2, 1),
    ("---\na: 1\n---\n", "E101", 3, 1),
    ("? [a]\n: b\n", "E101", 1, 3),
    ("{[a]: b}\n", "E101", 1, 2),
    ('a: "\\U00110000"\n', "E101", 1, 7),
    ("a: 1\nb: 2\na: 3\n", "E102", 3, 1),
    ("top:\n  x: 1\n  'x': 2\n", "E102", 3, 3),
    ("a: {k: 1, k: 2}\n", "E102", 1, 11),
    ("a: &anchor 1\n", "E103", 1, 4),
    ("a: 1\nb: *ref\n", "E103", 2, 4),
    ("- &x [1]\n", "E103", 1, 3),
    ("base: {a: 1}\nother:\n  <<: {b: 2}\n", "E103", 3, 3),
    ("a: " + "[" * 100 + "]" * 100 + "\n", "E104", 1, 103),  # the mapping is level 1
    ("a: !!python/object:os.system x\n", "E106", 1, 4),
    ("a: !!python/name:os.system\n", "E106", 1, 4),
    ("a: !foo x\n", "E106", 1, 4),
    ("a: !!binary aGVsbG8=\n", "E106", 1, 4),
    ("a: !!set {x}\n", "E106", 1, 4),
    ("- !!map [a]\n", "E106", 1, 3),
    ("a: !!int x\n", "E106", 1, 4),
    ("a: !!bool yes\n", "E106", 1, 4),
    ("%TAG !e! tag:example.com,2000:\n---\na: !e!thing x\n", "E106", 3, 4),
    ("a: 1\nb: \x07\n", "E107", 2, 4),
]


@pytest.mark.parametrize(("text", "code", "line", "column"), BAD_YAML)
def test_bad_yaml_is_a_located_load_error(text, code, line, column):
    err = fails(text)
    assert (err.code, err.line, err.column) == (code, line, column), err.render()
    assert err.file == "t.yaml"
    assert err.location.source_line == LINE_BREAK.split(text)[line - 1]


HINTS = [
    ("a:\n\tb: 1\n", "spaces"),
    ("a: b: c\n", "quote the value"),
    ("a: 'abc\nb: 2\n", "never closed"),
    ('a: "\\d+"\n', "single quotes"),
    ("pattern: @KILLED in\n", "quote the value"),
    ('pattern: "Free Syrian Army" fighters\n', "other kind of quotes"),
    ("pattern: {count:NUMBER} killed\n", "'{' or '['"),
    ("pattern: !(no|not) killed\n", "YAML tag"),
    ("pattern: !not killed\n", "YAML tag"),
    ("a: *x\n", "quote a value that starts with '*'"),
    ("a:\n  - x\n - y\n", "indentation"),
    ("a: [1, 2\n", "never closed"),
    ("x: - a\n", "own line"),
    ("a: 1\na: 2\n", "once"),
]


@pytest.mark.parametrize(("text", "hint"), HINTS)
def test_common_causes_get_a_hint(text, hint):
    err = fails(text)
    assert err.hint and hint in err.hint, err.render()


def test_syntax_message_is_cleaned_up():
    assert fails("a: b: c\n").message == "mapping values are not allowed here"
    err = fails("a:\n  - x\n - y\n")
    assert "<" not in err.message and "found a list item" in err.message
    assert err.notes == ["while parsing a block mapping that starts at t.yaml:1:1"]
    assert "quote" in fails("a: 'x\n").message


def test_duplicate_key_names_both_lines():
    err = fails("rules:\n  - name: a\n    pattern: x\n    label: L\n    pattern: y\n")
    assert err.code == "E102" and err.line == 5
    assert "line 3" in err.message
    assert err.notes == ["first defined at t.yaml:3:5"]
    assert "note: first defined at t.yaml:3:5" in err.render()


def test_quoted_merge_key_is_an_ordinary_key():
    assert load("'<<': x\n") == {"<<": "x"}


def test_alias_bomb_is_rejected_at_the_first_anchor_quickly():
    started = time.perf_counter()
    with pytest.raises(LoadError) as info:
        read_yaml(FIXTURES / "billion_laughs.yaml")
    assert time.perf_counter() - started < 0.5
    assert (info.value.code, info.value.line, info.value.column) == ("E103", 2, 4)


def test_ten_thousand_brackets_give_e104_not_recursion_error():
    err = fails("[" * 10_000)
    assert (err.code, err.line, err.column) == ("E104", 1, 101)


def test_deep_block_nesting_gives_e104():
    text = "".join(" " * depth + "a:\n" for depth in range(150)) + " " * 150 + "x\n"
    err = fails(text)
    assert (err.code, err.line) == ("E104", 101)


def test_max_depth_is_a_parameter():
    assert load("a: [[1]]\n", max_depth=3) == {"a": [["1"]]}
    assert fails("a: [[1]]\n", max_depth=2).code == "E104"


def test_too_large_text_and_file(tmp_path):
    err = fails("a: 1\nb: 2\n" * 10, max_bytes=25)
    assert (err.code, err.line) == ("E105", 6)  # byte 26 of 100 is on line 6
    assert "100 bytes" in err.message and "25 bytes" in err.message
    big = tmp_path / "big.yaml"
    big.write_text("x: " + "y" * 2000 + "\n")
    assert read_yaml(big)["x"] == "y" * 2000
    with pytest.raises(LoadError) as info:
        read_yaml(big, max_bytes=1000)
    assert info.value.code == "E105" and "2004 bytes" in info.value.message


@pytest.mark.parametrize(
    ("name", "line", "column", "words"),
    [
        ("latin1.yaml", 2, 14, "byte 0xE9"),
        ("utf16.yaml", 1, 1, "UTF-16"),
        ("binary.yaml", 2, 4, "NUL"),
    ],
)
def test_files_that_are_not_utf8_text_give_e107(name, line, column, words):
    with pytest.raises(LoadError) as info:
        read_yaml(FIXTURES / name)
    err = info.value
    assert (err.code, err.line, err.column) == ("E107", line, column)
    assert words in err.message and "UTF-8" in err.hint
    assert err.file == str(FIXTURES / name)


def test_bom_and_crlf_are_read_with_exact_columns():
    doc = read_yaml(FIXTURES / "bom_crlf.yaml", display_name="b.yaml")
    assert doc == {"name": "x", "pattern": "a {b}"}
    assert where(doc.key_loc("name")) == (1, 1)
    assert at(doc["pattern"], "{") == (2, 13)
    assert doc["pattern"].loc.source_line == "pattern: 'a {b}'"


def test_error_formats_one_line_and_render():
    err = fails("rules:\n  - pattern: a: b\n")
    assert str(err).startswith("t.yaml:2:15: E101 mapping values are not allowed here (")
    assert "   2 |   - pattern: a: b\n       |               ^" in err.render()


# --------------------------------------------------------------------------- location_at


@pytest.fixture(scope="module")
def scalars() -> YMap:
    return read_yaml(FIXTURES / "scalars.yaml", display_name="s.yaml")


def test_location_at_plain(scalars):
    value = scalars["plain"]
    assert at(value, "{") == (2, 18) and at(value, "}") == (2, 24)
    assert where(value.location_at(0)) == (2, 8)
    assert where(value.location_at(len(value))) == (2, 25)
    assert value.location_at(1) == Location("s.yaml", 2, 9, None, "plain: killed in {place}")


def test_location_at_multi_line_plain(scalars):
    value = scalars["folded_plain"]
    assert value == "first line second {x}\nafter blank"
    assert at(value, "{") == (4, 10)
    assert where(value.location_at(value.index(" second"))) == (3, 25)  # the folded line break
    assert at(value, "after") == (6, 3)


def test_location_at_single_quoted(scalars):
    value = scalars["single"]
    assert value == "it's {x}"
    assert where(value.location_at(0)) == (7, 10)
    assert at(value, "'") == (7, 12)
    assert at(value, "{") == (7, 16)
    assert where(value.location_at(len(value))) == (7, 19)  # the closing quote


def test_location_at_double_quoted_escapes(scalars):
    value = scalars["double"]
    assert value == "tab\there \u00e9 {x}"
    assert at(value, "\t") == (8, 13)  # the backslash of \t
    assert at(value, "here") == (8, 15)
    assert at(value, "\u00e9") == (8, 20)  # the backslash of \u00e9
    assert at(value, "{") == (8, 27)


def test_location_at_double_quoted_folding(scalars):
    value = scalars["double_fold"]
    assert value == "one two three {x}"
    assert at(value, "two") == (10, 3)
    assert at(value, "three") == (11, 3)
    assert at(value, "{") == (11, 9)


def test_location_at_literal_block(scalars):
    value = scalars["literal"]
    assert value == "line one\n  indented {x}\n"
    assert at(value, "line") == (13, 3)
    assert at(value, "  indented") == (14, 3)
    assert at(value, "{") == (14, 14)
    assert where(value.location_at(value.index("\n"))) == (13, 11)


def test_location_at_folded_block_with_chomping(scalars):
    value = scalars["folded"]
    assert value == "folded one folded {x}\npara {y}"
    assert at(value, "{x") == (17, 10)
    assert at(value, "{y") == (19, 8)


def test_location_at_block_with_indentation_indicator(scalars):
    value = scalars["indicator"]
    assert value == "  two extra {x}\nbase {y}\n\n"
    assert where(value.location_at(0)) == (21, 3)
    assert at(value, "{x") == (21, 15)
    assert at(value, "{y") == (22, 8)


def test_location_at_nested_folded_block(scalars):
    value = scalars["nested"][0]["pattern"]
    assert value == "deep {x} more\n"
    assert at(value, "{") == (26, 12)
    assert at(value, "more") == (27, 7)


def test_location_at_bounds_and_span_location(scalars):
    value = scalars["plain"]
    with pytest.raises(IndexError):
        value.location_at(len(value) + 1)
    with pytest.raises(IndexError):
        value.location_at(-1)
    span = value.span_location(10, 17)
    assert (span.line, span.column, span.end_column) == (2, 18, 25)


def test_location_of_an_empty_value_is_after_the_colon():
    value = load("a:\nb: 1\n")["a"]
    assert value == "" and where(value.location_at(0)) == (1, 3)


# --------------------------------------------------------------------------- property

ALPHABET = st.sampled_from(list("ab :#-'\"\\\n\t{}[],&*!|>%@`?~\u00e9\u20ac\u00a0\x85\u2028 "))
WORD = st.text(st.sampled_from("abcd\u00e9{:-.@'"), min_size=1, max_size=8)
WORDS = st.lists(WORD, max_size=12).map(" ".join)  # mostly plain scalars, folded when long
ESCAPES = yaml.scanner.Scanner.ESCAPE_REPLACEMENTS
ESCAPE_CODES = yaml.scanner.Scanner.ESCAPE_CODES


def _escaped_char(line: str, column: int) -> str:
    """The character that the escape starting at `column` (0-based) of `line` stands for."""
    code = line[column + 1]
    if code in ESCAPES:
        return ESCAPES[code]
    size = ESCAPE_CODES[code]
    return chr(int(line[column + 2 : column + 2 + size], 16))


def _check_value_offsets(value: YStr, text: str) -> None:
    """Each character maps, in order, to itself, its escape or the line break it folds."""
    lines = LINE_BREAK.split(text)
    previous = (0, 0)
    for k, ch in enumerate(value):
        loc = value.location_at(k)
        assert loc.source_line == lines[loc.line - 1]
        assert (loc.line, loc.column) > previous
        previous = (loc.line, loc.column)
        column = loc.column - 1
        if column == len(loc.source_line):
            assert ch in " \n\x85\u2028\u2029", (k, ch)  # a folded or kept line break
        elif loc.source_line[column] == "\\" and value.style == '"':
            assert _escaped_char(loc.source_line, column) == ch, (k, ch)
        else:
            assert loc.source_line[column] == ch, (k, ch, loc)
    end = value.location_at(len(value))
    assert (end.line, end.column) >= previous


@dataclass(frozen=True)
class Dump:
    """How a value is written by yaml.safe_dump for the round-trip property."""

    style: str | None
    width: int
    unicode: bool
    nested: bool
    flow: bool
    crlf: bool


DUMPS = st.builds(
    Dump,
    style=st.sampled_from([None, "'", '"', "|", ">"]),
    width=st.integers(8, 60),
    unicode=st.booleans(),
    nested=st.booleans(),
    flow=st.booleans(),
    crlf=st.booleans(),
)


def _round_trip(value: str, how: Dump) -> None:
    """Dump `value`, read it back, and check every character's location."""
    data = {"outer": [{"k": value}]} if how.nested else {"k": value}
    text = yaml.safe_dump(
        data,
        default_style=how.style,
        width=how.width,
        allow_unicode=how.unicode,
        default_flow_style=how.flow,
    )
    if how.crlf:
        text = text.replace("\n", "\r\n")
    assume(yaml.safe_load(text) == data)
    doc = read_yaml("p.yaml", text)
    node = doc["outer"][0]["k"] if how.nested else doc["k"]
    assert node == value
    _check_value_offsets(node, text)


@settings(max_examples=300, deadline=None)
@given(value=st.text(ALPHABET, max_size=40), how=DUMPS)
def test_location_at_maps_dumped_strings_back_to_their_characters(value, how):
    _round_trip(value, how)


@settings(max_examples=150, deadline=None)
@given(value=WORDS, how=DUMPS.map(lambda how: replace(how, style=None, unicode=True)))
def test_location_at_in_plain_scalars_folded_over_lines(value, how):
    _round_trip(value, how)


@settings(max_examples=150, deadline=None)
@given(
    value=st.lists(st.text(" ") | WORDS, max_size=6).map("\n".join),
    how=DUMPS.map(lambda how: replace(how, flow=False)),
    style=st.sampled_from("|>"),
)
def test_location_at_in_block_scalars(value, how, style):
    _round_trip(value, replace(how, style=style))


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("k: |-\n    a\n\n     b\n    c\n", ("k",)),
        ("k: >+\n  a\n   b\n\n  c\n\n\n", ("k",)),
        ("k: >2\n    a\n  b\n", ("k",)),
        ("- k: |1-\n    a\n", (0, "k")),
        ("k: 'a\n\n\n  b  \n  c'\n", ("k",)),
        ('k: "a\\\n\n  b\\x41\\U0001F600 \\\n  \\ c"\n', ("k",)),
        ("k: a\n  \u2028  b\n", ("k",)),
        ("k: a\x85  b\n", ("k",)),
        ('k: "a\u2028 b"\n', ("k",)),
        ("k: a  b\n\n\n  c\n", ("k",)),
        ("[a, b c, {k: 'x\n  y'}]\n", (1,)),
        ("[a, b c, {k: 'x\n  y'}]\n", (2, "k")),
        ("k: |\n  a\r\n\r\n  b\r\n", ("k",)),
    ],
)
def test_location_at_hand_written_corner_cases(text, path):
    value, expected = load(text), yaml.safe_load(text)
    for step in path:
        value, expected = value[step], expected[step]
    assert value == expected
    _check_value_offsets(value, text)
