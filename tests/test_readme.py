"""The rule-reference example in the README compiles and its examples pass."""

from __future__ import annotations

from pathlib import Path

import engine
from engine.examples import check_examples

README = Path(__file__).resolve().parents[1] / "README.md"
LEXICONS = """lexicons:
  ACTOR: [Russian jets]
  PLACE:
    - {name: Raqqa, attrs: {admin1: Raqqa, country: Syria}}
"""


def test_readme_rule_reference_example_works(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index("rules:\n  - name: airstrike")
    block = text[start:text.index("```", start)]
    (tmp_path / "readme.yaml").write_text(LEXICONS + block, encoding="utf-8")
    outcomes = check_examples(engine.load(tmp_path, cache=False))
    assert len(outcomes) == 2 and all(o.passed for o in outcomes), [o.render() for o in outcomes]
