"""`where:` conditions keep only the matches whose captures compare as stated."""

from __future__ import annotations

from pathlib import Path

import pytest

import engine

PACK = Path(__file__).parent / "fixtures" / "filters" / "where.yaml"


@pytest.fixture(scope="module")
def pack() -> engine.Pack:
    return engine.load(PACK, cache=False)


def rules(pack: engine.Pack, text: str) -> list[str]:
    return [m.rule.split(".")[-1] for m in pack.extract(text)]


def test_equal_attributes_of_two_captures(pack) -> None:
    assert rules(pack, "Jets struck Mayadin in Deir Ezzor province.") == ["agrees"]
    assert rules(pack, "Jets struck Mayadin in Hama province.") == []


def test_numeric_and_negated_conditions(pack) -> None:
    assert rules(pack, "At least 12 people killed.") == ["big_toll"]
    assert rules(pack, "Some 8 people killed.") == []
    assert rules(pack, "About 30 people killed.") == []


@pytest.mark.parametrize("where, code", [
    ("p.admin1 == g.admin1", "E328"),
    ("p.admin1 = x.admin1", "E306"),
])
def test_bad_conditions_are_located(tmp_path: Path, where: str, code: str) -> None:
    (tmp_path / "r.yaml").write_text(
        "lexicons: {PLACE: [Hama]}\nrules:\n  - name: r\n    pattern: '{p:PLACE} {g:PLACE}'\n"
        f"    where: '{where}'\n", encoding="utf-8")
    with pytest.raises(engine.RuleErrors) as info:
        engine.load(tmp_path, cache=False)
    [error] = info.value.errors
    assert (error.code, error.line) == (code, 5)
