"""Tests of `explain`: matches with their captures, or the longest partial match and the element
that failed, the typed spans found, and matches removed by overlap resolution."""

from __future__ import annotations

import pytest

from engine.explain import explain
from engine.pack import Pack

RULES = """
rules:
  - name: toll
    label: Casualties
    pattern: "{n:NUMBER} {v:VICTIM} @KILLED in {p:PLACE}"
    fields: {fatalities: n.value}
  - name: short
    label: Casualties
    pattern: "{v:VICTIM} were killed"
  - name: across
    scope: document
    pattern: "killed ... {p:PLACE}"
  - name: single
    pattern: "ceasefire"
"""


@pytest.fixture(scope="module")
def pack(make_pack) -> Pack:
    return make_pack(RULES)


def test_a_match_with_captures_and_fields(pack: Pack) -> None:
    result = explain(pack, "toll", "Yesterday 12 fighters were killed in Hama.")
    assert [(m.start, m.end) for m in result.matches] == [(10, 41)]
    text = result.render()
    assert text.splitlines()[:3] == [
        f"rule rules.toll ({result.rule.provenance})",
        "  pattern: {n:NUMBER} {v:VICTIM} @KILLED in {p:PLACE}",
        "  MATCHED 1 time(s):"]
    assert "    '12 fighters were killed in Hama' at 10-41" in text
    assert "      p: 'Hama' = {'name': 'Hama'" in text
    assert "      fields: {'fatalities': 12}" in text
    assert "NO MATCH" not in text


def test_no_match_names_the_longest_partial_match_and_the_failing_element(pack: Pack) -> None:
    result = explain(pack, "toll", "Yesterday 12 fighters were killed near Hama.")
    assert result.matches == []
    assert result.partial == "12 fighters were killed"
    assert result.failed_element == "'in' at pattern column 31"
    assert result.failed_caret == (
        "    {n:NUMBER} {v:VICTIM} @KILLED in {p:PLACE}\n"
        "    " + " " * 30 + "^^")
    text = result.render()
    assert "  NO MATCH" in text and "  longest partial match: '12 fighters were killed'" in text
    assert "  PLACE spans in the text: 'Hama'" in text
    assert "  VICTIM spans in the text: 'fighters'" in text


def test_no_match_at_the_first_element(pack: Pack) -> None:
    result = explain(pack, "toll", "Fighters were killed in Hama.")
    assert result.partial is None
    assert result.failed_element == "'{n:NUMBER}' at pattern column 1"
    assert "  NUMBER spans in the text: none" in result.render()


def test_missing_required_words_are_named(pack: Pack) -> None:
    result = explain(pack, "single", "Talks resumed in Geneva.")
    assert result.missing_features == ["ceasefire"]
    assert "none of the words or types the rule requires occur in one sentence: ceasefire" \
        in result.render()


def test_match_removed_by_overlap_resolution_is_noted(pack: Pack) -> None:
    result = explain(pack, "short", "12 fighters were killed in Hama.")
    assert result.matches == []
    assert result.dropped == ["1 match(es) removed by overlap resolution (label Casualties): "
                              "'fighters were killed'"]
    assert "  note: 1 match(es) removed by overlap resolution" in result.render()


def test_document_scope_rule(pack: Pack) -> None:
    result = explain(pack, "across", "Two were killed. Shelling went on in Hama.")
    assert [(m.start, m.end) for m in result.matches] == [(9, 41)]
    result = explain(pack, "across", "Two were killed. Shelling went on in Homs.")
    assert result.partial == "killed"
    assert result.failed_element == "'{p:PLACE}' at pattern column 12"


def test_unknown_rule(pack: Pack) -> None:
    with pytest.raises(KeyError, match="no rule 'tol'"):
        explain(pack, "tol", "text")
