"""The default conflict pack compiles, every rule has examples both ways, and all pass."""

from __future__ import annotations

from pathlib import Path

import pytest

import engine
from engine.examples import check_examples

PACK = Path(__file__).resolve().parents[1] / "rules" / "conflict"


@pytest.fixture(scope="module")
def pack() -> engine.Pack:
    return engine.load(PACK)


def test_pack_compiles_with_events_section(pack) -> None:
    assert len(pack.rules) > 40
    assert pack.compiled.events


def test_every_rule_has_positive_and_negative_examples(pack) -> None:
    lacking = [r.name for r in pack.rules
               if not any(e.expect is None for e in r.examples)
               or not any(e.expect is not None for e in r.examples)]
    assert not lacking


def test_every_example_passes(pack) -> None:
    failed = [o.render() for o in check_examples(pack) if not o.passed]
    assert not failed, "\n".join(failed)


@pytest.mark.parametrize("text, fatalities", [
    ("Two airstrikes hit the depot near Tabqa.", None),
    ("At least 40 fighters fled to the border.", None),
    ("A car bomb in Azaz killed 8 people on Friday.", 8),
    ("No casualties were reported after shelling on Jableh.", None),
])
def test_tolls_in_events(pack, text, fatalities) -> None:
    tolls = [e.fields.get("fatalities") for e in pack.events(text)]
    values = [t["value"] for t in tolls if t is not None]
    assert values == ([] if fatalities is None else [fatalities])
