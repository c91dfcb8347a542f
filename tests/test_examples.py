"""Tests of the `examples` runner: what passes and fails, and how a failure is shown.

The rules and their examples are in tests/fixtures/language/examples.yaml; each example's
expected outcome is listed here in file order.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import LANGUAGE

from engine.examples import check_examples, field_equal
from engine.pack import Pack

OUTCOMES = [  # (rule, passed) per example, in file order
    ("rules.toll", True),    # fields equal, NUMBER field by value
    ("rules.toll", True),    # a whole NUMBER value equals its number
    ("rules.toll", True),    # nested expectation is a subset; 0.5 == 0.50
    ("rules.toll", True),    # `text` is the matched text
    ("rules.toll", True),    # no expect: any match
    ("rules.toll", True),    # a plain string example
    ("rules.toll", True),    # expect none, nothing found
    ("rules.toll", False),   # wrong number
    ("rules.toll", False),   # expect none, but a match
    ("rules.toll", False),   # no expect, but no match
    ("rules.toll", False),   # a field the rule does not produce
    ("rules.strike_toll", True),  # the cascade takes part
    ("rules.short", False),  # overlap resolution removed its match: the longer toll won
]


@pytest.fixture(scope="module")
def pack(make_pack) -> Pack:
    return make_pack((LANGUAGE / "examples.yaml").read_text(encoding="utf-8"))


def test_outcomes(pack: Pack) -> None:
    assert [(o.rule, o.passed) for o in check_examples(pack)] == OUTCOMES


def test_only_one_rule(pack: Pack) -> None:
    assert {o.rule for o in check_examples(pack, "strike_toll")} == {"rules.strike_toll"}
    with pytest.raises(KeyError):
        check_examples(pack, "nope")


def test_failure_shows_expected_and_got(pack: Pack) -> None:
    failed = [o for o in check_examples(pack, "toll") if not o.passed]
    assert [o.render().splitlines()[1:] for o in failed] == [
        ["    expected: a match with fatalities=6",
         "    got:      'Five people were killed' with fatalities=5, count=5, "
         "victims='people', ratio=0.5"],
        ["    expected: no match",
         "    got:      'Five people were killed' with fatalities=5, count=5, "
         "victims='people', ratio=0.5"],
        ["    expected: a match", "    got:      no match"],
        ["    expected: a match with location='Hama'",
         "    got:      'Five people were killed' with fatalities=5, count=5, "
         "victims='people', ratio=0.5"],
    ]


def test_render_names_the_example_location(pack: Pack) -> None:
    first = check_examples(pack)[0].render()
    file, line, column = first.split(":")[:3]
    assert (Path(file).name, line, column) == ("rules.yaml", "8", "9")
    assert first.endswith("ok rules.toll: 'At least 12 civilians were killed.'")
    failed = [o for o in check_examples(pack) if not o.passed][0].render()
    assert "FAIL rules.toll: 'Five people were killed.'" in failed


def test_example_that_times_out_fails_with_the_error(make_pack) -> None:
    pack = make_pack("rules:\n  - name: slow\n    pattern: '((_ | _ _)+)+ zzz'\n"
                     "    examples: ['zzz " + "word " * 300 + ".']\n", timeout=0.2)
    [outcome] = check_examples(pack)
    assert not outcome.passed
    assert outcome.got.startswith("error: ") and "time bound" in outcome.got


@pytest.mark.parametrize(("got", "expected", "equal"), [
    (12, 12, True),
    (12, 12.0, True),
    (12, 13, False),
    ({"value": 12, "qualifier": None}, 12, True),
    ({"value": None, "min": 10, "max": 15}, 10, False),
    ({"value": 12, "qualifier": "about"}, {"qualifier": "about"}, True),
    ({"value": 12, "qualifier": "about"}, {"qualifier": "nearly"}, False),
    ("Hama", "Hama", True),
    ("Hama", "hama", False),
    (None, None, True),
    (None, 0, False),
    ([1, 2], [1, 2], True),
])
def test_field_equal(got, expected, equal: bool) -> None:
    assert field_equal(got, expected) is equal
