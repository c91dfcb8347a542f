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
      context:                   # a mention lacking `key` takes it from a fact of its sentence
        - {label: Place, key: location, prefer: after, fields: [location, admin1]}
      lookahead: 1               # a fact with no event before it may join one this many
                                 # sentences ahead (a lead's toll, then the attack)
      rank: {cause: [chemical, shelling]}   # when values meet, the one listed first wins
      carry: {actor2: fighters_of}   # an event still lacking actor2 takes the latest earlier
                                     # match's fighters_of (within the window)
      context_yields: [actor1]   # a value a mention took from `context` gives way to a
                                 # later match's own value ("killed by X", "X claimed it")
      standalone_context: true   # a standalone fact takes its own sentence's context even
                                 # when it joins an event ("N killed in X", then the attack)
      fact_merge_by: [admin1]    # a fact that states its own value of these keys joins no
                                 # event that states another ("kills 50 in Hama" is not the
                                 # capture of a Homs town told beside it)

A fact attaches to the event mentioned in its own sentence (the nearest mention before it, else
after it), else to the latest event whose last sentence is at most `window` before it. When
fields meet, the first value wins, except `max_fields`, where the larger number wins. A fact
with no event in its sentence or the `window` before joins the first event that starts at most
`lookahead` sentences after it. `context` fills a mention before it joins an event (and a
standalone fact that makes one): among the facts of that label in the mention's sentence that
have `key`, and that no other mention of the sentence stands closer to, it takes the first that
starts at or after the mention (`prefer: after`, the default) or the last that starts before it
(`prefer: before`), falling back to the other side; only `fields` (default: all) are copied.
Context is a guess from proximity: for the fields listed in `context_yields`, a value an event
holds only from context is replaced by the first value a joining match states itself. With
`standalone_context`, a standalone fact is filled from its own sentence's context before it
joins an event too (a lead "N were killed in X" brings X to the attack the next sentence names).
With `fact_merge_by`, a fact that states a value of one of those keys itself (not from context)
passes over every event that holds another value of it (a value the event took from context
does not count when the key is in `context_yields`): it joins the next event the rules above
would pick, else (when standalone) makes its own.
`carry` fills what finished events still lack from the latest match before the event that has
the source field, at most `window` sentences back: the weakest evidence, so it never overrides
anything, and a carried value that the event already holds in another field (actor2 equal to
actor1) is left out. An event's date is the document date (the `date` argument, else a
`document` fact's `date`), moved by a `day` field ("Monday", "yesterday") to the day it names.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .dates import normalize_date, resolve_relative
from .event_spec import EventSpec
from .model import Event, Match, amount

if TYPE_CHECKING:
    from .compile import CompiledPack
    from .match import DocumentRun

DATE_FIELD, DAY_FIELD = "date", "day"


@dataclass
class _Incident:
    """An event being built."""

    fields: dict[str, Any]
    evidence: list[Match]
    first_sentence: int
    last_sentence: int
    from_mention: bool = True
    guessed: set[str] = field(default_factory=set)


@dataclass
class _Assembler:
    spec: EventSpec
    enrich: Callable[[Match, int], Match] = lambda match, sentence: match
    incidents: list[_Incident] = field(default_factory=list)

    def mention(self, match: Match, sentence: int, guessed: frozenset[str] = frozenset()
                ) -> None:
        """Join `match` to an open incident it agrees with, else start one; `guessed` are the
        fields it took from context."""
        for incident in reversed(self.incidents):
            if sentence - incident.last_sentence > self.spec.window:
                continue
            if incident.from_mention and self._same(incident.fields, match.fields):
                self._join(incident, match, sentence, guessed)
                return
        self.incidents.append(_Incident(dict(match.fields), [match], sentence, sentence,
                                        guessed=set(guessed) & set(self.spec.context_yields)))

    def _same(self, a: dict, b: dict) -> bool:
        return all(a.get(k) is None or b.get(k) is None or a.get(k) == b.get(k)
                   for k in self.spec.merge_by)

    def _join(self, incident: _Incident, match: Match, sentence: int,
              guessed: frozenset[str] = frozenset()) -> None:
        for key in sorted(incident.guessed):
            if match.fields.get(key) is not None and key not in guessed:
                incident.fields[key] = match.fields[key]
                incident.guessed.discard(key)
        missing = {k for k in guessed if incident.fields.get(k) is None}
        merge_fields(incident.fields, match.fields, self.spec.max_fields, self.spec.rank)
        incident.guessed |= missing & set(self.spec.context_yields)
        incident.evidence.append(match)
        incident.last_sentence = max(incident.last_sentence, sentence)

    def fact(self, match: Match, sentence: int, standalone: bool) -> None:
        """Attach a fact to its event; a `standalone` one makes an event when none is near."""
        target = self._target(match, sentence)
        if standalone and (target is None or self.spec.standalone_context):
            enriched = self.enrich(match, sentence)
            guessed = frozenset(k for k, v in enriched.fields.items()
                                if v is not None and match.fields.get(k) is None)
            match = enriched
        else:
            guessed = frozenset()
        if target is not None:
            self._join(target, match, sentence, guessed)
        elif standalone:
            self.incidents.append(_Incident(dict(match.fields), [match], sentence, sentence,
                                            from_mention=False,
                                            guessed=set(guessed) & set(self.spec.context_yields)))

    def _target(self, match: Match, sentence: int) -> _Incident | None:
        open_to = [i for i in self.incidents if self._agrees(i, match)]
        same = [i for i in open_to if i.first_sentence <= sentence <= i.last_sentence
                and any(_sentence(m) == sentence for m in i.evidence)]
        if same:
            before = [i for i in same if _start_in(i, sentence) <= match.start]
            if before:
                return max(before, key=lambda i: _start_in(i, sentence))
            return min(same, key=lambda i: _start_in(i, sentence))
        near = [i for i in open_to if 0 <= sentence - i.last_sentence <= self.spec.window]
        if near:
            return near[-1]
        ahead = [i for i in open_to if i.from_mention
                 and 0 < i.first_sentence - sentence <= self.spec.lookahead]
        return min(ahead, key=lambda i: i.first_sentence) if ahead else None

    def _agrees(self, incident: _Incident, fact: Match) -> bool:
        """Whether `fact` may join `incident` under `fact_merge_by`: no key of it that the fact
        states itself is held by the incident with another value (other than a guess)."""
        return all(fact.fields.get(k) is None or incident.fields.get(k) is None
                   or k in incident.guessed or fact.fields[k] == incident.fields[k]
                   for k in self.spec.fact_merge_by)


def _start_in(incident: _Incident, sentence: int) -> int:
    """Where the incident's first evidence in `sentence` starts."""
    return min(m.start for m in incident.evidence if _sentence(m) == sentence)


def _sentence(match: Match) -> int:
    return match.sentence if match.sentence is not None else -1


def merge_fields(target: dict[str, Any], extra: dict[str, Any], max_fields: tuple[str, ...],
                 rank: tuple[tuple[str, tuple[Any, ...]], ...] = ()) -> None:
    """Add `extra` to `target`: first value wins, but `max_fields` keep the larger number
    (an exact amount beats a vague one) and `rank`ed fields keep the value listed first."""
    ranks = dict(rank)
    for key, value in extra.items():
        if value is None:
            continue
        current = target.get(key)
        if current is None or (key in max_fields and _larger(value, current)) \
                or (key in ranks and _outranks(value, current, ranks[key])):
            target[key] = value


def _larger(value: Any, current: Any) -> bool:
    """Whether amount `value` should replace `current`: exact beats vague, then larger wins."""
    exact, current_exact = _exact(value), _exact(current)
    if exact != current_exact:
        return exact
    return _number(value) > _number(current)


def _exact(value: Any) -> bool:
    return not isinstance(value, dict) or value.get("value") is not None


def _outranks(value: Any, current: Any, order: tuple[Any, ...]) -> bool:
    position = {v: n for n, v in enumerate(order)}
    return position.get(value, len(order)) < position.get(current, len(order))


def _number(value: Any) -> float:
    number = amount(value)
    return -1.0 if number is None else float(number)


def assemble_events(pack: CompiledPack, run: DocumentRun, date: str | None = None
                    ) -> list[Event]:
    """The events of one document run."""
    spec = EventSpec.from_config(pack.events)
    matches = sorted(run.matches, key=lambda m: (m.start, -m.end))
    doc_fields = _document_fields(matches, spec)
    doc_date = normalize_date(date, spec.date_order) if date else None
    doc_date = doc_date or normalize_date(doc_fields.get(DATE_FIELD), spec.date_order)
    sentences = [_sentence_of(run, m) for m in matches]

    def enrich(match: Match, sentence: int) -> Match:
        return _with_context(match, sentence, matches, sentences, spec)

    assembler = _Assembler(spec, enrich)
    for match, sentence in zip(matches, sentences, strict=True):
        if _labels(match) & set(spec.mentions):
            enriched = enrich(match, sentence)
            guessed = frozenset(k for k, v in enriched.fields.items()
                                if v is not None and match.fields.get(k) is None)
            assembler.mention(enriched, sentence, guessed)
    for match, sentence in zip(matches, sentences, strict=True):
        labels = _labels(match)
        if labels & set(spec.facts) and not labels & set(spec.mentions):
            assembler.fact(match, sentence, bool(labels & set(spec.standalone)))
    for incident in assembler.incidents:
        _carry(incident, matches, sentences, spec)
    return [_finish(i, doc_fields, doc_date, run.doc_id) for i in assembler.incidents]


def _labels(match: Match) -> set[str]:
    return set(match.labels or ((match.label,) if match.label else ()))


def _with_context(mention: Match, sentence: int, matches: list[Match], sentences: list[int],
                  spec: EventSpec) -> Match:
    """The mention, its fields completed from `context` facts of its own sentence."""
    if not spec.context:
        return mention
    fields = dict(mention.fields)
    here = [m for m, s in zip(matches, sentences, strict=True) if s == sentence]
    others = [m.start for m in here if m is not mention and _labels(m) & set(spec.mentions)]
    for rule in spec.context:
        if fields.get(rule.key) is not None:
            continue
        candidates = [m for m in here if rule.label in _labels(m)]
        fact = rule.pick(mention, candidates, others)
        if fact is not None:
            rule.copy(fact, fields)
    return replace(mention, fields=fields)


def _carry(incident: _Incident, matches: list[Match], sentences: list[int], spec: EventSpec
           ) -> None:
    """Fill the incident's missing `carry` fields from the latest earlier match that has them."""
    start = min(m.start for m in incident.evidence)
    for target, source in spec.carry:
        if incident.fields.get(target) is not None:
            continue
        for match, sentence in zip(reversed(matches), reversed(sentences), strict=True):
            value = match.fields.get(source)
            if match.start < start and incident.first_sentence - sentence <= spec.window \
                    and value is not None:
                if value not in incident.fields.values():
                    incident.fields[target] = value
                break


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
