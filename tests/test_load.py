"""Tests of the load stage: YAML rule files and lexicon files -> located declarations, or errors."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.errors import LoadError, RuleError, RuleErrors
from engine.load import EntrySpec, PackSource, load_pack

PACKS = Path(__file__).parent / "fixtures" / "packs"
LOAD_ERRORS = yaml.safe_load((PACKS / "load_errors.yaml").read_text(encoding="utf-8"))


def write_pack(folder: Path, files: dict[str, Any]) -> None:
    """Write a case's files; a file given as {latin1: text} is written in Latin-1."""
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, dict):
            path.write_bytes(content["latin1"].encode("latin-1"))
        else:
            path.write_text(content, encoding="utf-8")


def load_errors(folder: str | Path = ".") -> list[RuleError]:
    with pytest.raises(RuleErrors) as info:
        load_pack(folder)
    return info.value.errors


def copy_pack(name: str, dest: Path) -> None:
    shutil.copytree(PACKS / name, dest, dirs_exist_ok=True)


# ---- broken packs ---------------------------------------------------------------------------
@pytest.mark.parametrize("case", LOAD_ERRORS, ids=[c["id"] for c in LOAD_ERRORS])
def test_broken_pack_reports_located_error(in_tmp: Path, case: dict) -> None:
    write_pack(in_tmp, case["files"])
    errors = load_errors()
    code, file, line, column, message, hint = case["error"]
    found = [e for e in errors if (e.code, e.file, e.line, e.column) == (code, file, line, column)]
    assert found, "\n".join(str(e) for e in errors)
    assert message in found[0].message
    assert found[0].hint is None if hint is None else hint in (found[0].hint or "")
    assert len(errors) == case.get("count", 1), "\n".join(str(e) for e in errors)
    assert all(isinstance(e, LoadError) for e in errors)


def test_duplicate_rule_note_names_the_first(in_tmp: Path) -> None:
    write_pack(in_tmp, {"rules.yaml": "rules:\n  - name: r\n    pattern: a\n"
                                      "  - {name: r, pattern: b}\n"})
    [error] = load_errors()
    assert (error.code, error.line, error.column) == ("E119", 4, 12)
    assert error.notes == ["first defined at rules.yaml:2:11"]
    assert "note: first defined at rules.yaml:2:11" in error.render()


def test_same_rule_name_in_two_files_is_fine(in_tmp: Path) -> None:
    write_pack(in_tmp, {"a.yaml": "rules: [{name: r, pattern: a}]\n",
                        "sub/b.yaml": "rules: [{name: r, pattern: b}]\n"})
    assert [r.name for r in load_pack(".").rules] == ["a.r", "sub.b.r"]


def test_missing_pack_is_an_error(in_tmp: Path) -> None:
    [error] = load_errors("no_such_pack")
    assert (error.code, error.file) == ("E100", "no_such_pack")


def test_error_renders_source_line_and_caret(in_tmp: Path) -> None:
    write_pack(in_tmp, {"rules.yaml": "rules:\n  - name: r\n    pattern: a\n    overlap: longer\n"})
    [error] = load_errors()
    assert error.render().splitlines() == [
        "rules.yaml:4:14: E121 overlap must be one of longest, priority, all "
        "(did you mean 'longest'?)",
        "     4 |     overlap: longer",
        "       |              ^^^^^^",
    ]


# ---- all errors at once ---------------------------------------------------------------------
def test_load_pack_collects_every_error_of_every_file_sorted(in_tmp: Path) -> None:
    copy_pack("many_load_errors", in_tmp)
    errors = load_errors()
    assert [(e.file, e.line, e.code) for e in errors] == [
        ("a.yaml", 7, "E120"),
        ("a.yaml", 8, "E119"),
        ("actors.tsv", 2, "E115"),
        ("b.yaml", 2, "E112"),
        ("b.yaml", 7, "E121"),
        ("sub/c.yaml", 2, "E116"),
        ("sub/c.yaml", 4, "E118"),
    ]


def test_rule_errors_message_lists_each_error(in_tmp: Path) -> None:
    copy_pack("many_load_errors", in_tmp)
    with pytest.raises(RuleErrors) as info:
        load_pack(".")
    text = str(info.value)
    assert text.startswith("7 error(s) in rule pack:")
    assert "sub/c.yaml:4:5: E118" in text


# ---- lexicon formats ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def lexicons() -> dict[str, tuple[EntrySpec, ...]]:
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(PACKS / "lexicon_formats")
        source = load_pack(".")
    return {decl.type: decl.entries for decl in source.lexicons}


def _entry(entries: tuple[EntrySpec, ...], name: str) -> EntrySpec:
    return next(e for e in entries if e.name == name)


def test_inline_lexicon_terms_and_entries(lexicons) -> None:
    assert [e.name for e in lexicons["VICTIM"]] == ["militants", "fighters"]
    deir = _entry(lexicons["PLACE"], "Deir ez-Zor")
    assert deir.aliases == ("Deir Ezzor", "Dayr az-Zawr")
    assert deir.attrs == {"kind": "governorate", "country": "Syria", "lat": 35.33, "code": "07",
                          "admin": "NO", "capital": "yes"}
    assert (deir.loc.file, deir.loc.line, deir.loc.column) == ("lexicons.yaml", 6, 7)


def test_txt_lexicon_skips_comments_and_blank_lines(lexicons) -> None:
    entries = lexicons["WEAPON"]
    assert [(e.name, e.loc.line) for e in entries] == [
        ("barrel bomb", 3), ("mortar", 4), ("rocket launcher", 6)]
    assert entries[0].loc.file == "lexicons/weapons.txt"


def test_csv_lexicon_with_bom_quotes_aliases_and_attributes(lexicons) -> None:
    al_bab, maarat = lexicons["TOWN"]
    assert (al_bab.name, al_bab.aliases, al_bab.loc.line) == ("Al-Bab", ("Al Bab", "al-Bab"), 3)
    assert al_bab.attrs == {"lat": 36.37, "lon": 37.51, "country": "Syria", "pcode": "SY0200",
                            "approx": "no"}
    assert maarat.name == "Maarat al-Numan, town"
    assert maarat.aliases == ("Maarrat an Nu'man",)


@pytest.mark.parametrize(("attr", "value"), [
    ("lat", 35.64),        # a decimal number becomes a float
    ("population", -12),   # an integer becomes an int
    ("country", "NO"),     # YAML 1.1 booleans are text
    ("approx", "true"),    # a table cell is never a boolean
    ("pcode", "007"),      # a code with leading zeros stays text
])
def test_csv_attribute_typing(lexicons, attr: str, value: Any) -> None:
    got = _entry(lexicons["TOWN"], "Maarat al-Numan, town").attrs[attr]
    assert (got, type(got)) == (value, type(value))


def test_empty_cell_gives_no_attribute(lexicons) -> None:
    assert "population" not in _entry(lexicons["TOWN"], "Al-Bab").attrs


def test_tsv_lexicon_with_aliases_and_numbers(lexicons) -> None:
    saa, liwa = lexicons["ACTOR"]
    assert (saa.name, saa.aliases, saa.attrs) == (
        "Syrian Arab Army", ("SAA", "Syrian army"), {"side": "government", "strength": 150.0})
    assert (liwa.name, liwa.aliases, liwa.attrs["strength"]) == (
        "Liwa' al-Quds", ('Liwa al-"Quds"',), 3)
    assert (liwa.loc.file, liwa.loc.line) == ("lexicons/actors.tsv", 4)


# ---- declarations -----------------------------------------------------------------------------
RULES_YAML = """\
macros:
  KILLED: "(killed | slain)"
rules:
  - name: killed_in_place
    label: [Casualties, Event]
    priority: 3
    overlap: longest
    scope: document
    description: deaths in a place
    pattern: "{n:NUMBER} @KILLED"
    fields:
      fatalities: n.value
      event_type: "n.value"
      kind: Battles
      count: 5
      where: {admin1: x}
    examples:
      - text: "Five were killed."
        expect: {fatalities: 5}
      - text: "Nothing happened."
        expect: none
      - "Ten were slain."
"""


@pytest.fixture
def source(in_tmp: Path) -> PackSource:
    write_pack(in_tmp, {"events.yaml": RULES_YAML})
    return load_pack("events.yaml")


def test_rule_declaration(source: PackSource) -> None:
    [rule] = source.rules
    assert (rule.name, rule.short_name, rule.labels) == (
        "events.killed_in_place", "killed_in_place", ("Casualties", "Event"))
    assert (rule.priority, rule.overlap, rule.scope, rule.description) == (
        3, "longest", "document", "deaths in a place")
    assert (rule.loc.file, rule.loc.line, rule.loc.column) == ("events.yaml", 4, 5)


def test_rule_defaults(in_tmp: Path) -> None:
    write_pack(in_tmp, {"r.yaml": "rules: [{name: r, pattern: a}]\n"})
    [rule] = load_pack(".").rules
    assert (rule.labels, rule.priority, rule.overlap, rule.scope, rule.fields, rule.examples) == (
        (), 0, None, "sentence", (), ())


def test_pattern_text_keeps_its_yaml_locator(source: PackSource) -> None:
    pattern = source.rules[0].pattern
    assert pattern.text == "{n:NUMBER} @KILLED"
    at = pattern.locate(pattern.text.index("@"))
    assert (at.line, at.column) == (10, 26)
    assert source.macros[0].name == "KILLED"


@pytest.mark.parametrize(("name", "value", "is_text"), [
    ("fatalities", "n.value", True),   # plain: a reference, resolved by the compiler
    ("event_type", "n.value", False),  # quoted: always a constant
    ("kind", "Battles", True),
    ("count", 5, True),                # typed by the YAML core schema
    ("where", {"admin1": "x"}, False),
])
def test_field_declarations(source: PackSource, name: str, value: Any, is_text: bool) -> None:
    field = next(f for f in source.rules[0].fields if f.name == name)
    assert (field.value, field.is_text) == (value, is_text)


def test_example_declarations(source: PackSource) -> None:
    examples = source.rules[0].examples
    assert [(e.text, e.expect) for e in examples] == [
        ("Five were killed.", {"fatalities": 5}),
        ("Nothing happened.", None),
        ("Ten were slain.", {}),
    ]
    assert examples[1].loc.line == 20


def test_single_file_pack_and_digest(in_tmp: Path) -> None:
    write_pack(in_tmp, {"r.yaml": "lexicons: {TOWN: {file: towns.txt}}\n",
                        "towns.txt": "Aleppo\n"})
    first = load_pack("r.yaml")
    assert first.files == (Path("r.yaml"),)
    (in_tmp / "towns.txt").write_text("Homs\n", encoding="utf-8")
    assert load_pack("r.yaml").digest != first.digest
    assert load_pack("r.yaml").digest == load_pack(".").digest
