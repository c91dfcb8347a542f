"""Emit stage: write each document's matches and events as JSON Lines, CSV, an event table or HTML.

Every format streams: `begin()` writes a header once, `write()` one document at a time and
`end()` a footer once, so memory stays bounded whatever the number of documents. A failed
document (`DocResult.error` set) produces an error record in every format instead of its
matches, so each document that goes in yields its results or an error.

Spreadsheet safety (CSV and event table): a text cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return gets a leading apostrophe, so that a spreadsheet shows it as
text rather than evaluating it as a formula (OWASP "CSV injection"). Numbers, and text that is
just a number such as ``-33.9``, are written unchanged. To recover a raw value, strip one
leading apostrophe when the next character is one of those.
"""

from __future__ import annotations

import csv
import html
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Protocol, TextIO

import regex

from engine.model import Capture, DocResult, Event, Match

FORMATS: tuple[str, ...] = ("jsonl", "csv", "events", "html")

MATCH_COLUMNS: tuple[str, ...] = (
    "doc", "rule", "label", "start", "end", "text", "fields", "captures", "source", "error",
)
ACLED_COLUMNS: tuple[str, ...] = (
    "event_date", "event_type", "sub_event_type", "actor1", "actor2", "country", "admin1",
    "location", "latitude", "longitude", "fatalities", "source", "notes",
)
EXTRA_COLUMNS: tuple[str, ...] = (
    "fatalities_qualifier", "civilians", "children", "women", "wounded", "cause", "hedged",
    "negated", "doc", "evidence",
)
EVENT_COLUMNS: tuple[str, ...] = ACLED_COLUMNS + EXTRA_COLUMNS + ("error",)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = regex.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
# Line breaks that json.dumps leaves raw but str.splitlines() splits on.
_RAW_LINE_BREAKS = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}
_NOT_CLASS_CHAR = regex.compile(r"[^A-Za-z0-9_-]")


class Emitter(Protocol):
    """A streaming writer of results: a header once, one document at a time, a footer once."""

    def begin(self) -> None: ...

    def write(self, result: DocResult) -> None: ...

    def end(self) -> None: ...


def make_emitter(fmt: str, out: TextIO) -> Emitter:
    """A new emitter of format `fmt` writing to `out`; an unknown format raises ValueError."""
    factory = _FACTORIES.get(fmt)
    if factory is None:
        choices = ", ".join(FORMATS)
        raise ValueError(f"unknown output format {fmt!r}; choose one of: {choices}")
    return factory(out)


# ---------------------------------------------------------------- shared value formatting


def _default(value: Any) -> Any:
    """JSON fallback: objects with `to_dict` become dicts, anything else its string."""
    return value.to_dict() if hasattr(value, "to_dict") else str(value)


def to_json(value: Any) -> str:
    """Compact JSON on one line, non-ASCII kept, with no raw character a line splitter breaks on."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_default)
    return text.translate(_RAW_LINE_BREAKS)


def _doc_of(own: str | None, fallback: str | None) -> str | None:
    """The document name of a match or event, falling back to its DocResult's."""
    return own if own is not None else fallback


def match_dict(match: Match, doc: str | None) -> dict[str, Any]:
    """`Match.to_dict()` with the document name filled in from the DocResult when missing."""
    out = match.to_dict()
    out["doc"] = _doc_of(match.doc, doc)
    return out


def plain_value(value: Any) -> Any:
    """A field value as one table cell: booleans true/false, `{"value": v}` as v, lists joined."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return value
    if hasattr(value, "to_dict"):
        return plain_value(value.to_dict())
    if isinstance(value, Mapping):
        inner = value.get("value")
        return plain_value(inner) if inner is not None else to_json(value)
    if isinstance(value, (list, tuple)):
        return "; ".join(str(plain_value(v)) for v in value)
    return str(value)


def guard_cell(value: Any) -> Any:
    """A CSV cell safe to open in a spreadsheet: formula-like text gets a leading apostrophe."""
    if not isinstance(value, str) or not value.startswith(_FORMULA_START):
        return value
    return value if _PLAIN_NUMBER.fullmatch(value) else "'" + value


# ---------------------------------------------------------------- JSON Lines


class JsonlEmitter:
    """JSON Lines: one object per match, one `{"doc", "error"}` object per failed document."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def begin(self) -> None:
        """JSON Lines has no header."""

    def write(self, result: DocResult) -> None:
        """Write one line per match of the document, or its error record."""
        if result.error is not None:
            self._line({"doc": result.doc, "error": result.error})
            return
        for match in result.matches:
            self._line(match_dict(match, result.doc))

    def end(self) -> None:
        """JSON Lines has no footer; flush what was written."""
        self._out.flush()

    def _line(self, record: dict[str, Any]) -> None:
        self._out.write(to_json(record) + "\n")


# ---------------------------------------------------------------- CSV tables


class _TableEmitter:
    """A CSV table with fixed columns, one dict row at a time, every cell guarded."""

    columns: tuple[str, ...] = ()

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._writer = csv.DictWriter(out, fieldnames=self.columns, restval="",
                                      lineterminator="\n")

    def begin(self) -> None:
        """Write the header row."""
        self._writer.writeheader()

    def write(self, result: DocResult) -> None:
        """Write the document's rows, or one row naming the document and its error."""
        if result.error is not None:
            rows: Iterable[dict[str, Any]] = [{"doc": result.doc, "error": result.error}]
        else:
            rows = self._rows(result)
        for row in rows:
            self._writer.writerow({key: guard_cell(plain_value(v)) for key, v in row.items()})

    def end(self) -> None:
        """Tables have no footer; flush what was written."""
        self._out.flush()

    def _rows(self, result: DocResult) -> Iterable[dict[str, Any]]:
        raise NotImplementedError


class CsvEmitter(_TableEmitter):
    """CSV of matches: one row per match, fields and captures as JSON, source as file:line."""

    columns = MATCH_COLUMNS

    def _rows(self, result: DocResult) -> Iterable[dict[str, Any]]:
        return (_match_row(m, result.doc) for m in result.matches)


def _match_row(match: Match, doc: str | None) -> dict[str, Any]:
    """The CSV cells of one match."""
    data = match_dict(match, doc)
    return {
        "doc": data["doc"], "rule": match.rule, "label": match.label,
        "start": match.start, "end": match.end, "text": match.text,
        "fields": to_json(data["fields"]), "captures": to_json(data["captures"]),
        "source": data.get("source"),
    }


class EventsEmitter(_TableEmitter):
    """The event table: ACLED columns, then qualifiers, flags, document and evidence spans."""

    columns = EVENT_COLUMNS

    def _rows(self, result: DocResult) -> Iterable[dict[str, Any]]:
        return (event_row(e, result.doc) for e in result.events)


_FIELD_COLUMNS = tuple(c for c in EVENT_COLUMNS if c not in ("doc", "evidence", "error"))


def event_row(event: Event, doc: str | None) -> dict[str, Any]:
    """The event-table cells of one event (values unformatted; missing fields left out)."""
    fields = event.fields
    row: dict[str, Any] = {c: fields[c] for c in _FIELD_COLUMNS if c in fields}
    fatalities = fields.get("fatalities")
    if isinstance(fatalities, Mapping) and "fatalities_qualifier" not in fields:
        row["fatalities_qualifier"] = fatalities.get("qualifier")
    row["doc"] = _doc_of(event.doc, doc)
    row["evidence"] = ";".join(f"{m.start}-{m.end}:{m.rule}" for m in event.evidence)
    return row


# ---------------------------------------------------------------- HTML

_PALETTE: tuple[str, ...] = (
    "#ffe08a", "#a6d8ff", "#b8f0b0", "#ffb3c1", "#d9c2ff",
    "#ffd0a6", "#a8eee4", "#e6e6a1", "#f5b8f0", "#c9d1d9",
)

_CSS = """\
body{font-family:system-ui,sans-serif;color:#222;max-width:62em;margin:1.5em auto;padding:0 1em;
display:flex;flex-direction:column;gap:1em}
header{order:-2}#legend{order:-1;border:1px solid #ccc;padding:.5em 1em;background:#fafafa}
#legend ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.5em 1.5em}
section.doc{border:1px solid #ddd;padding:.5em 1em}
section.doc h2{font-size:1.05em}.count{font-weight:normal;color:#666;margin-left:1em}
.text{white-space:pre-wrap;line-height:2;font-family:Georgia,serif}
mark{color:inherit;padding:.1em 0;border-bottom:2px solid rgba(0,0,0,.35)}
mark mark{border-bottom-width:4px}mark:hover{outline:1px solid #333;cursor:help}
section.error{border-left:4px solid #c00}.error-message{color:#a00;white-space:pre-wrap}
table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ddd;padding:.2em .4em;
vertical-align:top;text-align:left}
"""


def _html_head() -> str:
    """The page start: doctype, inline style with one palette class per colour, page header."""
    palette = "".join(f".p{i}{{background:{c}}}" for i, c in enumerate(_PALETTE))
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Rulecraft matches</title>\n<style>\n{_CSS}{palette}\n</style>\n</head>\n"
        "<body>\n<header><h1>Rulecraft matches</h1></header>\n"
    )


def esc(value: Any) -> str:
    """HTML-escape any value's text, quotes included (safe in text and in attributes)."""
    return html.escape(str(value), quote=True)


def _plural(count: int, noun: str) -> str:
    """`1 match`, `2 matches`, `0 documents`."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}{'es' if noun[-1] == 'h' else 's'}"


def label_class(label: str | None) -> str:
    """A CSS class naming a label: `label-` and its letters, digits, - and _ (others become _)."""
    return "label-" + _NOT_CLASS_CHAR.sub("_", label) if label is not None else "label-none"


def _shown(value: Any) -> str:
    """A value as tooltip text: strings as they are, anything else as compact JSON."""
    return value if isinstance(value, str) else to_json(value)


def _capture_line(name: str, cap: Capture) -> str:
    """One capture in a tooltip: `name [TYPE]: text = value`."""
    kind = f" [{cap.type}]" if cap.type else ""
    value = "" if cap.value is None else f" = {_shown(cap.value)}"
    return f"  {name}{kind}: {cap.text}{value}"


def tooltip(match: Match) -> str:
    """The hover text of a match: rule, label, span, fields and each capture (unescaped)."""
    lines = [f"rule: {match.rule}", f"label: {_label_name(match.label)}",
             f"span: {match.start}-{match.end}"]
    if match.fields:
        lines.append("fields:")
        lines.extend(f"  {k} = {_shown(v)}" for k, v in match.fields.items())
    if match.captures:
        lines.append("captures:")
        lines.extend(_capture_line(n, c) for n, c in match.captures.items())
    return "\n".join(lines)


@dataclass(frozen=True)
class Span:
    """A highlighted range of a document's text with the opening tag that marks it."""

    index: int
    start: int
    end: int
    open_tag: str

    def order(self) -> tuple[int, int, int]:
        """Outer spans first: earlier start, then longer, then the match order."""
        return (self.start, -self.end, self.index)


def marked_text(text: str, spans: Sequence[Span]) -> str:
    """Escaped text with `<mark>` tags; overlapping spans are split so tags nest properly."""
    spans = [s for s in spans if 0 <= s.start < s.end <= len(text)]
    bounds = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    starting: dict[int, list[Span]] = {}
    for span in spans:
        starting.setdefault(span.start, []).append(span)
    parts: list[str] = []
    stack: list[Span] = []
    active: list[Span] = []
    for left, right in pairwise(bounds):
        active = sorted([s for s in active if s.end > left] + starting.get(left, []),
                        key=Span.order)
        stack = _retag(parts, stack, active)
        parts.append(esc(text[left:right]))
    _retag(parts, stack, [])
    return "".join(parts)


def _retag(parts: list[str], stack: list[Span], wanted: list[Span]) -> list[Span]:
    """Close open marks down to the prefix shared with `wanted`, then open the rest of it."""
    keep = 0
    while keep < min(len(stack), len(wanted)) and stack[keep] is wanted[keep]:
        keep += 1
    parts.extend("</mark>" for _ in stack[keep:])
    parts.extend(span.open_tag for span in wanted[keep:])
    return list(wanted)


class HtmlEmitter:
    """One self-contained HTML page: each document's text with its matches highlighted."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._colours: dict[str | None, int] = {}
        self._label_counts: Counter[str | None] = Counter()
        self._docs = 0
        self._errors = 0

    def begin(self) -> None:
        """Write the page head, the inline style and the page header."""
        self._out.write(_html_head())

    def write(self, result: DocResult) -> None:
        """Write one document's section: highlighted text and tables, or its error."""
        self._docs += 1
        if result.error is not None:
            self._errors += 1
            self._out.write(_error_section(self._docs, result))
        else:
            self._out.write(self._doc_section(result))

    def end(self) -> None:
        """Write the legend (shown at the top by CSS) and close the page."""
        self._out.write(self._legend() + "</body>\n</html>\n")
        self._out.flush()

    def _colour(self, label: str | None) -> int:
        """The palette index of a label: labels take colours in order of first appearance."""
        return self._colours.setdefault(label, len(self._colours) % len(_PALETTE))

    def _open_tag(self, index: int, match: Match) -> str:
        classes = f"m p{self._colour(match.label)} {label_class(match.label)}"
        return f'<mark class="{esc(classes)}" data-m="{index}" title="{esc(tooltip(match))}">'

    def _doc_section(self, result: DocResult) -> str:
        spans = [Span(i, m.start, m.end, self._open_tag(i, m))
                 for i, m in enumerate(result.matches)]
        self._label_counts.update(m.label for m in result.matches)
        count = _plural(len(result.matches), "match")
        return (
            f'<section class="doc" id="doc-{self._docs}">\n'
            f'<h2>{esc(_doc_name(result.doc))}<span class="count">{count}</span></h2>\n'
            f'<div class="text">{marked_text(result.text, spans)}</div>\n'
            f"{_match_table(result)}{_event_table(result)}</section>\n"
        )

    def _legend(self) -> str:
        items = "".join(
            f'<li><mark class="p{self._colour(label)} {esc(label_class(label))}">'
            f"{esc(_label_name(label))}</mark> {_plural(n, 'match')}</li>"
            for label, n in self._label_counts.items()
        )
        total = sum(self._label_counts.values())
        summary = (f"{_plural(self._docs, 'document')}, {_plural(total, 'match')}, "
                   f"{_plural(self._errors, 'error')}")
        return (f'<aside id="legend">\n<h2>Labels</h2>\n<ul>{items}</ul>\n'
                f"<p>{summary}</p>\n</aside>\n")


def _doc_name(doc: str | None) -> str:
    return doc if doc is not None else "(unnamed document)"


def _label_name(label: str | None) -> str:
    return label if label is not None else "(no label)"


def _error_section(number: int, result: DocResult) -> str:
    """The section of a failed document: its name and the error message."""
    return (
        f'<section class="doc error" id="doc-{number}">\n'
        f'<h2>{esc(_doc_name(result.doc))}<span class="count">error</span></h2>\n'
        f'<p class="error-message">{esc(result.error)}</p>\n</section>\n'
    )


def _table(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """An HTML table with a header row; every cell escaped."""
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{esc(v)}</td>" for v in row) + "</tr>\n"
                   for row in rows)
    return f"<table>\n<tr>{head}</tr>\n{body}</table>"


def _match_table(result: DocResult) -> str:
    """A folded table listing the document's matches."""
    if not result.matches:
        return ""
    rows = ((i, m.rule, _label_name(m.label), f"{m.start}-{m.end}", m.text, to_json(m.fields))
            for i, m in enumerate(result.matches))
    table = _table(("#", "rule", "label", "span", "text", "fields"), rows)
    return f"<details><summary>matches</summary>\n{table}\n</details>\n"


def _event_table(result: DocResult) -> str:
    """A folded table listing the document's events, with the event-table columns they fill."""
    if not result.events:
        return ""
    cells = [event_row(e, result.doc) for e in result.events]
    columns = [c for c in EVENT_COLUMNS if any(plain_value(row.get(c)) != "" for row in cells)]
    table = _table(columns, ([plain_value(row.get(c)) for c in columns] for row in cells))
    return (f"<details><summary>{_plural(len(result.events), 'event')}</summary>\n"
            f"{table}\n</details>\n")


_FACTORIES: Mapping[str, Callable[[TextIO], Emitter]] = {
    "jsonl": JsonlEmitter,
    "csv": CsvEmitter,
    "events": EventsEmitter,
    "html": HtmlEmitter,
}
