"""The README's 30-second example (rules/demo.yaml) works as the README says."""

from __future__ import annotations

import io
from pathlib import Path

import engine
from engine.cli import main
from engine.examples import check_examples

DEMO = Path(__file__).resolve().parents[1] / "rules" / "demo.yaml"


def test_demo_examples_pass() -> None:
    outcomes = check_examples(engine.load(DEMO, cache=False))
    assert outcomes and all(o.passed for o in outcomes)


def test_demo_run_on_stdin_gives_the_readme_fields() -> None:
    text = b"About 160 militants were reportedly killed in Deir-Ezzor province.\n"
    out, err = io.StringIO(), io.StringIO()
    code = main(["run", "--rules", str(DEMO), "--quiet", "-"], out, err, io.BytesIO(text))
    assert code == 0, err.getvalue()
    assert '"fields":{"fatalities":160,"location":"Deir ez-Zor"}' in out.getvalue()
    assert '"text":"About 160 militants were reportedly killed in Deir-Ezzor"' in out.getvalue()
