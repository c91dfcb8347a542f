"""Run a compiled pack over one document: find typed spans, then run candidate rules per sentence.

Per document: unless `engine.screen` rules the whole text out, split sentences and tokenize
those where a rule could match; find lexicon hits (one trie pass for all types), grammar hits
(one finder per grammar type) and token classes; then, stage by stage, encode each sentence as
token cells (see `engine.cells`), run only the rules the screen lets through for the sentence,
resolve overlaps, and feed each kept match's labels to later stages as spans.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .ast import COMPARISONS
from .cells import Encoded, SentenceCells
from .codegen import BUILTIN_TYPES, TypeKind
from .compile import CompiledPack, CompiledRule, FieldGetter
from .errors import MatchTimeout
from .model import Capture, Match, amount
from .prefilter import builtin_start, type_feature
from .resolve import resolve
from .screen import Screen
from .sentence_spans import sentence_spans
from .text import Sentence, Token, normalize, tokenize

DEFAULT_TIMEOUT = 2.0
CLASS_CACHE_SIZE = 200_000


@dataclass(frozen=True)
class TypeSpan:
    """A span of a type over tokens [first, last): a lexicon hit, grammar hit or rule match."""

    id: int
    type: str
    first: int
    last: int
    value: Any
    kind: TypeKind


class DocumentRun:
    """The state of one document while a pack runs over it.

    `skipped` says the document-level test ruled the text out (no rule can match anywhere):
    then nothing was split or tokenized, `matches` stays empty, and `sentences` are found only
    if asked for.
    """

    def __init__(self, pack: CompiledPack, text: str, doc_id: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT, exhaustive: bool = False):
        self.pack = pack
        self.exhaustive = exhaustive
        self.text = text
        self.doc_id = doc_id
        self.timeout = timeout
        self.tokens: list[Token] = []
        self.spans: list[TypeSpan] = []
        self.matches: list[Match] = []
        self.active: list[int] = []
        self.sentence_features: list[set[str]] = []
        self._sentences: list[Sentence] | None = None
        self.screen = Screen(pack, text, exhaustive)
        self.skipped = not exhaustive and self.screen.rules_out_document()
        if not self.skipped:
            self._prepare(sentence_spans(text))

    def _prepare(self, spans: list[tuple[int, int]]) -> None:
        """Words of each sentence, the active sentences, and their tokens."""
        self.sentence_features = self.screen.sentence_words(spans)
        self.active = (list(range(len(spans))) if self.exhaustive
                       else self.screen.active_sentences(self.sentence_features))
        self._sentences = self._tokenize(spans, set(self.active))
        self.cells = SentenceCells(self.tokens, self._sentences, self.pack.process_state(
            "builtin_starts", lambda: _builtin_starts(self.pack)))
        self._token_ends = [tok.end for tok in self.tokens]

    @property
    def sentences(self) -> list[Sentence]:
        """The sentences (found on first use in a skipped document, with no tokens)."""
        if self._sentences is None:
            self._sentences = [Sentence(a, b, 0, 0) for a, b in sentence_spans(self.text)]
        return self._sentences

    def _tokenize(self, spans: list[tuple[int, int]], active: set[int]) -> list[Sentence]:
        """Tokens of the active sentences only; the others keep an empty token range."""
        sentences = []
        for index, (start, end) in enumerate(spans):
            first = len(self.tokens)
            if index in active:
                self.tokens.extend(tokenize(self.text, start, end))
            sentences.append(Sentence(start, end, first, len(self.tokens)))
        return sentences

    # ---- typed spans -------------------------------------------------------------------
    def add_span(self, type_name: str, first: int, last: int, value: Any,
                 kind: TypeKind) -> None:
        span = TypeSpan(len(self.spans), type_name, first, last, value, kind)
        self.spans.append(span)
        names = [type_name, *self.pack.filters.derived(type_name, value)]
        tags = [f"{name}#{span.id}" for name in names]
        for sentence in self.cells.tag_span(first, last, tags, str(span.id)):
            self.sentence_features[sentence].add(type_feature(type_name))

    def find_base_spans(self, active: list[int]) -> None:
        """Lexicon hits, grammar hits and token classes in the active sentences."""
        for index in active:
            sentence = self.sentences[index]
            first = sentence.first_token
            for hit in self.screen.lexicon_hits(index):
                self.add_span(hit.entry.type, first + hit.first, first + hit.last,
                              hit.entry.value(), TypeKind.LEXICON)
            if self.pack.grammars:
                self._grammar_spans(sentence)
            if self.pack.token_classes:
                self._token_class_tags(sentence)

    def _grammar_spans(self, sentence: Sentence) -> None:
        """Grammar hits inside one sentence, aligned to its tokens."""
        tokens = self.tokens[sentence.first_token:sentence.last_token]
        starts = {tok.start: i for i, tok in enumerate(tokens, sentence.first_token)}
        ends = {tok.end: i for i, tok in enumerate(tokens, sentence.first_token)}
        piece = normalize(self.text[sentence.start:sentence.end])  # same length: offsets hold
        start_only = () if self.exhaustive else self.pack.start_only
        for name, grammar in self.pack.grammars.items():
            for hit in self._grammar_hits(grammar, piece, name in start_only):
                first = starts.get(sentence.start + hit.start)
                last = ends.get(sentence.start + hit.end)
                if first is not None and last is not None:
                    self.add_span(name, first, last + 1, hit.value, TypeKind.GRAMMAR)

    def _grammar_hits(self, grammar, text: str, at_start: bool = False) -> list:
        """A grammar type's hits in a piece of text (only one at its start if `at_start`: see
        `engine.type_uses`), under the time bound."""
        try:
            if at_start:
                return grammar.find_at_start(text, timeout=self.timeout)
            return grammar.find(text, timeout=self.timeout)
        except MatchTimeout as exc:
            raise MatchTimeout(self.doc_id, exc.message) from None

    def _token_class_tags(self, sentence: Sentence) -> None:
        cache = self.pack.class_cache
        if len(cache) > CLASS_CACHE_SIZE:
            cache.clear()
        classes = list(enumerate(self.pack.token_classes))
        for i in range(sentence.first_token, sentence.last_token):
            norm = self.tokens[i].norm
            tags = cache.get(norm)
            if tags is None:
                tags = cache[norm] = self._classes_of(norm, classes)
            if tags:
                self.cells.tag_token(i, tags)

    def _classes_of(self, norm: str, classes: list) -> list[str]:
        """The `/regex/` token classes a token's text is in; MatchTimeout for a runaway regex."""
        try:
            return [f"~{n}" for n, rx in classes if rx.fullmatch(norm, timeout=self.timeout)]
        except TimeoutError:
            raise MatchTimeout(self.doc_id, f"a /regex/ token ran past its time bound of "
                               f"{self.timeout:g}s on the token {norm[:40]!r}") from None

    # ---- encoding (see `engine.cells`) -------------------------------------------------
    def encoded_sentence(self, index: int) -> Encoded:
        return self.cells.encoded(index)

    def encoded_document(self) -> Encoded:
        return self.cells.encoded_document()

    # ---- rules -------------------------------------------------------------------------
    def run(self) -> list[Match]:
        """All matches of the pack, resolved, in document order."""
        if self.skipped:  # no rule can match anywhere in it
            return self.matches
        self.find_base_spans(self.active)
        kept: list[Match] = []
        for stage in self.pack.stages:
            found = self._run_sentence_rules(stage.sentence_index)
            found.extend(self._run_document_rules(stage.document_rules))
            stage_kept = resolve(found, self.pack.overlap)
            for match in stage_kept:
                self._add_label_spans(match)
            kept.extend(stage_kept)
        kept.sort(key=lambda m: (m.start, -m.end, -m.priority, m.rule))
        self.matches = kept
        return kept

    def _run_sentence_rules(self, index) -> list[Match]:
        found: list[Match] = []
        rules = self.pack.rules
        for s_index in self.active:
            candidates = (index.rules if self.exhaustive else
                          self.screen.candidates(index, s_index, self.sentence_features[s_index]))
            if not candidates:
                continue
            enc = self.encoded_sentence(s_index)
            for rule_index in sorted(candidates):
                found.extend(self._matches(rules[rule_index], enc, s_index))
        return found

    def _run_document_rules(self, rule_indexes: list[int]) -> list[Match]:
        if not rule_indexes or not self.sentences:
            return []
        features = set().union(*self.sentence_features)
        enc = self.encoded_document()
        found: list[Match] = []
        for rule_index in rule_indexes:
            rule = self.pack.rules[rule_index]
            if self.exhaustive or rule.features is None or rule.features & features:
                found.extend(self._matches(rule, enc, None))
        return found

    def _matches(self, rule: CompiledRule, enc: Encoded, sentence: int | None) -> Iterable[Match]:
        try:
            for m in self._regex_matches(rule, enc):
                match = self._build_match(rule, enc, m, sentence)
                if match is not None:
                    yield match
        except TimeoutError:
            raise MatchTimeout(self.doc_id, f"rule {rule.name} ({rule.provenance}) ran past its "
                               f"time bound of {self.timeout:g}s") from None

    def _regex_matches(self, rule: CompiledRule, enc: Encoded) -> Iterable:
        """The rule's leftmost non-overlapping regex matches, as `finditer` would give them.

        When every match must begin at a token with one of the rule's first features, the
        program is tried only at those cells instead of at every position of the sentence.
        """
        if rule.first is None or enc.cells_of is None or self.exhaustive:
            yield from rule.matcher.finditer(enc.text, timeout=self.timeout)
            return
        match_at, text, end = rule.matcher.match, enc.text, 0
        for pos in enc.starts_of(rule.first):
            if pos >= end:
                m = match_at(text, pos, timeout=self.timeout)
                if m is not None:
                    end = m.end()
                    yield m

    def token_range(self, enc: Encoded, a: int, b: int) -> tuple[int, int]:
        first = bisect_left(enc.cell_starts, a)
        last = bisect_left(enc.cell_starts, b)
        return enc.first_token + first, enc.first_token + last

    def _build_match(self, rule: CompiledRule, enc: Encoded, m, sentence: int | None
                     ) -> Match | None:
        first, last = self.token_range(enc, *m.span())
        if last <= first:
            return None
        start, end = self.tokens[first].start, self.tokens[last - 1].end
        captures, spans = self._captures(rule, enc, m)
        match = Match(rule=rule.name, label=rule.label, start=start, end=end,
                      text=self.text[start:end], captures=captures, doc=self.doc_id,
                      labels=rule.labels, priority=rule.priority, provenance=rule.provenance,
                      sentence=sentence)
        if rule.where and not all(_holds(check, captures, spans) for check in rule.where):
            return None
        match.fields = fill_fields(rule.fields, captures, spans)
        return match

    def _captures(self, rule: CompiledRule, enc: Encoded, m
                  ) -> tuple[dict[str, Capture], dict[str, TypeSpan]]:
        """The named captures of a regex match, and the typed span behind each typed one."""
        captures: dict[str, Capture] = {}
        spans: dict[str, TypeSpan] = {}
        for slot in rule.program.captures:
            if slot.name is None or m.start(slot.group) < 0:
                continue
            first, last = self.token_range(enc, *m.span(slot.group))
            if last <= first:
                continue
            start, end = self.tokens[first].start, self.tokens[last - 1].end
            value = None
            if slot.id_group is not None:
                span = self.spans[int(m.group(slot.id_group))]
                spans[slot.name] = span
                value = span.value
            captures[slot.name] = Capture(start, end, self.text[start:end], slot.type_name, value)
        return captures, spans

    def _add_label_spans(self, match: Match) -> None:
        if not match.labels:
            return
        first = self._token_at(match.start)
        last = self._token_at(match.end - 1) + 1
        for label in match.labels:
            self.add_span(label, first, last, dict(match.fields), TypeKind.LABEL)

    def _token_at(self, offset: int) -> int:
        return bisect_left(self._token_ends, offset + 1)


def _builtin_starts(pack: CompiledPack) -> list[tuple[str, str]]:
    """The built-in types (and their start features) that some rule's matches begin with."""
    firsts = set().union(*(rule.first for rule in pack.rules if rule.first))
    return [(name, builtin_start(name)) for name in BUILTIN_TYPES
            if builtin_start(name) in firsts]


def fill_fields(getters: tuple[FieldGetter, ...], captures: dict[str, Capture],
                spans: dict[str, TypeSpan]) -> dict[str, Any]:
    """The output fields of a match; a field whose capture did not take part is left out."""
    fields: dict[str, Any] = {}
    for getter in getters:
        if getter.alternatives:
            result = _expression_value(getter.alternatives, captures, spans)
            if result is not None:
                fields[getter.name] = result
            continue
        if getter.capture is None:
            fields[getter.name] = getter.constant
            continue
        capture = captures.get(getter.capture)
        if capture is None:
            continue
        span = spans.get(getter.capture)
        kind, value = (span.kind, span.value) if span else (None, None)
        result = _field_value(capture, kind, value, getter.path)
        if result is not None:
            fields[getter.name] = result
    return fields


def _expression_value(alternatives, captures: dict[str, Capture], spans: dict[str, TypeSpan]):
    """The first alternative whose terms all have values; terms joined by `+` are summed."""
    for terms in alternatives:
        values = [_operand_value(t, captures, spans) for t in terms]
        if any(v is None for v in values):
            continue
        if len(values) == 1:
            return values[0]
        numbers = [amount(v) for v in values]
        if all(n is not None for n in numbers):
            total = sum(numbers)
            return int(total) if float(total).is_integer() else total
    return None


def _holds(check, captures: dict[str, Capture], spans: dict[str, TypeSpan]) -> bool:
    """Whether a `where:` condition holds for a match (a missing operand fails it)."""
    left = _operand_value(check.left, captures, spans)
    right = _operand_value(check.right, captures, spans)
    if left is None or right is None:
        return False
    if check.op in ("=", "!="):
        same = _comparable(left) == _comparable(right)
        return same if check.op == "=" else not same
    a, b = amount(left), amount(right)
    return a is not None and b is not None and COMPARISONS[check.op](a, b)


def _comparable(value: Any) -> Any:
    number = amount(value)
    if number is not None:
        return float(number)
    if isinstance(value, dict) and "name" in value:
        value = value["name"]
    return str(value).casefold()


def _operand_value(term, captures: dict[str, Capture], spans: dict[str, TypeSpan]) -> Any:
    if term.capture is None:
        return term.constant
    capture = captures.get(term.capture)
    if capture is None:
        return None
    span = spans.get(term.capture)
    kind, value = (span.kind, span.value) if span else (None, None)
    return _field_value(capture, kind, value, term.path)


def _field_value(capture: Capture, kind: TypeKind | None, value: Any, path: tuple[str, ...]):
    if not path:
        return _plain_value(capture, kind, value)
    if path == ("text",) and not (isinstance(value, dict) and "text" in value):
        return capture.text
    current = value
    for step in path:
        if not isinstance(current, dict):
            return None
        current = current.get(step)
    return current


def _plain_value(capture: Capture, kind: TypeKind | None, value: Any) -> Any:
    """A capture's value as a field: lexicon entries give their canonical name."""
    if value is None:
        return capture.text
    if kind is TypeKind.LEXICON and isinstance(value, dict):
        return value.get("name")
    return value


def run_document(pack: CompiledPack, text: str, doc_id: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT) -> list[Match]:
    """Match a pack against one document."""
    return DocumentRun(pack, text, doc_id, timeout).run()
