"""Tests of `word~` inflections: the forms each lemma must include, and some it must not."""

from __future__ import annotations

import pytest

from engine.inflect import inflections

TABLE = [
    # lemma, forms that must be there
    ("kill", ["kill", "kills", "killed", "killing"]),
    ("attack", ["attacks", "attacked", "attacking"]),
    ("die", ["dies", "died", "dying"]),
    ("carry", ["carries", "carried", "carrying"]),
    ("deploy", ["deploys", "deployed", "deploying"]),
    ("occupy", ["occupies", "occupied", "occupying"]),
    ("stop", ["stops", "stopped", "stopping"]),
    ("plan", ["plans", "planned", "planning"]),
    ("kidnap", ["kidnaps", "kidnapped", "kidnapping"]),
    ("open", ["opens", "opened", "opening"]),
    ("patrol", ["patrols", "patrolled", "patrolling"]),
    ("capture", ["captures", "captured", "capturing"]),
    ("free", ["frees", "freed", "freeing"]),
    ("ambush", ["ambushes", "ambushed", "ambushing"]),
    ("clash", ["clashes", "clashed", "clashing"]),
    ("fix", ["fixes", "fixed", "fixing"]),
    ("veto", ["vetoes", "vetoed", "vetoing"]),
    ("tie", ["ties", "tied", "tying"]),
    ("flee", ["flees", "fled", "fleeing"]),
    ("shoot", ["shoots", "shot", "shooting"]),
    ("strike", ["strikes", "struck", "striking"]),
    ("hit", ["hits", "hitting"]),
    ("seize", ["seizes", "seized", "seizing"]),
    ("be", ["is", "are", "was", "were", "been", "being"]),
    ("wound", ["wounds", "wounded", "wounding"]),
    ("child", ["children"]),
    ("woman", ["women"]),
    ("person", ["people"]),
    ("militant", ["militants"]),
    ("casualty", ["casualties"]),
    ("KILL", ["kill", "killed"]),
]


@pytest.mark.parametrize(("lemma", "forms"), TABLE, ids=[row[0] for row in TABLE])
def test_forms(lemma: str, forms: list[str]) -> None:
    got = inflections(lemma)
    assert got[0] == lemma.lower()
    assert [f for f in forms if f not in got] == []
    assert len(got) == len(set(got))


@pytest.mark.parametrize(("lemma", "absent"), [
    ("stop", "stoped"),
    ("kill", "killled"),
    ("fix", "fixxed"),
    ("shoot", "shooted"),
    ("die", "dieing"),
    ("attack", "attackked"),
])
def test_forms_it_must_not_make(lemma: str, absent: str) -> None:
    assert absent not in inflections(lemma)
