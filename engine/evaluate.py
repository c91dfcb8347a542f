"""Score a pack's events against a gold CSV in the FA-KES format, beside two simple baselines.

Each gold row is one article coded with one incident. The pack's events for the article are
summarised into one prediction, and four fields are compared:

- location: the main event's `admin1` (else its `location`, else another event's), mapped to
  FA-KES governorate codes by `GOVERNORATE_CODES` (Rif Dimashq counts as damascus, as FA-KES
  codes it); with no event placed, the governorate the document's matches name most often;
- killed: the main event's `fatalities` value (its `min` for open amounts) against
  nb_civilians + nb_noncivilians, exactly;
- cause: the main event's `cause` (else the cause of the first event that names one: a toll or
  a clash told without its weapon belongs to the attack the article reports), mapped to FA-KES
  causes by the keywords of `CAUSE_CODES`; a clash (`CLASH_TYPES`) borrows only the codes of
  `CLASH_BORROWS` (the bombardment that backed the fighting), else its cause is unknown;
- actor: the `fakes_actor` attribute of the lexicon entry named by the main event's `actor1`
  (a pack says how its actors map to FA-KES there), else the `actor1` of the first event with
  the main event's cause told in its sentences or the one before or after (the same attack
  told again), else "unknown".

The main event is the event whose exact death toll comes first in the text (a vague "dozens"
only when no toll is exact), else the event mentioned first. Baselines, run
on the same articles: the first governorate name in the text (location) and the first number
followed within five words by "killed" (killed).
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from .lexicon import lookup_entries
from .model import Event, Match, amount
from .pack import Pack
from .text import fold

FIELDS = ("location", "killed", "cause", "actor")
TARGETS = {"location": 0.95, "killed": 0.80, "cause": 0.88, "actor": 0.70}
GOVERNORATE_CODES = {
    "aleppo": "aleppo", "damascus": "damascus", "rif dimashq": "damascus", "idlib": "idlib",
    "deir ez-zor": "deir ezzor", "raqqa": "raqqa", "homs": "homs", "hasakah": "hasakeh",
    "hama": "hama", "daraa": "daraa", "latakia": "lattakia", "quneitra": "quneitra",
    "tartus": "tartous", "suwayda": "suwayda",
}
BASELINE_GOVERNORATES = {
    "aleppo": "aleppo", "damascus": "damascus", "idlib": "idlib", "deir ezzor": "deir ezzor",
    "deir ez-zor": "deir ezzor", "deir al-zor": "deir ezzor", "raqqa": "raqqa", "homs": "homs",
    "hasakeh": "hasakeh", "hasaka": "hasakeh", "hasakah": "hasakeh", "hama": "hama",
    "daraa": "daraa", "deraa": "daraa", "latakia": "lattakia", "lattakia": "lattakia",
    "quneitra": "quneitra", "tartous": "tartous", "tartus": "tartous",
}
CAUSE_CODES = (
    ("chemical and toxic gases", ("chemical", "gas", "chlorine", "sarin", "toxic")),
    ("execution", ("execution", "executed", "behead", "beheading")),
    ("explosion", ("explosion", "bomb", "blast", "suicide", "ied", "mine", "car bomb")),
    ("shooting", ("shooting", "shot", "sniper", "gunfire", "gunmen")),
    ("shelling", ("shelling", "airstrike", "air strike", "strike", "raid", "artillery",
                  "missile", "rocket", "mortar", "barrel", "bombardment", "shell")),
)
CLASH_TYPES = ("Battles",)
CLASH_BORROWS = ("shelling",)
_BASELINE_KILLED = re.compile(r"\b(\d[\d,]*)\b(?:\W+\w+){0,5}?\W+killed", re.IGNORECASE)


@dataclass
class Article:
    """One gold row."""

    id: str
    text: str
    date: str | None
    gold: dict[str, Any]


@dataclass
class FieldScore:
    """Agreement on one field, with the confusions and the articles that disagree."""

    name: str
    right: int = 0
    total: int = 0
    baseline_right: int | None = None
    confusions: Counter = field(default_factory=Counter)
    wrong: list[tuple[str, Any, Any]] = field(default_factory=list)

    @property
    def score(self) -> float:
        return self.right / self.total if self.total else 0.0

    @property
    def baseline(self) -> float | None:
        if self.baseline_right is None or not self.total:
            return None
        return self.baseline_right / self.total

    def add(self, doc: str, gold: Any, predicted: Any, baseline: Any = None) -> None:
        self.total += 1
        if gold == predicted:
            self.right += 1
        else:
            self.confusions[(gold, predicted)] += 1
            self.wrong.append((doc, gold, predicted))
        if baseline is not None or self.name in ("location", "killed"):
            self.baseline_right = (self.baseline_right or 0) + (gold == baseline)


def read_gold(path: str, text_column: str, id_column: str) -> list[Article]:
    """Gold articles from a FA-KES style CSV."""
    csv.field_size_limit(50_000_000)
    with open(path, encoding="utf-8", newline="") as stream:
        return [_article(row, text_column, id_column) for row in csv.DictReader(stream)]


def _article(row: dict, text_column: str, id_column: str) -> Article:
    killed = _int(row.get("nb_civilians")) + _int(row.get("nb_noncivilians"))
    gold = {"location": (row.get("location") or "").strip().lower(), "killed": killed,
            "cause": (row.get("cause_of_death") or "").strip().lower(),
            "actor": (row.get("actor") or "").strip().lower()}
    return Article(str(row.get(id_column, "")), row.get(text_column) or "",
                   _gold_date(row.get("date")), gold)


def _int(value: Any) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return 0


def _gold_date(value: str | None) -> str | None:
    from .dates import normalize_date

    return normalize_date(value, order="mdy") if value else None


def predict(pack: Pack, events: list[Event], matches: Sequence[Match] = ()) -> dict[str, Any]:
    """The four FA-KES fields predicted from one article's events (and its matches)."""
    main = main_event(events)
    fields = main.fields if main else {}
    location = location_code(fields, events) or document_location(matches)
    return {"location": location, "killed": killed_value(fields),
            "cause": predicted_cause(main, events),
            "actor": actor_code(pack, fields.get("actor1") or same_cause_actor(main, events))}


def predicted_cause(main: Event | None, events: list[Event]) -> str:
    """The FA-KES cause of the main event, else of the first event that names one (a clash
    borrows only bombardment: a bomb, execution or shooting told elsewhere is another incident)."""
    fields = main.fields if main else {}
    if fields.get("cause") is not None:
        return cause_code(fields["cause"])
    borrowed = cause_code(first_value(events, "cause"))
    if fields.get("event_type") in CLASH_TYPES and borrowed not in CLASH_BORROWS:
        return "unknown"
    return borrowed


def same_cause_actor(main: Event | None, events: list[Event], near: int = 1) -> Any:
    """The actor1 of the first event with the main event's cause told at most `near` sentences
    from it (the same attack told again)."""
    cause = main.fields.get("cause") if main else None
    if main is None or cause is None:
        return None
    here = _sentences(main)
    same = [e for e in events if e.fields.get("cause") == cause
            and any(abs(a - b) <= near for a in _sentences(e) for b in here)]
    return first_value(same, "actor1")


def _sentences(event: Event) -> set[int]:
    return {m.sentence for m in event.evidence if m.sentence is not None}


def first_value(events: list[Event], key: str) -> Any:
    """The value of `key` in the event mentioned first that has one (None if no event has)."""
    for event in sorted(events, key=_position):
        if event.fields.get(key) is not None:
            return event.fields[key]
    return None


def document_location(matches: Sequence[Match]) -> str | None:
    """The governorate code the document's matches name most often (the earliest on a tie)."""
    codes = [code for m in matches
             if (code := GOVERNORATE_CODES.get(fold(str(m.fields.get("admin1") or ""))))]
    if not codes:
        return None
    counts = Counter(codes)
    return max(codes, key=lambda c: (counts[c], -codes.index(c)))


def main_event(events: list[Event]) -> Event | None:
    """The event whose exact death toll the text states first (else its first vague toll, else
    the event it mentions first)."""
    tolls = [e for e in events if e.fields.get("fatalities") is not None
             and not (e.fields.get("negated") and not _exact_toll(e.fields["fatalities"]))]
    exact = [e for e in tolls if _exact_toll(e.fields["fatalities"])]
    if exact or tolls:
        return min(exact or tolls, key=_toll_position)
    return min(events, key=_position) if events else None


def _exact_toll(value: Any) -> bool:
    """Whether a toll is a stated number ("12", "at least 12"), not a vague amount ("dozens")."""
    return not isinstance(value, dict) or value.get("value") is not None


def _toll_position(event: Event) -> int:
    starts = [m.start for m in event.evidence if m.fields.get("fatalities") is not None]
    return min(starts) if starts else _position(event)


def _position(event: Event) -> int:
    return min((m.start for m in event.evidence), default=0)


def location_code(fields: dict, events: list[Event]) -> str | None:
    for candidate in (fields, *(e.fields for e in events)):
        for key in ("admin1", "location"):
            code = GOVERNORATE_CODES.get(fold(str(candidate.get(key) or "")))
            if code:
                return code
    return None


def killed_value(fields: dict) -> int:
    value = amount(fields.get("fatalities"))
    return 0 if value is None else int(value)


def cause_code(cause: Any) -> str:
    text = fold(str(cause or ""))
    if not text:
        return "unknown"
    for code, words in CAUSE_CODES:
        if any(word in text for word in words):
            return code
    return "unknown"


def actor_code(pack: Pack, actor: Any) -> str:
    """The FA-KES actor code of an actor name: its lexicon entry's `fakes_actor`, else unknown."""
    if not actor:
        return "unknown"
    for entry in lookup_entries(pack.compiled.lexicon, str(actor)):
        code = entry.attrs.get("fakes_actor")
        if code:
            return str(code)
    return "unknown"


def baseline_location(text: str) -> str | None:
    lowered = text.lower()
    found = [(lowered.find(name), code) for name, code in BASELINE_GOVERNORATES.items()
             if name in lowered]
    return min(found)[1] if found else None


def baseline_killed(text: str) -> int:
    match = _BASELINE_KILLED.search(text)
    return int(match.group(1).replace(",", "")) if match else 0


def evaluate(pack: Pack, articles: list[Article], jobs: int = 1) -> dict[str, FieldScore]:
    """Score every article; returns one FieldScore per field."""
    scores = {name: FieldScore(name) for name in FIELDS}
    docs = ((a.id, a.text) for a in articles)
    results = pack.extract_many(docs, jobs=jobs, with_events=True, dates=_dates(articles))
    for article, result in zip(articles, results, strict=True):
        predicted = (predict(pack, list(result.events), result.matches)
                     if result.error is None else {})
        baselines = {"location": baseline_location(article.text),
                     "killed": baseline_killed(article.text)}
        for name in FIELDS:
            scores[name].add(article.id, article.gold[name], predicted.get(name),
                             baselines.get(name))
    return scores


def _dates(articles: list[Article]) -> dict[str, str | None]:
    return {a.id: a.date for a in articles}


def report(scores: dict[str, FieldScore], out: TextIO, show_errors: int) -> None:
    """The score table, the main confusions and some articles that disagree."""
    print(f"{'field':<10} {'rulecraft':>9} {'baseline':>9} {'target':>7}  articles", file=out)
    for name, score in scores.items():
        base = f"{score.baseline:.3f}" if score.baseline is not None else "-"
        print(f"{name:<10} {score.score:>9.3f} {base:>9} {TARGETS[name]:>7.2f}  {score.total}",
              file=out)
    for name, score in scores.items():
        top = ", ".join(f"{g}->{p} x{n}" for (g, p), n in score.confusions.most_common(5))
        print(f"\n{name}: most common confusions (gold->predicted): {top or 'none'}", file=out)
        for doc, gold, predicted in score.wrong[:show_errors]:
            print(f"  {doc}: gold {gold!r}, predicted {predicted!r}", file=out)


def scores_json(scores: dict[str, FieldScore]) -> dict:
    return {name: {"score": s.score, "baseline": s.baseline, "target": TARGETS[name],
                   "articles": s.total,
                   "confusions": [[g, p, n] for (g, p), n in s.confusions.most_common(20)],
                   "wrong": [list(w) for w in s.wrong]}
            for name, s in scores.items()}


def run_eval(pack: Pack, args, out: TextIO, err: TextIO) -> int:
    """The `rulecraft eval` command."""
    articles = read_gold(args.gold, args.text_column, args.id_column)
    scores = evaluate(pack, articles, jobs=args.jobs)
    if args.json:  # first, so that a closed pipe on the report cannot lose it
        with open(args.json, "w", encoding="utf-8") as stream:
            json.dump(scores_json(scores), stream, indent=2, default=str)
    report(scores, out, args.show_errors)
    return 0
