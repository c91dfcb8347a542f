"""Explain one rule on one text: why it matched, or the longest partial match and what failed.

The rule's pattern is tried with more and more of its top-level elements; the longest prefix that
matches somewhere is the partial match, and the element after it is the first that failed. The
typed spans found in the text (lexicon hits, numbers, earlier rules' labels) are listed for the
types the rule uses, since a missing span is the usual reason a typed capture fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import regex

from . import ast
from .cells import Encoded
from .codegen import Codegen, Scope
from .compile import CompiledRule
from .match import DocumentRun
from .model import Match

if TYPE_CHECKING:
    from .pack import Pack


@dataclass
class Explanation:
    """What explain found for one rule on one text."""

    rule: CompiledRule
    matches: list[Match] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    partial: str | None = None
    failed_element: str | None = None
    failed_caret: str | None = None
    missing_features: list[str] = field(default_factory=list)
    spans: dict[str, list[str]] = field(default_factory=dict)

    def render(self) -> str:
        lines = [f"rule {self.rule.name} ({self.rule.provenance})",
                 f"  pattern: {self.rule.pattern_text}"]
        if self.matches:
            lines.append(f"  MATCHED {len(self.matches)} time(s):")
            lines.extend(_describe_match(m) for m in self.matches)
        else:
            lines.extend(self._why_not())
        lines.extend(f"  note: {note}" for note in self.dropped)
        for type_name, found in self.spans.items():
            shown = ", ".join(repr(s) for s in found[:10]) or "none"
            lines.append(f"  {type_name} spans in the text: {shown}")
        return "\n".join(lines)

    def _why_not(self) -> list[str]:
        lines = ["  NO MATCH"]
        if self.missing_features:
            lines.append("  none of the words or types the rule requires occur in one sentence: "
                         + ", ".join(sorted(self.missing_features)))
        if self.partial is not None:
            lines.append(f"  longest partial match: {self.partial!r}")
        if self.failed_element is not None:
            lines.append(f"  first element that failed: {self.failed_element}")
            if self.failed_caret:
                lines.append(self.failed_caret)
        return lines


def explain(pack: Pack, rule_name: str, text: str) -> Explanation:
    """Explain why `rule_name` matches `text`, or why it does not."""
    rule = pack.rule(rule_name)
    run = pack.run(text, exhaustive=True)
    result = Explanation(rule)
    result.matches = [m for m in run.matches if m.rule == rule.name]
    result.spans = _spans_by_type(run, rule)
    if not result.matches:
        raw = _raw_matches(rule, run)
        if raw:
            result.dropped.append(f"{len(raw)} match(es) removed by overlap resolution "
                                  f"(label {rule.label or rule.name}): "
                                  + ", ".join(repr(t) for t in raw))
        _partial(pack, rule, run, result)
        result.missing_features = _missing(rule, run)
    return result


def _encodings(rule: CompiledRule, run: DocumentRun) -> list[Encoded]:
    if rule.scope == "document":
        return [run.encoded_document()] if run.sentences else []
    return [run.encoded_sentence(i) for i in range(len(run.sentences))]


def _raw_matches(rule: CompiledRule, run: DocumentRun) -> list[str]:
    found = []
    for enc in _encodings(rule, run):
        for m in rule.matcher.finditer(enc.text, timeout=run.timeout):
            first, last = run.token_range(enc, *m.span())
            if last > first:
                found.append(run.text[run.tokens[first].start:run.tokens[last - 1].end])
    return found


def _partial(pack: Pack, rule: CompiledRule, run: DocumentRun, result: Explanation) -> None:
    items = _top_items(rule.syntax())
    for k in range(len(items) - 1, 0, -1):
        found = _search_prefix(pack, rule, run, items[:k])
        if found is not None:
            result.partial = found
            result.failed_element, result.failed_caret = _element(rule, items[k])
            return
    result.failed_element, result.failed_caret = _element(rule, items[0])


def _top_items(node: ast.Node) -> tuple[ast.Node, ...]:
    return node.items if isinstance(node, ast.Seq) else (node,)


def _search_prefix(pack: Pack, rule: CompiledRule, run: DocumentRun,
                   items: tuple[ast.Node, ...]) -> str | None:
    compiled = pack.compiled
    scope = Scope(compiled.types, compiled.macros, compiled.classes)
    codegen = Codegen(scope, lambda offset: None, doc_scope=rule.scope == "document")
    program = regex.compile(codegen.emit(ast.Seq(items)))
    best = None
    for enc in _encodings(rule, run):
        for m in program.finditer(enc.text, timeout=run.timeout):
            first, last = run.token_range(enc, *m.span())
            if last > first:
                text = run.text[run.tokens[first].start:run.tokens[last - 1].end]
                best = text if best is None or len(text) > len(best) else best
    return best


def _element(rule: CompiledRule, node: ast.Node) -> tuple[str, str | None]:
    start, end = getattr(node, "span", (0, 0))
    source = rule.pattern_text
    if end <= start:
        return ast.to_source(node), None
    line_start = source.rfind("\n", 0, start) + 1
    line_end = source.find("\n", start)
    line = source[line_start: None if line_end < 0 else line_end]
    width = max(1, min(end, len(line) + line_start) - start)
    caret = f"    {line}\n    {' ' * (start - line_start)}{'^' * width}"
    return f"{source[start:end]!r} at pattern column {start - line_start + 1}", caret


def _missing(rule: CompiledRule, run: DocumentRun) -> list[str]:
    if rule.features is None:
        return []
    present = set().union(*run.sentence_features) if run.sentences else set()
    return [] if rule.features & present else list(rule.features)


def _spans_by_type(run: DocumentRun, rule: CompiledRule) -> dict[str, list[str]]:
    spans: dict[str, list[str]] = {t: [] for t in sorted(rule.program.types_used)}
    for span in run.spans:
        if span.type in spans:
            start = run.tokens[span.first].start
            end = run.tokens[span.last - 1].end
            spans[span.type].append(run.text[start:end])
    return spans


def _describe_match(match: Match) -> str:
    parts = [f"    {match.text!r} at {match.start}-{match.end}"]
    for name, cap in match.captures.items():
        value = f" = {cap.value!r}" if cap.value is not None else ""
        parts.append(f"      {name}: {cap.text!r}{value}")
    if match.fields:
        parts.append(f"      fields: {match.fields}")
    return "\n".join(parts)
