"""The engines under test, behind one interface: compile a workload, then count matches per doc.

Rulecraft is measured through its public API only (`engine.pack.load`, `Pack.extract_many`).
The peers: `naive` (one `regex` pattern per rule, run in turn), `spacy` (PhraseMatcher for
places + Matcher), `hyperscan` (one multi-pattern database as a prefilter reference line).
A peer whose compilation would exceed the time budget compiles a prefix of the rules; the
caller scales its times by `Compiled.scale`.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .patterns import hyperscan_regex, naive_regex, spacy_patterns
from .workload import Place, RuleSpec

Counts = dict[str, int]


@dataclass(frozen=True)
class Workload:
    """What every engine compiles: the rules, the gazetteer, and the pack written from them."""

    specs: tuple[RuleSpec, ...]
    places: tuple[Place, ...]
    pack: Path

    @property
    def terms(self) -> list[str]:
        return [term for place in self.places for term in place.terms]


@dataclass(frozen=True)
class Compiled:
    """How long compilation took, and how many of the rules it covered."""

    seconds: float
    rules_compiled: int
    rules_total: int

    @property
    def scale(self) -> float:
        """Factor from the compiled prefix of the rules to all of them (1.0 when complete)."""
        return self.rules_total / self.rules_compiled if self.rules_compiled else float("inf")


class Engine(Protocol):
    """An engine under test."""

    name: str

    def compile(self, workload: Workload, budget: float | None) -> Compiled:
        """Compile the workload, stopping after `budget` seconds if the engine can."""

    def counts(self, texts: Sequence[str]) -> Iterator[Counts]:
        """Per text, in order: rule name -> number of matches."""


class EngineUnavailable(Exception):
    """The engine's package cannot be imported or cannot compile the workload."""


def short_rule_name(qualified: str) -> str:
    """A Rulecraft rule name without its file qualifier."""
    return qualified.rsplit(".", 1)[-1]


class RulecraftEngine:
    """Rulecraft through its public API, with `jobs` worker processes: the pure-Python path
    (`RULECRAFT_NO_ACCEL=1`), or with the hyperscan accelerator when `accelerated`."""

    def __init__(self, jobs: int = 1, accelerated: bool = False):
        self.jobs = jobs
        self.accelerated = accelerated
        self.name = "rulecraft-fast" if accelerated else "rulecraft"
        self.pack = None
        self.errors = 0

    def compile(self, workload: Workload, budget: float | None) -> Compiled:
        from engine.accel import available
        from engine.pack import load

        if self.accelerated and not available():
            raise EngineUnavailable("hyperscan is not installed (extra 'fast')")
        if self.accelerated:
            os.environ.pop("RULECRAFT_NO_ACCEL", None)
        else:
            os.environ["RULECRAFT_NO_ACCEL"] = "1"  # worker processes inherit it
        start = time.perf_counter()
        self.pack = load(workload.pack)
        if self.accelerated:  # its hyperscan database is compile work (cached like the pack)
            self.pack.compiled.word_finder()
        return Compiled(time.perf_counter() - start, len(workload.specs), len(workload.specs))

    def counts(self, texts: Sequence[str]) -> Iterator[Counts]:
        assert self.pack is not None
        for result in self.pack.extract_many(texts, jobs=self.jobs):
            self.errors += result.error is not None
            yield Counter(short_rule_name(m.rule) for m in result.matches)


class NaiveEngine:
    """One `regex` pattern per rule, the gazetteer inlined as a named list, run in turn."""

    name = "naive"

    def __init__(self) -> None:
        self.patterns: list[tuple[str, object]] = []

    def compile(self, workload: Workload, budget: float | None) -> Compiled:
        import regex

        terms = workload.terms
        start = time.perf_counter()
        for spec in workload.specs:
            if budget is not None and self.patterns and time.perf_counter() - start > budget:
                break
            pattern = regex.compile(naive_regex(spec), regex.IGNORECASE, places=terms)
            self.patterns.append((spec.name, pattern))
        return Compiled(time.perf_counter() - start, len(self.patterns), len(workload.specs))

    def counts(self, texts: Sequence[str]) -> Iterator[Counts]:
        for text in texts:
            found: Counts = {}
            for name, pattern in self.patterns:
                hits = sum(1 for _ in pattern.finditer(text))  # type: ignore[attr-defined]
                if hits:
                    found[name] = hits
            yield found


class SpacyEngine:
    """spaCy's blank English tokenizer, PhraseMatcher for places, Matcher for the rules."""

    name = "spacy"

    def compile(self, workload: Workload, budget: float | None) -> Compiled:
        spacy, matcher_module = _import_spacy()
        start = time.perf_counter()
        self.nlp = spacy.blank("en")
        self.places = matcher_module.PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.places.add("PLACE", list(self.nlp.tokenizer.pipe(workload.terms)))
        self.matcher = matcher_module.Matcher(self.nlp.vocab)
        for spec in workload.specs:
            self.matcher.add(spec.name, spacy_patterns(spec), greedy="LONGEST")
        return Compiled(time.perf_counter() - start, len(workload.specs), len(workload.specs))

    def counts(self, texts: Sequence[str]) -> Iterator[Counts]:
        from spacy.util import filter_spans

        strings = self.nlp.vocab.strings
        for doc in self.nlp.tokenizer.pipe(texts):
            doc.ents = filter_spans(self.places(doc, as_spans=True))
            yield Counter(strings[key] for key, _, _ in self.matcher(doc))


def _import_spacy():
    try:
        import spacy
        from spacy import matcher
    except ImportError as exc:
        raise EngineUnavailable(f"spacy is not installed ({exc})") from exc
    return spacy, matcher


class HyperscanEngine:
    """Hyperscan: one database of all rules (places as any word) plus one of place literals.

    A prefilter reference line, not equivalent work: its count is the (doc, rule) pairs that
    may match, each rule reported once per doc.
    """

    name = "hyperscan"

    def compile(self, workload: Workload, budget: float | None) -> Compiled:
        hyperscan = _import_hyperscan()
        start = time.perf_counter()
        self.names = [spec.name for spec in workload.specs]
        self.rules = _hyperscan_db(hyperscan, [hyperscan_regex(s) for s in workload.specs],
                                   hyperscan.HS_FLAG_SINGLEMATCH)
        self.places = _hyperscan_db(hyperscan, workload.terms, 0, literal=True)
        return Compiled(time.perf_counter() - start, len(workload.specs), len(workload.specs))

    def counts(self, texts: Sequence[str]) -> Iterator[Counts]:
        for text in texts:
            data = text.encode("utf-8")
            found: Counts = {}
            self.places.scan(data, match_event_handler=_ignore)
            self.rules.scan(data, match_event_handler=_collector(self.names, found))
            yield found


def _import_hyperscan():
    try:
        import hyperscan
    except ImportError as exc:
        raise EngineUnavailable(f"hyperscan is not installed ({exc})") from exc
    return hyperscan


def _hyperscan_db(hyperscan, expressions: list[str], flags: int, literal: bool = False):
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    try:
        database.compile(expressions=[e.encode("utf-8") for e in expressions],
                         ids=list(range(len(expressions))), elements=len(expressions),
                         flags=flags | hyperscan.HS_FLAG_CASELESS, literal=literal)
    except hyperscan.error as exc:
        raise EngineUnavailable(f"hyperscan cannot compile the workload: {exc}") from exc
    return database


def _ignore(*_args) -> None:
    return None


def _collector(names: list[str], found: Counts) -> Callable:
    def on_match(rule_id: int, start: int, end: int, flags: int, context: object) -> None:
        name = names[rule_id]
        found[name] = found.get(name, 0) + 1
    return on_match


ENGINES: dict[str, Callable[[], Engine]] = {
    "rulecraft": RulecraftEngine,
    "rulecraft-fast": lambda: RulecraftEngine(accelerated=True),
    "naive": NaiveEngine,
    "spacy": SpacyEngine,
    "hyperscan": HyperscanEngine,
}
