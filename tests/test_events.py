"""Tests of engine.events: how matches become event records under the `events:` section."""

from __future__ import annotations

from pathlib import Path

import pytest

import engine
from engine.event_spec import EventSpec
from engine.events import merge_fields

PACK = Path(__file__).parent / "fixtures" / "conflict" / "events_pack.yaml"


@pytest.fixture(scope="module")
def pack() -> engine.Pack:
    return engine.load(PACK)


def _events(pack: engine.Pack, text: str) -> list[dict]:
    return [e.fields for e in pack.events(text)]


def test_a_toll_in_the_same_sentence_joins_the_attack(pack) -> None:
    (event,) = _events(pack, "Shelling on Northville: 4 people were killed.")
    assert event["location"] == "Northville" and event["fatalities"]["value"] == 4


def test_a_toll_told_twice_counts_once_and_exact_beats_vague(pack) -> None:
    (event,) = _events(pack, "Shelling on Northville. Dozens were killed. 31 people were killed.")
    assert event["fatalities"]["value"] == 31


def test_context_fills_a_mention_without_place_from_its_sentence(pack) -> None:
    (event,) = _events(pack, "In Southville the shelling went on.")
    assert event["location"] == "Southville" and event["admin1"] == "South"


def test_context_takes_no_place_another_mention_stands_closer_to(pack) -> None:
    events = _events(pack, "Shelling on Northville, then gas.")
    assert [e.get("location") for e in events] == ["Northville"]
    assert events[0]["cause"] == "chemical"   # the gas mention merged in and outranks


def test_lookahead_joins_a_lead_toll_to_the_next_sentence_attack(pack) -> None:
    (event,) = _events(pack, "Seven people were killed. Shelling on Northville began at dawn.")
    assert event["fatalities"]["value"] == 7 and event["location"] == "Northville"


def test_a_lead_toll_brings_its_own_sentence_place_to_the_attack_it_joins(pack) -> None:
    (event,) = _events(pack, "Four people were killed in Southville. Shelling began at dawn.")
    assert event["location"] == "Southville" and event["fatalities"]["value"] == 4


def test_a_lone_toll_is_an_event_of_its_own(pack) -> None:
    (event,) = _events(pack, "Three people were killed.")
    assert event["fatalities"]["value"] == 3


def test_carry_fills_actor2_from_earlier_fighters(pack) -> None:
    (event,) = _events(pack, "Red Brigade fighters dug in. Shelling on Northville followed.")
    assert event["actor2"] == "Red Brigade"


def test_an_actor_taken_from_context_yields_to_a_stated_one(pack) -> None:
    (event,) = _events(pack, "Red Brigade said shelling on Northville went on. "
                              "Blue Brigade claimed it.")
    assert event["actor1"] == "Blue Brigade"


def test_an_actor_taken_from_context_stays_when_nothing_states_one(pack) -> None:
    (event,) = _events(pack, "Red Brigade said shelling on Northville went on.")
    assert event["actor1"] == "Red Brigade"


def _pack_with(tmp_path: Path, extra_rules: str, extra_events: str,
               yields: str = "actor1") -> engine.Pack:
    """The fixture pack with more rules and `events:` keys (and other `context_yields`)."""
    text = PACK.read_text(encoding="utf-8")
    text = text.replace("context_yields: [actor1]", f"context_yields: [{yields}]", 1)
    text = text.replace("events:\n", extra_rules + "events:\n" + extra_events, 1)
    path = tmp_path / "pack.yaml"
    path.write_text(text, encoding="utf-8")
    return engine.load(path)


PLACED_TOLL = """  - name: killed_in
    label: Casualties
    pattern: "killed {n:NUMBER} in {t:TOWN}"
    fields: {fatalities: n, location: t.name, admin1: t.admin1}
"""


def test_fact_merge_by_keeps_a_toll_of_another_place_apart(tmp_path) -> None:
    pack = _pack_with(tmp_path, PLACED_TOLL, "  fact_merge_by: [admin1]\n")
    events = _events(pack, "They killed 5 in Southville. Shelling on Northville went on.")
    assert [(e.get("location"), (e.get("fatalities") or {}).get("value")) for e in events] \
        == [("Northville", None), ("Southville", 5)]


def test_fact_merge_by_lets_a_toll_of_the_same_place_join(tmp_path) -> None:
    pack = _pack_with(tmp_path, PLACED_TOLL, "  fact_merge_by: [admin1]\n")
    (event,) = _events(pack, "They killed 5 in Northville. Shelling on Northville went on.")
    assert event["location"] == "Northville" and event["fatalities"]["value"] == 5


def test_fact_merge_by_lets_a_toll_replace_a_guessed_place(tmp_path) -> None:
    pack = _pack_with(tmp_path, PLACED_TOLL, "  fact_merge_by: [admin1]\n",
                      yields="actor1, location, admin1")
    (event,) = _events(pack, "The shelling hit Northville and killed 5 in Southville.")
    assert event["admin1"] == "South" and event["fatalities"]["value"] == 5


def test_without_fact_merge_by_a_toll_joins_the_next_attack_anywhere(tmp_path) -> None:
    pack = _pack_with(tmp_path, PLACED_TOLL, "")
    (event,) = _events(pack, "They killed 5 in Southville. Shelling on Northville went on.")
    assert event["location"] == "Northville" and event["fatalities"]["value"] == 5


@pytest.mark.parametrize("current, extra, expected", [
    ({"n": 3}, {"n": 5}, 5),
    ({"n": 5}, {"n": 3}, 5),
    ({"n": {"value": 30}}, {"n": {"value": None, "min": 200}}, {"value": 30}),
    ({"n": {"value": None, "min": 24}}, {"n": {"value": 12}}, {"value": 12}),
])
def test_max_fields(current, extra, expected) -> None:
    merge_fields(current, extra, ("n",))
    assert current["n"] == expected


def test_rank_keeps_the_value_listed_first() -> None:
    fields = {"cause": "shelling"}
    merge_fields(fields, {"cause": "chemical"}, (), (("cause", ("chemical", "shelling")),))
    assert fields["cause"] == "chemical"


def test_spec_reads_plain_config() -> None:
    spec = EventSpec.from_config([{"window": 3, "carry": {"a": "b"},
                                   "context": [{"label": "Place", "key": "location"}]}])
    assert spec.window == 3 and spec.carry == (("a", "b"),)
    assert spec.context[0].prefer == "after" and spec.fact_merge_by == ()
