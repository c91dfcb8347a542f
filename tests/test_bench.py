"""Smoke tests of the benchmark: the workload generator, the peers' patterns, one mini run."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import regex

from bench import compare, run
from bench.patterns import naive_regex
from bench.workload import (
    Part,
    Shape,
    gazetteer,
    max_rules,
    pack_files,
    repeat_to,
    rule_specs,
    rulecraft_pattern,
)

SHARED = Path(__file__).resolve().parents[2] / "shared"
FAKES = SHARED / "data" / "fakes" / "dev.csv"


def test_rule_sets_are_distinct_nested_and_large_enough():
    small, large = rule_specs(10), rule_specs(10_000)
    assert max_rules() >= 10_000
    assert large[:10] == small
    assert len({s.name for s in large}) == len({rulecraft_pattern(s) for s in large}) == 10_000
    assert {s.shape for s in small} == set(Shape)


@pytest.mark.parametrize("count", [0, -1, max_rules() + 1])
def test_rule_count_out_of_range(count):
    with pytest.raises(ValueError):
        rule_specs(count)


def test_gazetteer_has_the_requested_terms_and_is_deterministic(tmp_path):
    places = gazetteer(500, seed=7, real=None)
    terms = [t for p in places for t in p.terms]
    assert len(terms) == len({t.casefold() for t in terms}) == 500
    assert places == gazetteer(500, seed=7, real=None)
    assert places != gazetteer(500, seed=8, real=None)


def test_gazetteer_takes_real_names_first(tmp_path):
    real = tmp_path / "places.tsv"
    real.write_text("name\taliases\tkind\n# a comment\nOld Town\tOld City|Vieille Ville\ttown\n",
                    encoding="utf-8")
    places = gazetteer(5, seed=1, real=real)
    assert places[0].terms == ("Old Town", "Old City", "Vieille Ville")
    assert sum(len(p.terms) for p in places) == 5


def test_places_are_a_lexicon_file_never_inlined():
    specs, places = rule_specs(20), gazetteer(50, real=None)
    files = pack_files(specs, places)
    assert "PLACE: {file: places.tsv}" in files["rules.yaml"]
    assert places[-1].name not in files["rules.yaml"]
    assert files["places.tsv"].splitlines()[0] == "name\taliases"
    assert files["rules.yaml"].count("pattern:") == 20


def test_repeat_to_reaches_the_size():
    texts = ["abc", "défg"]
    out = repeat_to(texts, 20 / 1e6)
    assert out[:3] == ["abc", "défg", "abc"]
    assert sum(len(t.encode()) for t in out) >= 20


@pytest.mark.parametrize(("shape", "text"), [
    (Shape.PASSIVE, "At least 12 civilians were killed on Monday in Tal Sample."),
    (Shape.ACTIVE, "The strike hit a market, killing 12 civilians in Tal Sample."),
    (Shape.BARE, "Civilians killed in Tal Sample, the report said."),
    (Shape.TOLL, "The death toll of civilians killed in the raids rose to 40 in Tal Sample."),
])
def test_naive_pattern_matches_its_shape(shape, text):
    spec = next(s for s in rule_specs(200) if s.shape is shape and s.noun == "civilians"
                and s.verb.past == "killed" and s.prep == "in" and not s.reported)
    pattern = regex.compile(naive_regex(spec), regex.IGNORECASE, places=["Tal Sample"])
    assert pattern.search(text).group("place") == "Tal Sample"
    assert Part.PLACE in spec.parts


def test_naive_skip_stays_within_the_sentence():
    spec = next(s for s in rule_specs(10) if s.shape is Shape.PASSIVE)
    pattern = regex.compile(naive_regex(spec), regex.IGNORECASE, places=["Tal Sample"])
    text = f"3 {spec.noun} {spec.verb.past} there. Later {spec.prep} Tal Sample"
    assert pattern.search(text) is None


@pytest.mark.skipif(not FAKES.is_file(), reason=f"FA-KES text not found at {FAKES}")
def test_mini_run_writes_json_and_table(tmp_path):
    argv = ["--quick", "--rules", "10", "--engines", "rulecraft,naive", "--mb", "0.05",
            "--runs", "1", "--run-seconds", "0.2", "--peer-seconds", "0.2",
            "--compile-seconds", "1", "--jobs", "2", "--out", str(tmp_path / "results"),
            "--cache", str(tmp_path / "cache"), "--name", "smoke", "--fakes", str(FAKES)]
    out = io.StringIO()
    assert run.main(argv, out=out, log=io.StringIO()) == 0
    report = json.loads((tmp_path / "results" / "smoke.json").read_text(encoding="utf-8"))
    engines = report["configs"][0]["engines"]
    assert engines["rulecraft"]["status"] == "ok", engines["rulecraft"]
    assert [t["jobs"] for t in engines["rulecraft"]["throughput"]] == [1, 2]
    assert engines["naive"]["agreement"]["docs"] > 0
    assert "| 10 | 2,000 |" in out.getvalue()
    assert (tmp_path / "results" / "latest.md").read_text(encoding="utf-8") == out.getvalue()
    table = io.StringIO()
    smoke = str(tmp_path / "results" / "smoke.json")
    assert compare.main([smoke, smoke], out=table) == 0
    assert "1.00x" in table.getvalue()


def test_missing_text_is_reported(tmp_path):
    log = io.StringIO()
    assert run.main(["--quick", "--fakes", str(tmp_path / "none.csv")], log=log) == 2
    assert "no FA-KES text" in log.getvalue()


def test_startup_measures_each_step_in_fresh_processes(tmp_path, monkeypatch):
    from bench import startup

    monkeypatch.setenv("RULECRAFT_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "startup.json"
    assert startup.main(["--runs", "1", "--pack", "rules/demo.yaml", "--out", str(out)]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["load_and_first_extract"] == pytest.approx(
        result["load"] + result["first_extract"], abs=0.002)
    assert result["process"] > result["import"] > 0 and result["bare_interpreter"] > 0
