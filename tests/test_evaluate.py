"""Tests of engine.evaluate: scoring the default pack against a small FA-KES style gold file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import engine
from engine.evaluate import (
    baseline_killed,
    baseline_location,
    cause_code,
    evaluate,
    first_value,
    main_event,
    predicted_cause,
    read_gold,
    report,
    same_cause_actor,
)
from engine.model import Event, Match

FIXTURES = Path(__file__).parent / "fixtures" / "conflict"
PACK = Path(__file__).resolve().parents[1] / "rules" / "conflict"


@pytest.fixture(scope="module")
def scores():
    pack = engine.load(PACK)
    return evaluate(pack, read_gold(str(FIXTURES / "gold.csv"), "article_content", "unit_id"))


def test_gold_rows_are_read_with_killed_as_a_sum() -> None:
    articles = read_gold(str(FIXTURES / "gold.csv"), "article_content", "unit_id")
    assert [a.gold["killed"] for a in articles] == [12, 5, 9, 0]
    assert articles[0].date == "2017-04-03"


@pytest.mark.parametrize("field, score, baseline", [
    ("location", 1.0, 0.25),
    ("killed", 1.0, 0.25),
    ("cause", 0.75, None),
    ("actor", 1.0, None),
])
def test_scores_on_the_fixture(scores, field, score, baseline) -> None:
    assert scores[field].score == score
    assert scores[field].baseline == baseline


def test_report_lists_fields_and_wrong_articles(scores) -> None:
    out = io.StringIO()
    report(scores, out, show_errors=5)
    text = out.getvalue()
    assert text.splitlines()[0].split() == ["field", "rulecraft", "baseline", "target",
                                            "articles"]
    assert "a3: gold 'shooting', predicted 'unknown'" in text


@pytest.mark.parametrize("cause, code", [
    ("air strike", "shelling"), ("chemical weapon", "chemical and toxic gases"),
    ("suicide bombing", "explosion"), ("execution", "execution"), (None, "unknown"),
])
def test_cause_codes(cause, code) -> None:
    assert cause_code(cause) == code


def test_baselines() -> None:
    assert baseline_location("Shells hit Hama, then Aleppo.") == "hama"
    assert baseline_killed("In all 14 people were killed.") == 14
    assert baseline_killed("Nobody died.") == 0


def test_rows_sharing_an_id_are_each_scored_against_their_own_gold() -> None:
    pack = engine.load(PACK)
    rows = read_gold(str(FIXTURES / "gold_duplicate_ids.csv"), "article_content", "unit_id")
    scores = evaluate(pack, rows)
    assert [scores[name].score for name in ("location", "killed", "cause")] == [1.0, 1.0, 1.0]


def _event(start: int, sentence: int | None = None, **fields) -> Event:
    return Event(fields, [Match("r", "Attack", start, start + 1, "x", sentence=sentence)])


def test_first_value_takes_the_event_mentioned_first_that_has_the_field() -> None:
    events = [_event(30, cause="shelling"), _event(10), _event(20, cause="air strike")]
    assert first_value(events, "cause") == "air strike"
    assert first_value(events, "actor1") is None


def test_the_main_event_is_the_first_exact_toll_then_the_first_vague_one() -> None:
    vague = _event(5, fatalities={"value": None, "min": 24, "max": None, "qualifier": None})
    exact = _event(50, fatalities={"value": 130, "min": None, "max": None, "qualifier": None})
    assert main_event([vague, exact]) is exact
    assert main_event([vague, _event(1)]) is vague


def test_a_negation_does_not_hide_an_exact_toll() -> None:
    negated = _event(5, negated=True, fatalities=35)
    vague = _event(9, negated=True, fatalities={"value": None, "min": 10, "max": None})
    assert main_event([negated, _event(20, fatalities=4)]) is negated
    other = _event(20, fatalities=4)
    assert main_event([vague, other]) is other


def test_an_actorless_main_event_takes_the_actor_of_the_same_attack_told_nearby() -> None:
    main = _event(5, sentence=0, cause="air strike")
    events = [main, _event(60, sentence=1, cause="air strike", actor1="Blue Air Force"),
              _event(90, sentence=1, cause="shelling", actor1="Red Army")]
    assert same_cause_actor(main, events) == "Blue Air Force"
    far = [main, _event(400, sentence=6, cause="air strike", actor1="Blue Air Force")]
    assert same_cause_actor(main, far) is None


@pytest.mark.parametrize("main_fields, other_cause, code", [
    ({"cause": "explosion"}, "air strike", "explosion"),
    ({"fatalities": 3}, "air strike", "shelling"),
    ({"fatalities": 3}, "execution", "execution"),
    ({"event_type": "Battles"}, "shelling", "shelling"),
    ({"event_type": "Battles"}, "execution", "unknown"),
    ({"event_type": "Battles"}, "car bomb", "unknown"),
])
def test_a_clash_borrows_only_bombardment_as_its_cause(main_fields, other_cause, code) -> None:
    main = _event(5, **main_fields)
    assert predicted_cause(main, [main, _event(80, cause=other_cause)]) == code


DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "fakes" / "dev.csv"
TARGETS = {"location": 0.95, "killed": 0.80, "cause": 0.88, "actor": 0.70}


@pytest.mark.skipif(not DEV.is_file(), reason="FA-KES dev.csv is not beside the repository")
def test_the_shipped_pack_meets_its_targets_on_fakes_dev() -> None:
    """A guard for the pack and the engine under it: any change that costs an article on a
    field at its target shows here (about 4 s with two processes)."""
    scores = evaluate(engine.load(PACK), read_gold(str(DEV), "article_content", "unit_id"),
                      jobs=2)
    assert {name: scores[name].score >= target for name, target in TARGETS.items()} == {
        name: True for name in TARGETS}, {name: scores[name].score for name in TARGETS}
