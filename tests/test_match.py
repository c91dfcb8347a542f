"""Tests of the match stage: every form of the pattern language, what it matches and what not.

Each row of FORMS names a pattern, a text and the exact (start, end, text) of every match; the
shared lexicons and macros are in tests/fixtures/language/lexicons.yaml. Offsets are code-point
offsets into the original text.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pytest
from conftest import rule_yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import MatchTimeout
from engine.pack import Pack

Span = tuple[int, int, str]


@dataclass(frozen=True)
class Form:
    """A pattern, a text and the spans it must match there (nothing else)."""

    id: str
    pattern: str
    text: str
    expected: list[Span]
    keys: dict[str, str] = field(default_factory=dict)


FORMS = [
    # literal words: case- and accent-insensitive, whole tokens only
    Form("word-any-case", "killed", "Two were KILLED and a third was Killed; none skilled.",
         [(9, 15, "KILLED"), (32, 38, "Killed")]),
    Form("word-accent-insensitive", "Hama", "Shelling hit Ḥama and HAMA, not Hamas.",
         [(13, 17, "Ḥama"), (22, 26, "HAMA")]),
    Form("word-not-inside-word", "kill", "A killer was killed.", []),
    # quoted phrase: case as written; curly quotes and odd spaces do not matter
    Form("phrase-exact-case", '"Free Syrian Army"',
         "The free syrian army and the Free Syrian Army met.", [(29, 45, "Free Syrian Army")]),
    Form("phrase-curly-quotes-nbsp", '"Free Syrian Army"',
         "The \u201cFree Syrian\u00a0Army\u201d said.", [(5, 21, "Free Syrian\u00a0Army")]),
    # alternatives and nesting
    Form("alternatives", "(killed|died|slain) in",
         "One died in Hama, two slain in Homs, three wounded in Idlib.",
         [(4, 11, "died in"), (22, 30, "slain in")]),
    Form("nested-groups", "(killed|died) (in|near (the)? town of) Hama",
         "Two died near the town of Hama; one killed in Hama; one died near Hama.",
         [(4, 30, "died near the town of Hama"), (36, 50, "killed in Hama")]),
    # quantifiers, greedy and lazy
    Form("optional", "were reportedly? killed",
         "Two were killed, three were reportedly killed, four were not killed.",
         [(4, 15, "were killed"), (23, 45, "were reportedly killed")]),
    Form("star", "heavy* shelling", "shelling, heavy heavy shelling",
         [(0, 8, "shelling"), (10, 30, "heavy heavy shelling")]),
    Form("plus", "(rocket|mortar)+ fire", "mortar rocket fire and gun fire",
         [(0, 18, "mortar rocket fire")]),
    Form("count-range", "(_){2,3} killed", "A B C D killed", [(2, 14, "B C D killed")]),
    Form("count-range-too-few", "x{2,3} killed", "x killed", []),
    Form("exact-count", "x{2} killed", "x x x killed", [(2, 12, "x x killed")]),
    Form("greedy-plus", "x (a|b)+ b", "x a b a b", [(0, 9, "x a b a b")]),
    Form("lazy-plus", "x (a|b)+? b", "x a b a b", [(0, 5, "x a b")]),
    Form("lazy-optional", "x a?? a", "x a a", [(0, 3, "x a")]),
    Form("lazy-range", "x a{1,3}? a", "x a a a a", [(0, 5, "x a a")]),
    # skips: at most 8 tokens by default, as few as possible, limits respected
    Form("skip-default-8", "clashes ... Hama",
         "clashes one two three four five six seven eight Hama",
         [(0, 52, "clashes one two three four five six seven eight Hama")]),
    Form("skip-default-too-far", "clashes ... Hama",
         "clashes one two three four five six seven eight nine Hama", []),
    Form("skip-limit", "clashes ...{0,2} Hama", "clashes near Hama; clashes in the east of Hama",
         [(0, 17, "clashes near Hama")]),
    Form("skip-as-few-as-possible", "shelling ... Hama", "shelling of Hama and Hama",
         [(0, 16, "shelling of Hama")]),
    Form("skip-low-bound", "shelling ...{2,4} Hama", "shelling near Hama; shelling in rural Hama",
         [(20, 42, "shelling in rural Hama")]),
    # one token by regular expression, inflections, negated token
    Form("regex-token", "in /[0-9]{4}/", "in 2019, in 19 and in 20190", [(0, 7, "in 2019")]),
    Form("regex-token-flags", "/kill(ed|ing)/i", "KILLED, killing, kills",
         [(0, 6, "KILLED"), (8, 15, "killing")]),
    Form("inflection", "kill~", "kills killed killing kill killer",
         [(0, 5, "kills"), (6, 12, "killed"), (13, 20, "killing"), (21, 25, "kill")]),
    Form("inflection-irregular", "flee~", "they fled; he flees; fleeing",
         [(5, 9, "fled"), (14, 19, "flees"), (21, 28, "fleeing")]),
    Form("not-token", "!(no|not) killed", "not killed; were killed; no killed",
         [(12, 23, "were killed")]),
    Form("not-consumes-a-token", "were !not killed",
         "were reportedly killed; were not killed; were killed",
         [(0, 22, "were reportedly killed")]),
    # anchors and lookaround
    Form("sentence-start", "^ Two", "Two died. Then Two more.", [(0, 3, "Two")]),
    Form("sentence-end", "died . $", "Two died. Then two died in Hama.", [(4, 9, "died.")]),
    Form("lookahead", "killed (?= in)", "Two killed in Hama, one killed near Hama.",
         [(4, 10, "killed")]),
    Form("negative-lookahead", "killed (?! in)", "Two killed in Hama, one killed near Hama.",
         [(24, 30, "killed")]),
    Form("negative-lookahead-before-end", "killed (?! in)", "One was killed.",
         [(8, 14, "killed")]),
    Form("lookbehind", "(?<= were) killed", "Two were killed, one was killed.",
         [(9, 15, "killed")]),
    Form("negative-lookbehind", "(?<! were) killed", "Two were killed, one was killed.",
         [(25, 31, "killed")]),
    # built-in types
    Form("word-builtin", "{w:WORD} killed", "Seven killed, 7 killed", [(0, 12, "Seven killed")]),
    Form("name-builtin", "{who:NAME} said",
         "Abu Mohammed al-Jolani said that the officials said, as Bashar al-Assad said.",
         [(0, 27, "Abu Mohammed al-Jolani said"), (56, 76, "Bashar al-Assad said")]),
    Form("name-skips-stopwords", "{who:NAME} said", "The Army said.", [(4, 13, "Army said")]),
    Form("number-required", "{NUMBER} killed", "twelve killed, some killed",
         [(0, 13, "twelve killed")]),
    # macros, also nested
    Form("macro", "@KILLED in", "Two were reportedly killed in Hama.",
         [(4, 29, "were reportedly killed in")]),
    Form("nested-macro", "@DIED", "One died and two were slain.",
         [(4, 8, "died"), (17, 27, "were slain")]),
    # scope: a sentence unless the rule asks for the document
    Form("sentence-scope", "killed ... Hama", "Two were killed. Fighting continued in Hama.", []),
    Form("document-scope", "killed ... Hama", "Two were killed. Fighting continued in Hama.",
         [(9, 43, "killed. Fighting continued in Hama")], {"scope": "document"}),
    Form("document-scope-sentence-start", "killed . ^ Fighting",
         "Two were killed. Fighting continued.", [(9, 25, "killed. Fighting")],
         {"scope": "document"}),
]


@pytest.mark.parametrize("form", FORMS, ids=[f.id for f in FORMS])
def test_form(spans, form: Form) -> None:
    got = spans(form.pattern, form.text, **form.keys)
    assert got == form.expected
    assert all(form.text[start:end] == text for start, end, text in got)


# ---------------------------------------------------------------- typed captures


def captures(pack: Pack, text: str, name: str) -> list[tuple[int, int, str, object]]:
    """(start, end, text, value) of capture `name` in every match."""
    return [(c.start, c.end, c.text, c.value)
            for m in pack.extract(text) if (c := m.captures.get(name)) is not None]


DEIR = {"name": "Deir ez-Zor", "kind": "governorate", "admin1": "Deir ez-Zor",
        "country": "Syria", "lat": 35.33, "lon": 40.14}


def test_lexicon_capture_value_is_canonical_name_and_attrs(make_pack) -> None:
    pack = make_pack(rule_yaml("in {p:PLACE}"))
    text = "Shelling was reported in Dayr az-Zawr."
    assert captures(pack, text, "p") == [(25, 37, "Dayr az-Zawr", DEIR)]
    assert pack.extract(text)[0].captures["p"].type == "PLACE"


def test_longest_lexicon_entry_wins(make_pack) -> None:
    pack = make_pack(rule_yaml("{p:PLACE}"))
    text = "A convoy on the Deir Ezzor-Hasaka Highway left Deir Ezzor."
    assert captures(pack, text, "p") == [
        (16, 41, "Deir Ezzor-Hasaka Highway", {"name": "Deir Ezzor-Hasaka Highway",
                                               "kind": "road", "country": "Syria"}),
        (47, 57, "Deir Ezzor", DEIR),
    ]


@pytest.mark.parametrize(("variant", "name"), [
    ("Deir-Ezzor", "Deir ez-Zor"),
    ("DEIR EZZOR", "Deir ez-Zor"),
    ("deir ezzor", "Deir ez-Zor"),
    ("Deir al Zor", "Deir ez-Zor"),
    ("Ma\u2019arrat al-Nu\u2019man", "Ma'arrat al-Nu'man"),
    ("Ma\u02bfarrat al-Nu\u02bfman", "Ma'arrat al-Nu'man"),
    ("Maarat al Numan", "Ma'arrat al-Nu'man"),
    ("H\u0323ama", "Hama"),
    ("Hamá", "Hama"),
])
def test_lexicon_variants(make_pack, variant: str, name: str) -> None:
    pack = make_pack(rule_yaml("{p:PLACE}"))
    text = f"Fighting near {variant} went on."
    found = captures(pack, text, "p")
    assert [(s, e, t, v["name"]) for s, e, t, v in found] == [
        (14, 14 + len(variant), variant, name)]


@pytest.mark.parametrize("text", ["Deir was shelled.", "Ezzor was shelled.",
                                  "Hamas said.", "Deir Hasaka road."])
def test_lexicon_partial_terms_do_not_match(make_pack, text: str) -> None:
    assert make_pack(rule_yaml("{p:PLACE}")).extract(text) == []


@pytest.mark.parametrize(("text", "span", "expected"), [
    ("At least 12 killed.", (0, 11), {"value": 12, "qualifier": "at least"}),
    ("about 160 killed.", (0, 9), {"value": 160, "qualifier": "about"}),
    ("two hundred and twenty killed.", (0, 22), {"value": 220}),
    ("1,200 killed.", (0, 5), {"value": 1200}),
    ("10 to 15 killed.", (0, 8), {"min": 10, "max": 15}),
])
def test_number_capture_value(make_pack, text: str, span, expected: dict) -> None:
    found = captures(make_pack(rule_yaml("{n:NUMBER} killed")), text, "n")
    assert [(s, e) for s, e, _, _ in found] == [span]
    value = found[0][3]
    assert {k: value[k] for k in expected} == expected


def test_number_requirement_does_not_capture(make_pack) -> None:
    matches = make_pack(rule_yaml("{NUMBER} killed")).extract("Nine killed.")
    assert [(m.start, m.end, m.captures) for m in matches] == [(0, 11, {})]


def test_sub_pattern_capture(make_pack) -> None:
    pack = make_pack(rule_yaml("{who:(Russian|Syrian) (jets|warplanes)} struck"))
    matches = pack.extract("Overnight, Syrian warplanes struck. Turkish jets struck.")
    assert [(m.start, m.end) for m in matches] == [(11, 34)]
    capture = matches[0].captures["who"]
    assert capture.to_dict() == {"start": 11, "end": 27, "text": "Syrian warplanes"}


def test_capture_inside_nested_macro(make_pack) -> None:
    pack = make_pack(rule_yaml("@TOLL in {p:PLACE}"))
    [match] = pack.extract("Yesterday 3 fighters were reportedly killed in Hama.")
    assert {k: (c.start, c.end, c.type) for k, c in match.captures.items()} == {
        "n": (10, 11, "NUMBER"), "v": (12, 20, "VICTIM"), "p": (47, 51, "PLACE")}


# ---------------------------------------------------------------- cascades and labels

CASCADE = """
rules:
  - name: strike
    label: [Airstrike, Attack]
    pattern: "(airstrike|airstrikes) on {place:PLACE}"
    fields: {place: place.name, kind: place.kind}
  - name: clash
    label: Attack
    pattern: "clashes in {place:PLACE}"
    fields: {place: place}
  - name: toll
    label: Casualties
    pattern: "{n:NUMBER} killed in {a:Attack}"
    fields: {fatalities: n.value, where: a.place}
  - name: air_toll
    label: AirCasualties
    pattern: "{n:NUMBER} killed in {a:Airstrike}"
"""
CASCADE_TEXT = "Five killed in airstrikes on Deir Ezzor. Two killed in clashes in Hama."


def test_cascade_capture_value_is_the_earlier_rules_fields(make_pack) -> None:
    matches = make_pack(CASCADE).extract(CASCADE_TEXT)
    tolls = [m for m in matches if m.rule == "rules.toll"]
    assert [(m.start, m.end, m.fields) for m in tolls] == [
        (0, 39, {"fatalities": 5, "where": "Deir ez-Zor"}),
        (41, 70, {"fatalities": 2, "where": "Hama"}),
    ]
    attack = tolls[0].captures["a"]
    assert (attack.start, attack.end, attack.type) == (15, 39, "Attack")
    assert attack.value == {"place": "Deir ez-Zor", "kind": "governorate"}


def test_taxonomy_label_lets_a_broader_type_take_the_match(make_pack) -> None:
    matches = make_pack(CASCADE).extract(CASCADE_TEXT)
    air = [(m.start, m.end) for m in matches if m.rule == "rules.air_toll"]
    assert air == [(0, 39)]  # the clash is an Attack but no Airstrike
    strike = next(m for m in matches if m.rule == "rules.strike")
    assert strike.to_dict()["labels"] == ["Airstrike", "Attack"]


def test_cascade_rules_run_in_later_stages(make_pack) -> None:
    stages = {r.name: r.stage for r in make_pack(CASCADE).rules}
    assert stages == {"rules.strike": 0, "rules.clash": 0, "rules.toll": 1,
                      "rules.air_toll": 1}


# ---------------------------------------------------------------- priorities and overlap

OVERLAP = """
rules:
  - name: short
    label: Kill
    priority: 5
    {policy}pattern: "{{n:NUMBER}} {{v:VICTIM}} killed"
  - name: long
    label: Kill
    pattern: "{{n:NUMBER}} {{v:VICTIM}} killed in {{p:PLACE}}"
  - name: other
    pattern: "killed in {{p:PLACE}}"
"""


@pytest.mark.parametrize(("policy", "kept"), [
    (None, ["long", "other"]),
    ("longest", ["long", "other"]),
    ("priority", ["short", "other"]),
    ("all", ["long", "short", "other"]),
])
def test_overlap_policies(make_pack, policy: str | None, kept: list[str]) -> None:
    setting = f"overlap: {policy}\n    " if policy else ""
    pack = make_pack(OVERLAP.format(policy=setting))
    matches = pack.extract("Five civilians killed in Hama.")
    assert [m.rule for m in matches] == [f"rules.{name}" for name in kept]
    spans = {"long": (0, 29), "short": (0, 21), "other": (15, 29)}
    assert [(m.start, m.end) for m in matches] == [spans[name] for name in kept]


# ---------------------------------------------------------------- offsets

ODD_TEXT = ("\U0001F4A5 The \u201cFree Syrian Army\u201d\u00a0said:\r\n"
            "12\u00a0fighters were killed in Hama\u0301 on Monday.\r\n")


def test_offsets_are_code_points_of_the_original_text(make_pack) -> None:
    pack = make_pack(rule_yaml("{n:NUMBER} {v:VICTIM} were killed in {p:PLACE}"))
    [match] = pack.extract(ODD_TEXT)
    start = ODD_TEXT.index("12")
    end = ODD_TEXT.index(" on Monday")
    assert (match.start, match.end) == (start, end)
    assert match.text == ODD_TEXT[start:end] == "12\u00a0fighters were killed in Hama\u0301"
    assert {k: (c.start, c.end, c.text) for k, c in match.captures.items()} == {
        "n": (start, start + 2, "12"),
        "v": (start + 3, start + 11, "fighters"),
        "p": (end - 5, end, "Hama\u0301"),
    }


def test_offsets_after_emoji_and_curly_quotes(make_pack) -> None:
    pack = make_pack(rule_yaml('"Free Syrian Army" \u201d said'))
    [match] = pack.extract(ODD_TEXT)
    assert (match.start, match.end) == (7, 29)
    assert ODD_TEXT[match.start:match.end] == "Free Syrian Army\u201d\u00a0said"


def test_crlf_line_break_is_not_a_token(make_pack) -> None:
    pack = make_pack(rule_yaml("Monday . Later", scope="document"))
    text = "It began on Monday.\r\nLater, 4 people died."
    assert [(m.start, m.end) for m in pack.extract(text)] == [(12, 26)]


# ---------------------------------------------------------------- fields

FIELDS = """
rules:
  - name: toll
    pattern: "{n:NUMBER} {v:VICTIM} {w:(were|was)} killed in {p:PLACE} {o:ACTOR}?"
    fields:
      fatalities: n.value
      qualifier: n.qualifier
      count: n
      location: p
      location_name: p.name
      country: p.country
      lat: p.lat
      matched: p.text
      victim: v
      verb: w
      event_type: Battles
      quoted: "n.value"
      number: 3
      flag: true
      missing: p.population
      actor: o.name
"""


def test_fields_from_references_paths_and_constants(make_pack) -> None:
    [match] = make_pack(FIELDS).extract("At least 12 civilians were killed in Deir Ezzor.")
    fields = match.fields
    assert fields["count"]["value"] == 12
    del fields["count"]
    assert fields == {
        "fatalities": 12, "qualifier": "at least", "location": "Deir ez-Zor",
        "location_name": "Deir ez-Zor", "country": "Syria", "lat": 35.33,
        "matched": "Deir Ezzor", "victim": "civilians", "verb": "were",
        "event_type": "Battles", "quoted": "n.value", "number": 3, "flag": True,
    }


def test_field_of_a_capture_that_did_not_take_part_is_left_out(make_pack) -> None:
    [match] = make_pack(FIELDS).extract("5 soldiers were killed in Hama by the SDF.")
    assert "actor" not in match.fields
    [match] = make_pack(FIELDS).extract("5 soldiers were killed in Hama SDF.")
    assert match.fields["actor"] == "Syrian Democratic Forces"


# ---------------------------------------------------------------- time bounds and sizes

PATHOLOGICAL = "((_ | _ _)+)+ zzz"


def test_pathological_pattern_times_out(make_pack) -> None:
    pack = make_pack(rule_yaml(PATHOLOGICAL), timeout=0.2)
    text = "zzz " + " ".join(["word"] * 300) + "."
    started = time.perf_counter()
    with pytest.raises(MatchTimeout) as info:
        pack.extract(text, doc_id="slow.txt")
    assert time.perf_counter() - started < 2.0
    assert info.value.doc == "slow.txt"
    assert "rules.r" in info.value.message and "0.2s" in info.value.message


def test_runaway_token_regex_times_out(make_pack) -> None:
    pack = make_pack(rule_yaml("/(a|aa)+b/"), timeout=0.2)
    started = time.perf_counter()
    with pytest.raises(MatchTimeout):
        pack.extract("a" * 40 + " b")
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize(("text", "tokens"), [
    ("", 0), ("   \n\n\t ", 0), (".", 1), ("...!?;;--", 9), ("\u201c\u201d \u2014 \u00a0", 3),
])
def test_empty_and_punctuation_only_texts(make_pack, text: str, tokens: int) -> None:
    pack = make_pack(rule_yaml("{n:NUMBER} {v:VICTIM}")
                     + "  - name: any\n    scope: document\n    pattern: '_'\n")
    assert [m.rule for m in pack.extract(text)] == ["rules.any"] * tokens


def test_one_megabyte_text(make_pack) -> None:
    pack = make_pack(rule_yaml("{n:NUMBER} {v:VICTIM} @DIED ... in {p:PLACE}"))
    filler = "Residents said the situation in the eastern countryside remained tense. "
    text = filler * (1_000_000 // len(filler) + 1) + "Later, 14 soldiers were killed in Deir Ezzor."
    assert len(text) > 1_000_000
    [match] = pack.extract(text)
    start = len(text) - len("14 soldiers were killed in Deir Ezzor.")
    assert (match.start, match.end) == (start, len(text) - 1)
    assert match.captures["p"].value["name"] == "Deir ez-Zor"


def test_grammar_spans_are_found_sentence_by_sentence(make_pack) -> None:
    pack = make_pack(rule_yaml("{n:NUMBER} soldiers"))
    text = " ".join(f"Army said {n} soldiers left." for n in range(40, 90))
    whole = [(m.start, m.end, m.captures["n"].value["value"]) for m in pack.extract(text)]
    assert [value for _, _, value in whole] == list(range(40, 90))


# ---------------------------------------------------------------- any text

SOUP = ["Hama", "Deir", "Ezzor", "killed", "were", "12", "two", "civilians", ".", ",", ";", "'",
        "\u2019", "-", "\u00a0", "\r\n", "\n\n", "\x1a", "\x1d;3;", "\x1e", "#1;", "~0;",
        "\u0301", "\U0001F4A5", "\ufeff", "Ahmed", "Saleh", "al", "in", "the", "died", "!"]
SOUP_RULES = """
rules:
  - name: a
    label: Kill
    pattern: "{n:NUMBER} {v:VICTIM} @DIED (?! in)"
  - name: b
    label: Kill
    pattern: "{v:VICTIM} ... {p:PLACE}"
  - name: c
    pattern: "{x:Kill} ... {w:NAME}"
  - name: d
    scope: document
    pattern: "^ {p:PLACE} . $"
  - name: e
    pattern: "!(the|a) /[0-9]+/ _? {WORD}"
"""


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(SOUP), st.sampled_from(["", " "])), max_size=30))
def test_any_text_gives_spans_of_the_text(make_pack, parts: list[tuple[str, str]]) -> None:
    text = "".join(word + space for word, space in parts)
    for match in make_pack(SOUP_RULES).extract(text):
        assert text[match.start:match.end] == match.text
        for capture in match.captures.values():
            assert match.start <= capture.start < capture.end <= match.end
            assert text[capture.start:capture.end] == capture.text


def test_alternatives_keep_their_order_when_one_word_options_share_a_cell(make_pack) -> None:
    """`(shelled | shelled the | struck | hit~)`: runs of one-word options become one cell, the
    two-word option stays where it was, so the regex still prefers the earlier option."""
    pack = make_pack(rule_yaml("(shelled | shelled the | struck | hit~) {p:PLACE}?"))
    texts = {"Jets shelled the town.": "shelled", "Jets struck Hama.": "struck Hama",
             "Jets hit Hama.": "hit Hama", "Jets shelled Hama.": "shelled Hama"}
    for text, expected in texts.items():
        assert [m.text for m in pack.extract(text)] == [expected]


def test_a_span_is_chosen_among_same_type_spans_that_start_together(make_pack) -> None:
    """Two labels start at one token; the later rule fits only the shorter one. (The search for
    a span's end tag is atomic: this guards that the choice of span still backtracks.)"""
    pack = make_pack("""
rules:
  - {name: long, label: Party, overlap: all, pattern: "rebel forces"}
  - {name: short, label: Party, overlap: all, pattern: rebel}
  - name: after
    pattern: "{p:Party} forces"
  - name: before
    pattern: "{p:Party} said"
""")
    found = {(m.rule, m.text) for m in pack.extract("rebel forces said")}
    assert ("rules.after", "rebel forces") in found
    assert ("rules.before", "rebel forces said") in found
