"""Assemble event records from a document's matches, as the pack's `events:` section directs.

    events:
      mentions: [Event]          # labels of event mentions: each seeds or joins an event
      facts: [Casualties, Source, Hedge]   # labels whose fields attach to a nearby event
      standalone: [Casualties]   # facts that make an event of their own when none is near
      document: [Dateline]       # labels whose fields hold for every event (the date)
      window: 2                  # sentences after an event in which its facts may come
      merge_by: [event_type, location]   # mentions that agree on these (or leave them empty)
                                         # within the window are one incident
      max_fields: [fatalities]   # merged by the larger value: a toll told twice counts once
      date_order: dmy            # how to read an all-numeric dateline date

A fact attaches to the event mentioned in its own sentence (the nearest mention before it,
else after it), else to the latest event whose last sentence is at most `window` before it.
When fields meet, the first value wins, except `max_fields`, where the larger number wins.
An event's date is the document date (the `date` argument, else a `document` fact's `date`),
moved by a `day` field ("Monday", "yesterday") to the day it names.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .dates import normalize_date, resolve_relative
from .model import Event, Match

if TYPE_CHECKING:
    from .compile import CompiledPack
    from .match import DocumentRun

DATE_FIELD, DAY_FIELD = "date", "day"


@dataclass(frozen=True)
class EventSpec:
    """The `events:` section of a pack, with defaults."""

    mentions: tuple[str, ...] = ("Event",)
    facts: tuple[str, ...] = ()
    standalone: tuple[str, ...] = ()
    document: tuple[str, ...] = ()
    window: int = 2
    merge_by: tuple[str, ...] = ("event_type", "location")
    max_fields: tuple[str, ...] = ("fatalities",)
    date_order: str = "dmy"

    @classmethod
    def from_config(cls, sections: list[dict]) -> EventSpec:
        merged: dict[str, Any] = {}
        for section in sections:
            merged.update(section)
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in merged.items()
                  if k in cls.__dataclass_fields__}
        return cls(**values)


@dataclass
class _Incident:
    """An event being built."""

    fields: dict[str, Any]
    evidence: list[Match]
    first_sentence: int
    last_sentence: int
    from_mention: bool = True


@dataclass
class _Assembler:
    spec: EventSpec
    incidents: list[_Incident] = field(default_factory=list)

    def mention(self, match: Match, sentence: int) -> None:
        for incident in reversed(self.incidents):
            if sentence - incident.last_sentence > self.spec.window:
                break
            if incident.from_mention and self._same(incident.fields, match.fields):
                self._join(incident, match, sentence)
                return
        self.incidents.append(_Incident(dict(match.fields), [match], sentence, sentence))

    def _same(self, a: dict, b: dict) -> bool:
        return all(a.get(k) is None or b.get(k) is None or a.get(k) == b.get(k)
                   for k in self.spec.merge_by)

    def _join(self, incident: _Incident, match: Match, sentence: int) -> None:
        merge_fields(incident.fields, match.fields, self.spec.max_fields)
        incident.evidence.append(match)
        incident.last_sentence = max(incident.last_sentence, sentence)

    def fact(self, match: Match, sentence: int, standalone: bool) -> None:
        target = self._target(match, sentence)
        if target is not None:
            self._join(target, match, sentence)
        elif standalone:
            self.incidents.append(_Incident(dict(match.fields), [match], sentence, sentence,
                                            from_mention=False))

    def _target(self, match: Match, sentence: int) -> _Incident | None:
        same = [i for i in self.incidents if i.first_sentence <= sentence <= i.last_sentence
                and any(_sentence(m) == sentence for m in i.evidence)]
        if same:
            before = [i for i in same if i.evidence[0].start <= match.start]
            return (before or same)[-1]
        near = [i for i in self.incidents if 0 <= sentence - i.last_sentence <= self.spec.window]
        return near[-1] if near else None


def _sentence(match: Match) -> int:
    return match.sentence if match.sentence is not None else -1


def merge_fields(target: dict[str, Any], extra: dict[str, Any], max_fields: tuple[str, ...]
                 ) -> None:
    """Add `extra` to `target`: first value wins, but `max_fields` keep the larger number."""
    for key, value in extra.items():
        if value is None:
            continue
        current = target.get(key)
        if current is None:
            target[key] = value
        elif key in max_fields and _number(value) > _number(current):
            target[key] = value


def _number(value: Any) -> float:
    if isinstance(value, dict):
        value = value.get("value") if value.get("value") is not None else value.get("min")
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else -1.0


def assemble_events(pack: CompiledPack, run: DocumentRun, date: str | None = None
                    ) -> list[Event]:
    """The events of one document run."""
    spec = EventSpec.from_config(pack.events)
    matches = sorted(run.matches, key=lambda m: (m.start, -m.end))
    doc_fields = _document_fields(matches, spec)
    doc_date = normalize_date(date, spec.date_order) if date else None
    doc_date = doc_date or normalize_date(doc_fields.get(DATE_FIELD), spec.date_order)
    assembler = _Assembler(spec)
    for match in matches:
        sentence = _sentence_of(run, match)
        labels = set(match.labels or ((match.label,) if match.label else ()))
        if labels & set(spec.mentions):
            assembler.mention(match, sentence)
    for match in matches:
        labels = set(match.labels or ((match.label,) if match.label else ()))
        if labels & set(spec.facts) and not labels & set(spec.mentions):
            assembler.fact(match, _sentence_of(run, match), bool(labels & set(spec.standalone)))
    return [_finish(i, doc_fields, doc_date, run.doc_id) for i in assembler.incidents]


def _sentence_of(run: DocumentRun, match: Match) -> int:
    if match.sentence is not None:
        return match.sentence
    starts = [s.start for s in run.sentences]
    return max(bisect_right(starts, match.start) - 1, 0)


def _document_fields(matches: list[Match], spec: EventSpec) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for match in matches:
        if set(match.labels or (match.label,)) & set(spec.document):
            merge_fields(fields, match.fields, ())
    return fields


def _finish(incident: _Incident, doc_fields: dict[str, Any], doc_date: str | None,
            doc_id: str | None) -> Event:
    fields = dict(incident.fields)
    day = fields.pop(DAY_FIELD, None)
    fields.pop(DATE_FIELD, None)
    fields["event_date"] = resolve_relative(doc_date, day) if doc_date else None
    for key, value in doc_fields.items():
        if key not in (DATE_FIELD, DAY_FIELD):
            fields.setdefault(key, value)
    evidence = sorted(incident.evidence, key=lambda m: m.start)
    return Event(fields, evidence, doc_id)
