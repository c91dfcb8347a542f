"""Tests of the emit stage: golden outputs, CSV round trips, formula guards and HTML structure.

Golden files live in tests/fixtures/emit/, one per format, rendered from the DocResults that
`sample_results()` builds below. After an intended change of the output, regenerate them with

    RULECRAFT_REGEN_GOLDEN=1 python -m pytest tests/test_emit.py

and review the diff before committing.
"""

from __future__ import annotations

import csv
import io
import json
import os
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.emit import (
    EVENT_COLUMNS,
    FORMATS,
    MATCH_COLUMNS,
    DocResult,
    Span,
    guard_cell,
    make_emitter,
    marked_text,
)
from engine.model import Capture, Event, Match, Provenance

GOLDEN = Path(__file__).parent / "fixtures" / "emit"
GOLDEN_FILES = {
    "jsonl": "matches.jsonl",
    "csv": "matches.csv",
    "events": "events.csv",
    "html": "page.html",
}
REGEN = os.environ.get("RULECRAFT_REGEN_GOLDEN") == "1"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

SHELLING = (
    "Shelling killed at least 12 civilians, including 3 children, near the market in "
    "Talbiseh on 4 March.\nLocal medics said 20 more were wounded."
)
TRICKY = (
    'The "Lions of <Dawn>" & allies said: =1+2 @home <script>alert(\'x\')</script>'
    "\u2028with Ḥamāh and 7 fighters."
)


# ---------------------------------------------------------------- sample results


def cap(text: str, part: str, kind: str | None = None, value: object = None) -> Capture:
    """A capture of the first occurrence of `part` in `text`."""
    start = text.index(part)
    return Capture(start, start + len(part), part, kind, value)


def match(text: str, part: str, rule: str, label: str | None, **extra: object) -> Match:
    """A match of the first occurrence of `part` in `text`."""
    start = text.index(part)
    return Match(rule, label, start, start + len(part), part, **extra)  # type: ignore[arg-type]


def shelling_matches() -> list[Match]:
    """Nested, overlapping and separate matches over one two-sentence report."""
    text, count = SHELLING, {"value": 12, "qualifier": "at least"}
    town = {"name": "Talbiseh", "admin1": "Homs", "country": "Syria"}
    return [
        match(text, "Shelling killed at least 12 civilians, including 3 children",
              "casualties.shelling_killed", "Casualties",
              captures={"count": cap(text, "at least 12", "NUMBER", count),
                        "victim": cap(text, "civilians", "VICTIM")},
              fields={"fatalities": count, "children": 3},
              provenance=Provenance("casualties.shelling_killed", "rules/casualties.yaml", 14)),
        match(text, "at least 12", "numbers.quantity", "Quantity", fields={"value": 12}),
        match(text, "3 children, near the market", "victims.children_near", "Victims"),
        match(text, "in Talbiseh", "places.in_town", "Place",
              captures={"town": cap(text, "Talbiseh", "TOWN", town)},
              fields={"location": "Talbiseh"}),
        match(text, "4 March", "dates.day_month", "Date"),
        match(text, "20 more were wounded", "casualties.wounded", "Casualties",
              doc="news/001.txt", fields={"wounded": 20}),
    ]


def tricky_matches() -> list[Match]:
    """Matches on quotes, angle brackets, ampersands, formula-like and non-ASCII text."""
    text = TRICKY
    return [
        match(text, '"Lions of <Dawn>"', "actors.quoted", "Actor",
              fields={"actor1": '"Lions of <Dawn>" & allies'}),
        match(text, "<Dawn>\" & allies", "actors.allies", 'Odd "label" <b>'),
        match(text, "=1+2", "weird.formula", "Formula", fields={"note": "=1+2"}),
        match(text, "<script>alert('x')</script>", "weird.script", "Formula"),
        match(text, "Ḥamāh", "places.town", "Place",
              captures={"town": cap(text, "Ḥamāh", "TOWN", {"name": "Hama"})}),
        match(text, "\u2028with Ḥamāh and 7", "weird.linebreak", None),
        match(text, "7 fighters", "casualties.count", "Casualties",
              captures={"n": cap(text, "7", "NUMBER", {"value": 7})}),
    ]


def sample_results() -> list[DocResult]:
    """The fixed documents behind the golden files."""
    shelling, tricky = shelling_matches(), tricky_matches()
    shelling_event = Event(
        {"event_date": "2024-03-04", "event_type": "Explosions/Remote violence",
         "sub_event_type": "Shelling/artillery/missile attack", "actor1": "Military forces",
         "country": "Syria", "admin1": "Homs", "location": "Talbiseh", "latitude": 34.84,
         "longitude": 36.73, "fatalities": {"value": 12, "qualifier": "at least"},
         "civilians": True, "children": 3, "wounded": 20, "hedged": False, "negated": False,
         "notes": "Shelling near the market; 12 killed, 20 wounded."},
        evidence=[shelling[0], shelling[3], shelling[5]],
    )
    tricky_event = Event(
        {"actor1": '=HYPERLINK("http://example.invalid")', "actor2": "@home", "notes": "+cmd",
         "location": "Ḥamāh", "latitude": "-12.5", "longitude": -3.7, "fatalities": 7,
         "cause": ["shelling", "airstrike"], "negated": True, "source": "-- wire"},
        evidence=[tricky[6]], doc="news/tricky.txt",
    )
    return [
        DocResult("news/001.txt", SHELLING, shelling, [shelling_event]),
        DocResult("news/=tricky.txt", TRICKY, tricky, [tricky_event]),
        DocResult("news/slow.txt", "Some text.", [], error="timed out after 2.0 s (rule x.slow)"),
        DocResult(None, "Nothing happened here.", []),
    ]


def render(fmt: str, results: list[DocResult]) -> str:
    """The whole output of one format for `results`."""
    out = io.StringIO()
    emitter = make_emitter(fmt, out)
    emitter.begin()
    for result in results:
        emitter.write(result)
    emitter.end()
    return out.getvalue()


# ---------------------------------------------------------------- golden files and factory


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden(fmt: str) -> None:
    path = GOLDEN / GOLDEN_FILES[fmt]
    got = render(fmt, sample_results())
    if REGEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got, encoding="utf-8", newline="")
    with path.open(encoding="utf-8", newline="") as golden:
        assert got == golden.read()


def test_unknown_format_lists_the_formats() -> None:
    with pytest.raises(ValueError, match="unknown output format 'xml'") as info:
        make_emitter("xml", io.StringIO())
    assert all(fmt in str(info.value) for fmt in FORMATS)


@pytest.mark.parametrize("fmt", FORMATS)
def test_streams_each_document_when_written(fmt: str) -> None:
    out = io.StringIO()
    emitter = make_emitter(fmt, out)
    emitter.begin()
    before = len(out.getvalue())
    emitter.write(sample_results()[0])
    assert "Talbiseh" in out.getvalue()[before:]


# ---------------------------------------------------------------- JSON Lines


def test_jsonl_one_object_per_match_and_per_error() -> None:
    results = sample_results()
    lines = render("jsonl", results).split("\n")
    assert lines[-1] == ""
    records = [json.loads(line) for line in lines[:-1]]
    expected = [m.to_dict() | {"doc": r.doc} for r in results for m in r.matches]
    assert [r for r in records if "error" not in r] == expected
    assert [r for r in records if "error" in r] == [
        {"doc": "news/slow.txt", "error": "timed out after 2.0 s (rule x.slow)"}
    ]


def test_jsonl_keeps_non_ascii_and_escapes_unicode_line_breaks() -> None:
    text = render("jsonl", sample_results())
    assert "Ḥamāh" in text
    assert len(text.splitlines()) == text.count("\n")
    assert "\u2028" not in text and "\\u2028" in text


# ---------------------------------------------------------------- CSV and event table


def unguard(cell: str) -> str:
    """The raw value of a guarded cell (see the module docstring of engine.emit)."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_START) else cell


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_csv_round_trip() -> None:
    results = sample_results()
    header, *rows = read_csv(render("csv", results))
    assert tuple(header) == MATCH_COLUMNS
    matches = [(r.doc, m) for r in results for m in r.matches]
    assert len(rows) == len(matches) + 1
    for row, (doc, m) in zip(rows, matches, strict=False):
        cells = dict(zip(header, map(unguard, row), strict=True))
        assert cells["doc"] == (m.doc or doc)
        assert (cells["rule"], cells["label"]) == (m.rule, m.label or "")
        assert (int(cells["start"]), int(cells["end"]), cells["text"]) == (m.start, m.end, m.text)
        assert json.loads(cells["fields"]) == m.to_dict()["fields"]
        assert json.loads(cells["captures"]) == m.to_dict()["captures"]
    assert rows[-1][0] == "news/slow.txt" and rows[-1][-1].startswith("timed out")


def test_csv_source_is_rule_provenance() -> None:
    header, first, *_ = read_csv(render("csv", sample_results()))
    assert first[header.index("source")] == "rules/casualties.yaml:14"


def event_rows() -> list[dict[str, str]]:
    header, *rows = read_csv(render("events", sample_results()))
    assert tuple(header) == EVENT_COLUMNS
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_events_split_qualified_fatalities_and_format_values() -> None:
    shelling, tricky, error = event_rows()
    assert (shelling["fatalities"], shelling["fatalities_qualifier"]) == ("12", "at least")
    assert (shelling["civilians"], shelling["hedged"], shelling["women"]) == ("true", "false", "")
    spans = [(SHELLING.index(p), SHELLING.index(p) + len(p)) for p in (
        "Shelling killed at least 12 civilians, including 3 children", "in Talbiseh",
        "20 more were wounded")]
    rules = ("casualties.shelling_killed", "places.in_town", "casualties.wounded")
    assert shelling["evidence"] == ";".join(
        f"{a}-{b}:{rule}" for (a, b), rule in zip(spans, rules, strict=True))
    assert (tricky["fatalities"], tricky["fatalities_qualifier"]) == ("7", "")
    assert (tricky["cause"], tricky["negated"]) == ("shelling; airstrike", "true")
    assert tricky["doc"] == "news/tricky.txt"
    assert (error["doc"], error["error"]) == ("news/slow.txt", sample_results()[2].error)


@pytest.mark.parametrize(
    ("fields", "column", "cell"),
    [
        ({"fatalities": {"value": 5, "qualifier": "about"}, "fatalities_qualifier": "nearly"},
         "fatalities_qualifier", "nearly"),
        ({"fatalities": {"low": 24, "high": 99}}, "fatalities", '{"low":24,"high":99}'),
        ({"children": {"value": 2, "qualifier": "at least"}}, "children", "2"),
        ({"latitude": 0.0}, "latitude", "0.0"),
        ({"hedged": None}, "hedged", ""),
        ({"unknown_field": "x"}, "notes", ""),
    ],
)
def test_event_cell_values(fields: dict, column: str, cell: str) -> None:
    rows = read_csv(render("events", [DocResult("d", "", [], [Event(fields)])]))
    assert rows[1][EVENT_COLUMNS.index(column)] == cell


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+2", "'=1+2"),
        ('=HYPERLINK("http://x")', "'=HYPERLINK(\"http://x\")"),
        ("+cmd", "'+cmd"),
        ("-- wire", "'-- wire"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-33.9", "-33.9"),
        ("+1e5", "+1e5"),
        ("-1+2", "'-1+2"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("", ""),
        (-3.7, -3.7),
        (12, 12),
    ],
)
def test_guard_cell(value: object, cell: object) -> None:
    assert guard_cell(value) == cell


@pytest.mark.parametrize("fmt", ["csv", "events"])
def test_no_cell_can_run_as_a_formula(fmt: str) -> None:
    for row in read_csv(render(fmt, sample_results())):
        for cell in row:
            assert not cell.startswith(FORMULA_START) or guard_cell(cell) == cell, cell


def test_guarded_cells_in_event_table() -> None:
    tricky = event_rows()[1]
    assert tricky["actor1"] == "'=HYPERLINK(\"http://example.invalid\")"
    assert (tricky["actor2"], tricky["notes"], tricky["source"]) == ("'@home", "'+cmd", "'-- wire")
    assert (tricky["latitude"], tricky["longitude"]) == ("-12.5", "-3.7")


# ---------------------------------------------------------------- HTML


class PageChecker(HTMLParser):
    """Checks that tags close in order; collects each document text and what each mark covers."""

    VOID = frozenset({"meta", "br", "hr", "img", "input", "link", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[str] = []
        self.covers: list[dict[str, set[int]]] = []
        self.titles: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        attributes = dict(attrs)
        if tag == "div" and attributes.get("class") == "text":
            self.texts.append("")
            self.covers.append({})
        if tag == "mark" and attributes.get("title") is not None:
            self.titles.append(attributes["title"] or "")
        self.stack.append((tag, attributes))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack, f"</{tag}> closes nothing"
        opened, _ = self.stack.pop()
        assert opened == tag, f"</{tag}> closes <{opened}>"

    def handle_data(self, data: str) -> None:
        if not any(t == "div" and a.get("class") == "text" for t, a in self.stack):
            return
        offset = len(self.texts[-1])
        self.texts[-1] += data
        for tag, attributes in self.stack:
            if tag == "mark" and attributes.get("data-m") is not None:
                cover = self.covers[-1].setdefault(attributes["data-m"] or "", set())
                cover.update(range(offset, offset + len(data)))


def check_page(page: str) -> PageChecker:
    """Parse a page, asserting that every tag closes in order and that all are closed."""
    checker = PageChecker()
    checker.feed(page)
    checker.close()
    assert checker.stack == []
    return checker


def test_html_page_is_well_formed_and_keeps_every_text() -> None:
    results = sample_results()
    checker = check_page(render("html", results))
    assert checker.texts == [r.text for r in results if r.error is None]


def test_html_marks_cover_exactly_their_matches() -> None:
    results = [r for r in sample_results() if r.error is None]
    checker = check_page(render("html", results))
    for result, covers in zip(results, checker.covers, strict=True):
        expected = {str(i): set(range(m.start, m.end)) for i, m in enumerate(result.matches)}
        assert covers == expected


def test_html_escapes_text_rules_labels_and_values() -> None:
    page = render("html", sample_results())
    assert "<script>" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "Odd &quot;label&quot; &lt;b&gt;" in page
    assert 'class="m p' in page and "label-Odd__label___b_" in page
    titles = check_page(page).titles
    assert any('actor1 = "Lions of <Dawn>" & allies' in t for t in titles)


def test_html_tooltip_names_rule_fields_and_captures() -> None:
    titles = check_page(render("html", sample_results())).titles
    first = titles[0]
    assert first.startswith("rule: casualties.shelling_killed\nlabel: Casualties\nspan: 0-59")
    assert '  fatalities = {"value":12,"qualifier":"at least"}' in first
    assert '  count [NUMBER]: at least 12 = {"value":12,"qualifier":"at least"}' in first
    assert "  victim [VICTIM]: civilians" in first.split("\n")


def test_html_legend_counts_and_error_sections() -> None:
    page = render("html", sample_results())
    assert '<span class="count">6 matches</span>' in page
    assert '<span class="count">0 matches</span>' in page
    assert "Casualties</mark> 3 matches" in page
    assert '<section class="doc error"' in page and "timed out after 2.0 s" in page
    assert "4 documents, 13 matches, 1 error" in page
    assert "(unnamed document)" in page


def test_html_is_self_contained() -> None:
    page = render("html", sample_results())
    assert "<script" not in page and "src=" not in page and "href=" not in page


def test_labels_keep_their_colour_across_documents() -> None:
    page = render("html", sample_results()[:2])
    assert page.count('class="m p0 label-Casualties"') >= 3


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([], "a&amp;b&lt;c"),
        ([(0, 2)], "<0>a&amp;</0>b&lt;c"),
        ([(0, 5), (1, 3)], "<0>a<1>&amp;b</1>&lt;c</0>"),
        ([(0, 3), (2, 5)], "<0>a&amp;<1>b</1></0><1>&lt;c</1>"),
        ([(1, 3), (1, 3)], "a<0><1>&amp;b</1></0>&lt;c"),
        ([(2, 2), (4, 9), (-1, 2)], "a&amp;b&lt;c"),
    ],
)
def test_marked_text_nests_and_splits(spans: list[tuple[int, int]], expected: str) -> None:
    marks = [Span(i, s, e, f"<{i}>") for i, (s, e) in enumerate(spans)]
    got = marked_text("a&b<c", marks)
    assert got.replace("</mark>", "</?>") == _close_names(expected)


def _close_names(expected: str) -> str:
    """Closing tags in `expected` written as `</?>`, since marked_text closes with </mark>."""
    for i in range(10):
        expected = expected.replace(f"</{i}>", "</?>")
    return expected


@st.composite
def doc_with_spans(draw: st.DrawFn) -> DocResult:
    """A short text of awkward characters with random, often overlapping, matches."""
    text = draw(st.text(alphabet='ab <>&"\'\n\u2028é', min_size=1, max_size=30))
    bounds = st.integers(0, len(text))
    pairs = draw(st.lists(st.tuples(bounds, bounds), max_size=8))
    labels = st.sampled_from(["A", "B <b>", None, 'C"&'])
    matches = [
        Match(f"r.{i}", draw(labels), min(a, b), max(a, b), text[min(a, b):max(a, b)])
        for i, (a, b) in enumerate(pairs)
    ]
    return DocResult("doc<1>", text, matches)


@settings(max_examples=150, deadline=None)
@given(doc_with_spans())
def test_html_well_formed_for_random_overlapping_spans(result: DocResult) -> None:
    checker = check_page(render("html", [result]))
    assert checker.texts == [result.text]
    expected = {str(i): set(range(m.start, m.end))
                for i, m in enumerate(result.matches) if m.start < m.end}
    assert checker.covers == [expected]
