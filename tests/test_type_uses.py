"""A type used only right after `^` is looked for only at sentence starts, with the same matches."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import engine
from engine.parse import parse_pattern
from engine.type_uses import start_only_types

GRAMMARS = Path(__file__).parent / "fixtures" / "grammars"
MACROS = {"HEAD": parse_pattern("{d:DATELINE}"), "LOOP": parse_pattern("@LOOP x")}


def _start_only(*patterns: str, scope: str = "sentence") -> set[str]:
    trees = [(parse_pattern(p), scope == "sentence") for p in patterns]
    return set(start_only_types(trees, MACROS.get))


@pytest.mark.parametrize("patterns, expected", [
    (["^ {d:DATELINE}"], {"DATELINE"}),
    (["^ {d:DATELINE} {p:PLACE}", "^ {DATELINE} ,"], {"DATELINE"}),
    (["^ {d:DATELINE}", "on {d:DATELINE}"], set()),  # used mid-sentence too
    (["^ {d:DATELINE}", "^ (x)? @HEAD"], set()),  # through a macro, not first
    (["^ {d:DATELINE} (?! {DATELINE})"], set()),  # again in a lookahead
    (["(?<! x) ^ {d:DATELINE}"], set()),
    (["^ {d:(x {DATELINE})}"], set()),  # a sub-pattern, not the type itself
    (["^ {d:DATELINE} @LOOP"], {"DATELINE"}),  # a macro that refers to itself ends
    (["{p:PLACE}"], set()),
])
def test_types_used_only_right_after_a_sentence_start(patterns, expected) -> None:
    assert _start_only(*patterns) == expected


def test_document_rules_use_types_anywhere() -> None:
    assert _start_only("^ {d:DATELINE}", scope="document") == set()


RULES = """\
grammars:
  DATELINE: dateline.lark
rules:
  - {name: dateline, label: Date, pattern: "^ {d:DATELINE}", fields: {date: d}}
  - {name: killed, label: Kill, pattern: "killed"}
"""


@pytest.fixture(scope="module")
def dated_pack(tmp_path_factory) -> engine.Pack:
    folder = tmp_path_factory.mktemp("dated")
    shutil.copy(GRAMMARS / "dateline.lark", folder / "dateline.lark")
    (folder / "rules.yaml").write_text(RULES, encoding="utf-8")
    return engine.load(folder, cache=False)


@pytest.mark.parametrize("text", [
    "12-03-2016 Two people were killed. 1-2-2003 was also a date. Then 4-5-2006 killed.",
    "Nothing happened on 1-2-2003. 05/06/2017 killed three",
    "Wed 05 Apr 2017 shelling killed five. On Thu 06 Apr 2017, calm.",
    "",
])
def test_start_only_types_give_the_matches_of_a_full_search(dated_pack, text: str) -> None:
    assert dated_pack.compiled.start_only == {"DATELINE"}

    def summary(run):
        return [(m.rule, m.start, m.end, repr(m.fields)) for m in run.matches]

    pruned = dated_pack.run(text)
    assert summary(pruned) == summary(dated_pack.run(text, exhaustive=True))
    spans = [(s.type, pruned.tokens[s.first].start) for s in pruned.spans if s.type == "DATELINE"]
    starts = {pruned.tokens[s.first_token].start for s in pruned.sentences
              if s.last_token > s.first_token}
    assert all(start in starts for _, start in spans)  # never looked for elsewhere
