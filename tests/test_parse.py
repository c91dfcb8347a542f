"""Tests of the parse stage: pattern text -> typed AST, located syntax errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import ast
from engine.errors import Location, PatternSyntaxError
from engine.parse import SYNTAX_EXAMPLES, Parser, default_locator, parse_pattern

FIXTURES = Path(__file__).parent / "fixtures" / "patterns"


def _table(name: str) -> list[list[Any]]:
    return yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))


def build(spec: Any) -> Any:
    """An AST from the fixture notation `[NodeClass, fields...]` (see forms.yaml)."""
    if not (isinstance(spec, list) and spec and isinstance(spec[0], str)):
        return spec
    kind, *args = spec
    if kind in ("Seq", "Alt"):
        return getattr(ast, kind)(tuple(build(a) for a in args))
    if kind == "Anchor":
        return ast.Anchor(ast.AnchorKind(args[0]))
    if kind == "Look":
        return ast.Look(ast.LookKind(args[0]), build(args[1]))
    return getattr(ast, kind)(*(build(a) for a in args))


FORMS = _table("forms.yaml")
ERRORS = _table("errors.yaml")


# ---- every form ---------------------------------------------------------------------------
@pytest.mark.parametrize(("pattern", "expected"), FORMS, ids=[f[0] for f in FORMS])
def test_form_parses_to_expected_ast(pattern: str, expected: list) -> None:
    assert parse_pattern(pattern) == build(expected)


@pytest.mark.parametrize(("pattern", "expected"), FORMS, ids=[f[0] for f in FORMS])
def test_form_round_trips_through_printer(pattern: str, expected: list) -> None:
    tree = parse_pattern(pattern)
    assert parse_pattern(ast.to_source(tree)) == tree


def test_fixture_notation_is_strict() -> None:
    # The table would be worthless if build() dropped a field: a wrong flag must not compare equal.
    assert parse_pattern("x??") != build(["Repeat", ["Word", "x"], 0, 1, False])
    assert parse_pattern("(?=a)") != build(["Look", "(?!", ["Word", "a"]])


SPANS = [
    ("{count:NUMBER} killed", lambda t: t.items[0].span, (0, 14)),
    ("{count:NUMBER} killed", lambda t: t.items[0].type_span, (7, 13)),
    ("{NUMBER}", lambda t: t.type_span, (1, 7)),
    ("a (b | c)+", lambda t: t.items[1].span, (2, 10)),
    ("a (b | c)+", lambda t: t.items[1].item.span, (2, 9)),
    ("x ...{2,5} y", lambda t: t.items[1].span, (2, 10)),
    ("!(no|not) x", lambda t: t.items[0].span, (0, 9)),
    ("(?<= was) x", lambda t: t.items[0].span, (0, 9)),
    ('a "b c" d', lambda t: t.items[1].span, (2, 7)),
    ("a\n  @KILLED", lambda t: t.items[1].span, (4, 11)),
]


@pytest.mark.parametrize(("pattern", "pick", "span"), SPANS)
def test_spans_are_offsets_in_the_pattern(pattern: str, pick, span: tuple[int, int]) -> None:
    assert pick(parse_pattern(pattern)) == span


def test_spans_do_not_take_part_in_equality() -> None:
    assert parse_pattern("a   b") == parse_pattern("a b")
    assert parse_pattern("a   b").items[1].span == (4, 5)


# ---- errors -------------------------------------------------------------------------------
@pytest.mark.parametrize(("pattern", "code", "line", "column", "message"), ERRORS,
                         ids=[repr(e[0]) for e in ERRORS])
def test_bad_pattern_is_located_and_named(pattern: str, code: str, line: int, column: int,
                                          message: str) -> None:
    with pytest.raises(PatternSyntaxError) as info:
        parse_pattern(pattern)
    err = info.value
    assert (err.code, err.line, err.column) == (code, line, column), err.render()
    assert message in err.message


@pytest.mark.parametrize("code", ["E201", "E202", "E203", "E204", "E205", "E206", "E207",
                                  "E208", "E209"])
def test_every_syntax_error_class_is_in_the_table(code: str) -> None:
    assert any(row[1] == code for row in ERRORS)


@pytest.mark.parametrize("label", sorted(SYNTAX_EXAMPLES))
def test_every_labelled_example_gets_its_label(label: str) -> None:
    for example in SYNTAX_EXAMPLES[label]:
        with pytest.raises(PatternSyntaxError) as info:
            parse_pattern(example)
        assert (info.value.code, info.value.message) == ("E201", label), example


def test_error_carries_source_line_caret_and_hint() -> None:
    with pytest.raises(PatternSyntaxError) as info:
        parse_pattern("killed\n  in (town")
    err = info.value
    assert err.location.source_line == "  in (town"
    assert err.hint == "parentheses are unbalanced"
    assert err.render().splitlines()[-1].index("^") - len("       | ") == 10


def test_error_span_sets_end_column() -> None:
    with pytest.raises(PatternSyntaxError) as info:
        parse_pattern("a {x:PLACE} x{3,2}")
    assert (info.value.column, info.value.location.end_column) == (14, 19)


def test_locator_maps_offsets_to_the_file() -> None:
    def locate(offset: int) -> Location:
        return Location("rules/x.yaml", 12, 20 + offset, None, "    pattern: ...")

    with pytest.raises(PatternSyntaxError) as info:
        Parser().parse("in {p:} now", locate)
    assert str(info.value).startswith("rules/x.yaml:12:23: E208")


def test_default_locator_names_file_and_line() -> None:
    loc = default_locator("ab\ncd", "p.txt")(4)
    assert (loc.file, loc.line, loc.column, loc.source_line) == ("p.txt", 2, 2, "cd")


# ---- property tests -----------------------------------------------------------------------
SAFE_WORDS = st.text("abcxyzéñЖ0123456789", min_size=1, max_size=6)
PUNCT = st.sampled_from([",", ".", "-", "'", "%", "&", "#", ";", ":", "3.5", "1,200", "12:30"])
UPPER = st.builds(lambda a, b: a + b, st.sampled_from("ABPXÉ"), st.text("abcXYZ_09", max_size=5))
MACRO_NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,5}", fullmatch=True)
LOWER = st.builds(lambda a, b: a + b, st.sampled_from("abcpx_"), st.text("abcXYZ_09", max_size=5))
PHRASE_TEXT = st.text('ab "\\ \t\nC’', min_size=1, max_size=8).filter(lambda s: s.strip())
REGEXES = st.sampled_from([r"\d+", r"[A-Z]\w*", r"a\/b", r"(st|nd|rd)", r"x{2,3}", r"\(\)"])
BOUNDS = st.one_of(
    st.sampled_from([(0, 1), (0, None), (1, None)]),
    st.integers(1, 4).map(lambda n: (n, n)),
    st.tuples(st.integers(0, 3), st.integers(1, 5)).filter(lambda b: b[0] <= b[1]),
    st.integers(0, 3).map(lambda n: (n, None)),
)


def _skip(bounds: tuple[int, int | None]) -> ast.Skip:
    return ast.Skip(*bounds)


TOKENS = st.one_of(
    SAFE_WORDS.map(ast.Word),
    PUNCT.map(ast.Word),
    PHRASE_TEXT.map(ast.Phrase),
    st.builds(ast.RegexToken, REGEXES, st.sampled_from(["", "i", "ix"])),
    st.text("abcé", min_size=1, max_size=5).map(ast.Inflect),
    st.just(ast.AnyToken()),
    st.builds(ast.MacroRef, MACRO_NAMES),
    st.builds(ast.Capture, LOWER, UPPER),
    st.builds(ast.Capture, st.none(), UPPER),
)
ZERO_WIDTH = st.one_of(
    BOUNDS.map(_skip), st.sampled_from([ast.Anchor(k) for k in ast.AnchorKind]))


def _group(node: ast.Node) -> ast.Node:
    """Wrap what the printer cannot place bare inside a sequence, repeat or negation."""
    return ast.Group(node) if isinstance(node, (ast.Seq, ast.Alt)) else node


def _extend(children: st.SearchStrategy) -> st.SearchStrategy:
    """One level of structure over `children` (any node)."""
    groups = children.map(lambda n: ast.Group(n))
    atoms = st.one_of(TOKENS, groups)
    repeats = st.builds(lambda item, b, lazy: ast.Repeat(item, b[0], b[1], lazy),
                        atoms, BOUNDS, st.booleans())
    looks = st.builds(ast.Look, st.sampled_from(list(ast.LookKind)), children)
    items = st.one_of(atoms, repeats, ZERO_WIDTH, looks,
                      st.one_of(atoms, repeats, looks).map(ast.Not),
                      st.builds(ast.Capture, LOWER, st.none(), children.filter(_capturable)))
    seqs = st.lists(items.map(_group), min_size=2, max_size=4).map(lambda i: ast.Seq(tuple(i)))
    options = st.one_of(items, seqs).map(lambda n: ast.Group(n) if isinstance(n, ast.Alt) else n)
    alts = st.lists(options, min_size=2, max_size=3).map(lambda o: ast.Alt(tuple(o)))
    return st.one_of(items, seqs, alts)


def _capturable(node: ast.Node) -> bool:
    """`{x:Abc}` is a typed capture, so a capture's body is never one capitalised word."""
    return not (isinstance(node, ast.Word) and node.text[:1].isupper())


ASTS = st.recursive(st.one_of(TOKENS, ZERO_WIDTH), _extend, max_leaves=12)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ASTS)
def test_printed_ast_parses_back_to_itself(tree: ast.Node) -> None:
    source = ast.to_source(tree)
    assert parse_pattern(source) == tree, source


PIECES = ["a", "B", "é", "3.5", ",", "(", ")", "|", "?", "*", "+", "{x:", "{", "}", "{NUMBER}",
          "...", "...{1,3}", '"q r"', '"a \\" b"', "/a+/i", "kill~", "!", "^", "$", "_", "@M",
          "(?=", "(?<!", "{2,3}", "{,2}", "\n", "{y:Abc}"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(["", " "])), max_size=10))
def test_generated_patterns_round_trip_or_fail_cleanly(parts: list[tuple[str, str]]) -> None:
    text = "".join(piece + gap for piece, gap in parts)
    try:
        tree = parse_pattern(text)
    except PatternSyntaxError as err:
        assert err.code.startswith("E2") and err.line >= 1 and err.column >= 1
        assert err.column <= len(err.location.source_line) + 1
        return
    assert parse_pattern(ast.to_source(tree)) == tree


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_any_text_parses_or_raises_a_located_syntax_error(text: str) -> None:
    try:
        parse_pattern(text)
    except PatternSyntaxError as err:
        assert err.code.startswith("E2") and err.line >= 1 and err.column >= 1
