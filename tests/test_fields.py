"""Field expressions (`a + b`, `x | "unknown"`) and numeric comparisons in type filters."""

from __future__ import annotations

from pathlib import Path

import pytest

import engine
from engine.compile import expression_terms

PACK = Path(__file__).parent / "fixtures" / "filters" / "expressions.yaml"


@pytest.fixture(scope="module")
def pack() -> engine.Pack:
    return engine.load(PACK, cache=False)


def fields(pack: engine.Pack, text: str) -> list[dict]:
    return [m.fields for m in pack.extract(text)]


def test_plus_adds_number_values(pack) -> None:
    [got] = fields(pack, "Twelve civilians and 3 fighters were killed.")
    assert got["fatalities"] == 15 and got["civilians"] == 12


def test_quoted_expression_and_text_with_spaces_stay_constants(pack) -> None:
    [got] = fields(pack, "Twelve civilians and 3 fighters were killed.")
    assert got["note"] == "a + b" and got["words"] == "12 civilians"


def test_bar_falls_back_to_the_next_alternative(pack) -> None:
    assert fields(pack, "Russian jets struck 150 targets.") == [
        {"actor1": "Russian jets", "n": 151}]
    assert fields(pack, "Planes hit targets.") == [{"actor1": "unknown"}]


def test_numeric_filter_rejects_small_numbers(pack) -> None:
    assert fields(pack, "Planes hit 5 targets.") == []


@pytest.mark.parametrize("text, terms", [
    ("a + b", ["a", "+", "b"]),
    ('x.name | "none"', ["x.name", "|", '"none"']),
    ("n.value + 1", ["n.value", "+", "1"]),
    ("Battles", None),
    ("Explosions/Remote violence", None),
    ("a +", None),
    ("| a", None),
])
def test_expression_terms(text: str, terms) -> None:
    assert expression_terms(text) == terms


def test_unknown_capture_in_expression_is_located(tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(
        'rules:\n  - name: r\n    pattern: "{a:NUMBER} dead"\n    fields:\n'
        '      total: a + bb\n', encoding="utf-8")
    with pytest.raises(engine.RuleErrors) as info:
        engine.load(tmp_path, cache=False)
    [error] = info.value.errors
    assert (error.code, error.line) == ("E306", 5)
