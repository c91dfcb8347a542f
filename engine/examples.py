"""Run every rule's `examples` and compare what the rule produced with what the example expects.

An example passes when: `expect: none` and the rule has no match in the text; no `expect` and
the rule has at least one match; `expect: {field: value, ...}` and some match of the rule has
all these fields equal (a NUMBER field also equals its `value`; `text` compares the matched
text). The whole pack runs on the example, so cascades and overlap resolution take part.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import InputError
from .load import ExampleDecl

if TYPE_CHECKING:
    from .pack import Pack


@dataclass(frozen=True)
class ExampleOutcome:
    """The result of one example of one rule."""

    rule: str
    example: ExampleDecl
    passed: bool
    expected: str
    got: str

    def render(self) -> str:
        loc = self.example.loc
        status = "ok" if self.passed else "FAIL"
        lines = [f"{loc}: {status} {self.rule}: {self.example.text!r}"]
        if not self.passed:
            lines.append(f"    expected: {self.expected}")
            lines.append(f"    got:      {self.got}")
        return "\n".join(lines)


def check_examples(pack: Pack, rule_name: str | None = None) -> list[ExampleOutcome]:
    """The outcome of every example of every rule (or of one rule)."""
    rules = [pack.rule(rule_name)] if rule_name else pack.rules
    outcomes = []
    for rule in rules:
        for example in rule.examples:
            outcomes.append(_check(pack, rule.name, example))
    return outcomes


def _check(pack: Pack, rule: str, example: ExampleDecl) -> ExampleOutcome:
    try:
        matches = [m for m in pack.extract(example.text) if m.rule == rule]
    except InputError as exc:
        return ExampleOutcome(rule, example, False, _describe(example.expect), f"error: {exc}")
    got = "; ".join(_describe_match(m) for m in matches) or "no match"
    passed = _passes(example.expect, [(m.text, m.fields) for m in matches])
    return ExampleOutcome(rule, example, passed, _describe(example.expect), got)


def _passes(expect: dict[str, Any] | None, found: list[tuple[str, dict]]) -> bool:
    if expect is None:
        return not found
    if not expect:
        return bool(found)
    return any(all(_field_equal(_got(text, fields, k), v) for k, v in expect.items())
               for text, fields in found)


def _got(text: str, fields: dict, key: str) -> Any:
    if key == "text" and "text" not in fields:
        return text
    return fields.get(key)


def field_equal(got: Any, expected: Any) -> bool:
    """Whether a produced field value matches an expected one (numbers by value)."""
    return _field_equal(got, expected)


def _field_equal(got: Any, expected: Any) -> bool:
    if got == expected:
        return True
    if isinstance(got, dict) and not isinstance(expected, dict) and "value" in got:
        return _field_equal(got["value"], expected)
    if isinstance(got, dict) and isinstance(expected, dict):
        return all(_field_equal(got.get(k), v) for k, v in expected.items())
    if isinstance(got, (int, float)) and isinstance(expected, (int, float)):
        return float(got) == float(expected)
    return False


def _describe(expect: dict[str, Any] | None) -> str:
    if expect is None:
        return "no match"
    if not expect:
        return "a match"
    return "a match with " + ", ".join(f"{k}={v!r}" for k, v in expect.items())


def _describe_match(match) -> str:
    fields = ", ".join(f"{k}={_short(v)!r}" for k, v in match.fields.items())
    return f"{match.text!r}" + (f" with {fields}" if fields else "")


def _short(value: Any) -> Any:
    if isinstance(value, dict) and "value" in value and value.get("qualifier") is None \
            and value.get("min") is None and value.get("max") is None:
        return value["value"]
    return value
