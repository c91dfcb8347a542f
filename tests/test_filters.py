"""Type filters ({p:PLACE[kind=city]}) and typed spans inside lookbehinds."""

from __future__ import annotations

from pathlib import Path

import pytest

import engine
from engine import ast
from engine.parse import parse_pattern

FIXTURES = Path(__file__).parent / "fixtures" / "filters"
TEXT = "Jets struck the Tabqa airbase in Raqqa, Syria. About 20 people and 30 people died."


@pytest.fixture(scope="module")
def matches() -> dict[str, list[str]]:
    pack = engine.load(FIXTURES / "rules.yaml", cache=False)
    found: dict[str, list[str]] = {}
    for match in pack.extract(TEXT):
        found.setdefault(match.rule.split(".")[-1], []).append(match.text)
    return found


def test_filter_keeps_only_spans_whose_attribute_is_listed(matches) -> None:
    assert matches["city"] == ["in Raqqa"]


def test_negated_filter_drops_spans_with_that_attribute(matches) -> None:
    assert matches["notcountry"] == ["Tabqa airbase", "Raqqa"]


def test_filter_on_number_qualifier(matches) -> None:
    assert matches["n"] == ["About 20 people"]


def test_typed_span_inside_a_lookbehind_matches(matches) -> None:
    assert matches["behind"] == ["Tabqa airbase"]


@pytest.mark.parametrize("pattern, conditions", [
    ("{p:PLACE[kind=city|town]}", [("kind", ("city", "town"), False)]),
    ('{PLACE[kind!="air base", country=Syria]}',
     [("kind", ("air base",), True), ("country", ("Syria",), False)]),
])
def test_filters_parse_and_print_back(pattern: str, conditions) -> None:
    node = parse_pattern(pattern)
    assert isinstance(node, ast.Capture)
    assert [(c.attr, c.values, c.negated) for c in node.filters] == conditions
    assert parse_pattern(ast.to_source(node)) == node


def test_unknown_attribute_and_builtin_filter_are_located_errors() -> None:
    with pytest.raises(engine.RuleErrors) as info:
        engine.load(FIXTURES / "broken.yaml", cache=False)
    found = [(e.code, e.line, e.column) for e in info.value.errors]
    assert found == [("E326", 6, 27), ("E325", 8, 21)]
    assert "did you mean 'kind'" in str(info.value.errors[0])


def test_condition_compares_numbers_and_text_without_case() -> None:
    condition = ast.Condition("lat", ("35",))
    assert condition.accepts({"lat": 35.0})
    assert ast.Condition("kind", ("City",)).accepts({"kind": "city"})
    assert not ast.Condition("kind", ("city",)).accepts({"name": "x"})
    assert ast.Condition("kind", ("city",), negated=True).accepts({"name": "x"})
