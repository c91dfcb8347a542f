"""Tests of the compile stage: located E3xx errors in YAML files, cascades, prefilter, fields."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from engine.compile import CompiledPack, FieldGetter, compile_pack
from engine.errors import RuleError, RuleErrors
from engine.load import load_pack

PACKS = Path(__file__).parent / "fixtures" / "packs"
COMPILE_ERRORS = yaml.safe_load((PACKS / "compile_errors.yaml").read_text(encoding="utf-8"))


def write_pack(folder: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")


def compile_errors(folder: str | Path = ".") -> list[RuleError]:
    source = load_pack(folder)  # the cases load cleanly: every error is a compile-stage one
    with pytest.raises(RuleErrors) as info:
        compile_pack(source)
    return info.value.errors


def compiled(in_tmp: Path, rules_yaml: str, **files: str) -> CompiledPack:
    write_pack(in_tmp, {"rules.yaml": rules_yaml, **files})
    return compile_pack(load_pack("."))


# ---- located errors -------------------------------------------------------------------------
@pytest.mark.parametrize("case", COMPILE_ERRORS, ids=[c["id"] for c in COMPILE_ERRORS])
def test_compile_error_is_located_in_the_yaml_file(in_tmp: Path, case: dict) -> None:
    write_pack(in_tmp, case["files"])
    errors = compile_errors()
    code, file, line, column, message, hint = case["error"]
    listing = "\n".join(e.render() for e in errors)
    found = [e for e in errors if (e.code, e.file, e.line, e.column) == (code, file, line, column)]
    assert found, listing
    assert message in found[0].message
    assert found[0].hint is None if hint is None else hint in (found[0].hint or ""), listing
    assert len(errors) == case.get("count", 1), listing


def test_caret_underlines_the_type_name_in_the_file(in_tmp: Path) -> None:
    write_pack(in_tmp, {"rules.yaml": "lexicons: {PLACE: [Aleppo]}\nrules:\n  - name: r\n"
                                      "    pattern: 'in {p:PLACES} today'\n"})
    [error] = compile_errors()
    assert error.render().splitlines() == [
        "rules.yaml:4:21: E301 unknown type 'PLACES' (did you mean 'PLACE'?)",
        "     4 |     pattern: 'in {p:PLACES} today'",
        "       |                     ^^^^^^",
    ]


def test_locations_in_a_crlf_file_with_escapes(in_tmp: Path) -> None:
    lines = ["lexicons: {PLACE: [Aleppo]}", "rules:",
             "  - name: r", "    pattern: |", "      killed", "        in {p:PLACES}",
             "  - name: s", '    pattern: "\\t\\x41 \\U0001F600 {p:PLACES}"']
    (in_tmp / "rules.yaml").write_bytes("\r\n".join(lines).encode() + b"\r\n")
    errors = compile_errors()
    assert [(e.line, e.column, e.location.end_column) for e in errors] == [
        (6, 15, 21), (8, 36, 42)]
    assert errors[0].location.source_line == "        in {p:PLACES}"


def test_check_reports_every_error_of_a_pack_at_once(in_tmp: Path) -> None:
    shutil.copytree(PACKS / "many_compile_errors", in_tmp, dirs_exist_ok=True)
    errors = compile_errors()
    assert [(e.file, e.line, e.column, e.code) for e in errors] == [
        ("attacks.yaml", 11, 30, "E301"),
        ("attacks.yaml", 13, 27, "E201"),
        ("attacks.yaml", 15, 22, "E302"),
        ("casualties.yaml", 8, 14, "E306"),
        ("casualties.yaml", 10, 15, "E305"),
    ]


def test_json_form_of_a_compile_error(in_tmp: Path) -> None:
    write_pack(in_tmp, {"rules.yaml": "rules:\n  - {name: r, pattern: \"@NOPE x\"}\n"})
    [error] = compile_errors()
    assert error.to_dict() == {"code": "E302", "message": "unknown macro @NOPE", "hint": None,
                               "file": "rules.yaml", "line": 2, "column": 25}


# ---- cascades -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cascade() -> CompiledPack:
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(PACKS / "cascade")
        return compile_pack(load_pack("."))


@pytest.mark.parametrize(("rule", "stage"), [
    ("airstrike", 0),      # produces Attack (a taxonomy: Airstrike and Attack)
    ("shelling", 0),
    ("plain", 0),          # uses only a lexicon
    ("whole_document", 0),
    ("casualties", 1),     # uses Attack, through the macro @ATTACK
    ("report", 2),         # uses Casualties
])
def test_cascade_stages(cascade: CompiledPack, rule: str, stage: int) -> None:
    assert cascade.rule(rule).stage == stage


def test_every_stage_runs_after_the_producers_of_its_labels(cascade: CompiledPack) -> None:
    producers = {label: r.stage for r in cascade.rules for label in r.labels}
    for rule in cascade.rules:
        assert all(producers[label] < rule.stage for label in rule.program.labels_used)
    assert [sorted(cascade.rules[i].short_name for i in s.rules) for s in cascade.stages] == [
        ["airstrike", "plain", "shelling", "whole_document"], ["casualties"], ["report"]]


def test_document_rules_stay_out_of_the_sentence_prefilter(cascade: CompiledPack) -> None:
    first = cascade.stages[0]
    index = cascade.rule("whole_document").index
    assert first.document_rules == [index]
    assert index not in first.sentence_index.candidates(["ceasefire"])
    plain = cascade.rule("plain").index
    assert first.sentence_index.candidates({"fled", "#VICTIM"}) == {plain}
    # "fled" is the anchor, but the VICTIM clause must be met too before the regex runs
    assert first.sentence_index.candidates({"fled"}) == set()


# ---- prefilter features ---------------------------------------------------------------------
MACROS = 'macros:\n  KILLED: "(killed | slain)"\n  ANY: "_ | killed"\n'
LEXICONS = "lexicons: {PLACE: [Aleppo], VICTIM: [militants]}\n"


@pytest.mark.parametrize(("pattern", "features"), [
    ("killed", {"killed"}),
    ("KILLED", {"killed"}),                        # folded
    ("the militants", {"militants"}),              # not a common word
    ("(killed | died)", {"killed", "died"}),       # every alternative
    ('"Free Syrian Army"', {"syrian"}),            # the rarest word of a phrase
    ("kill~", {"kill", "kills", "killed", "killing"}),
    ("{n:NUMBER} people", {"people"}),             # a rare word beats a type
    ("{n:NUMBER} of the", {"#NUMBER"}),            # a type beats common words
    ("killed? in {p:PLACE}", {"#PLACE"}),          # optional parts give nothing
    ("{v:VICTIM} @KILLED", {"killed", "slain"}),   # macros are looked into
    ("!(no | not) killed", {"killed"}),
    ("{who:(Russian | Syrian) jets}", {"jets"}),   # capture bodies are looked into
    ("{x:WORD} killed", {"killed"}),
    ("(killed | _)", None),                        # one alternative can be anything
    ("@ANY", None),
    ("_ /[0-9]{4}/", None),
    ("{x:NAME}", None),                            # built-ins are not indexed
    ("(?= killed) _", None),                       # lookarounds give nothing
])
def test_prefilter_features(in_tmp: Path, pattern: str, features: set[str] | None) -> None:
    pack = compiled(in_tmp, MACROS + LEXICONS + f"rules:\n  - name: r\n    pattern: '{pattern}'\n")
    rule = pack.rules[0]
    assert rule.features == (None if features is None else frozenset(features))
    index = pack.stages[0].sentence_index
    assert (rule.index in index.always) == (features is None)


# ---- fields ---------------------------------------------------------------------------------
FIELDS_YAML = """\
rules:
  - name: r
    pattern: "{count:NUMBER} {victim:(militants | civilians)} @KILLED"
    fields:
      fatalities: count.value
      quoted: "count.value"
      single: 'count'
      whole: victim
      constant: Battles
      number: 5
      flag: true
      mapping: {kind: strike}
      from_macro: how.text
      dotted_constant: "not.a.capture"
macros:
  KILLED: "{how:(killed | slain)}"
"""


@pytest.mark.parametrize(("name", "getter"), [
    ("fatalities", FieldGetter("fatalities", "count", ("value",))),
    ("quoted", FieldGetter("quoted", None, (), "count.value")),   # quoted: always a constant
    ("single", FieldGetter("single", None, (), "count")),
    ("whole", FieldGetter("whole", "victim", ())),
    ("constant", FieldGetter("constant", None, (), "Battles")),   # not a capture: a constant
    ("number", FieldGetter("number", None, (), 5)),
    ("flag", FieldGetter("flag", None, (), True)),
    ("mapping", FieldGetter("mapping", None, (), {"kind": "strike"})),
    ("from_macro", FieldGetter("from_macro", "how", ("text",))),  # a capture inside a macro
    ("dotted_constant", FieldGetter("dotted_constant", None, (), "not.a.capture")),
])
def test_field_references_and_constants(in_tmp: Path, name: str, getter: FieldGetter) -> None:
    pack = compiled(in_tmp, FIELDS_YAML)
    fields = {f.name: f for f in pack.rules[0].fields}
    assert fields[name] == getter


# ---- what a compiled pack holds -------------------------------------------------------------
def test_compiled_rule_keeps_provenance_and_pattern(in_tmp: Path) -> None:
    pack = compiled(in_tmp, "rules:\n  - name: r\n    label: Attack\n    priority: 2\n"
                            "    pattern: airstrike  on\n")
    rule = pack.rule("r")
    assert (rule.name, rule.label, rule.priority) == ("rules.r", "Attack", 2)
    assert (rule.provenance.file, rule.provenance.line) == ("rules.yaml", 2)
    assert rule.pattern_text == "airstrike  on"
    assert rule.matcher.pattern == rule.program.source


def test_unknown_rule_name_has_a_hint(in_tmp: Path) -> None:
    pack = compiled(in_tmp, "rules:\n  - {name: airstrike, pattern: airstrike}\n")
    with pytest.raises(KeyError, match="did you mean 'rules.airstrike'"):
        pack.rule("rules.airstrikes")


def test_overlap_policies_by_label_or_rule(in_tmp: Path) -> None:
    pack = compiled(in_tmp, "rules:\n"
                            "  - {name: a, label: Attack, overlap: longest, pattern: x}\n"
                            "  - {name: b, label: Attack, pattern: y}\n"
                            "  - {name: c, overlap: all, pattern: z}\n")
    assert pack.overlap == {"Attack": "longest", "rules.c": "all"}


def test_lexicon_attributes_reach_the_index(in_tmp: Path) -> None:
    pack = compiled(in_tmp, "lexicons:\n  PLACE:\n    - name: Deir ez-Zor\n"
                            "      aliases: [Deir Ezzor]\n      attrs: {country: Syria}\n")
    assert pack.types == {"NUMBER": pack.types["NUMBER"], "PLACE": pack.types["PLACE"]}
    assert pack.lexicon.size == 2
    assert pack.lexicon.types == {"PLACE"}


def test_token_classes_compile_with_their_flags(in_tmp: Path) -> None:
    pack = compiled(in_tmp, "rules:\n  - name: r\n    pattern: '/ab\\/c/i x'\n")
    [klass] = pack.token_classes
    assert klass.fullmatch("AB/C") is not None

