"""Translate a pattern AST into one `regex` program over the token-cell encoding of a sentence.

The match stage encodes each sentence as a string of cells, one per token:

    \\x1d <start tags> \\x1e <folded text> \\x1f <normalized text> \\x1c <end tags>

framed by \\x1a at sentence boundaries (the programs hold these control characters literally,
which the `regex` module parses much faster than escapes). Start tags `;T#7;` mark the first
token of span 7 of type T (a lexicon hit, a grammar hit or an earlier rule's match) and `;~3;`
says the token is in token class 3 (a `/regex/` token); end tags `;7;` mark the last token of
span 7. A pattern element becomes a regex over whole cells, so regex backtracking is token
backtracking, and a typed capture is a back-referenced pair of tags. Character offsets never
enter the program: the match stage maps cell positions back to tokens and tokens to offsets in
the input."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field

import regex

from . import ast
from .errors import CompileError, Location, did_you_mean
from .inflect import inflections
from .regex_groups import one_group, sequence_item
from .text import fold as fold_text
from .text import literal_tokens

SENT = "\x1a"
CELL = "\x1d"
FOLD = "\x1e"
NORM = "\x1f"
ENDS = "\x1c"
_REST = "[^\x1a\x1d]*"
_TAGS = "[^\x1e]*"
_FOLD_FIELD = "[^\x1f]*"
_BOUNDARY = "(?=[\x1a\x1d])"
DEFAULT_SKIP = 8
NAME_CONNECTORS = ("a", "al", "el", "ad", "ar", "as", "at", "az", "an", "bin", "ibn", "bint", "abu",
                   "umm", "de", "da", "di", "du", "la", "le", "van", "von", "der", "-", "'")
NAME_STOPWORDS = ("the", "a", "an", "in", "on", "at", "of", "and", "or", "but", "to", "for",
                  "with", "by", "from", "as", "this", "that", "these", "those", "it", "he",
                  "she", "they", "we", "i", "his", "her", "their", "its", "after", "before",
                  "meanwhile", "meantime", "however", "according", "earlier", "later")

Locator = Callable[[int], Location]


class TypeKind(enum.Enum):
    """Where a type's spans come from."""

    LEXICON = "lexicon"
    GRAMMAR = "grammar"
    LABEL = "label"
    WORD = "word"
    NAME = "name"


BUILTIN_TYPES = {"WORD": TypeKind.WORD, "NAME": TypeKind.NAME}


@dataclass(frozen=True)
class CaptureSlot:
    """A capture in a compiled rule: its regex group, user name and type."""

    group: str
    name: str | None
    type_name: str | None
    kind: TypeKind | None
    id_group: str | None = None


@dataclass(frozen=True)
class Program:
    """The compiled form of one pattern."""

    source: str
    captures: tuple[CaptureSlot, ...]
    types_used: frozenset[str]
    labels_used: frozenset[str]


@dataclass
class TokenClasses:
    """The `/regex/` token classes of a pack, numbered in order of first use."""

    patterns: dict[tuple[str, str], int] = field(default_factory=dict)

    def id_for(self, pattern: str, flags: str) -> int:
        return self.patterns.setdefault((pattern, flags), len(self.patterns))


@dataclass
class Scope:
    """What the code generator needs to know about the pack."""

    types: dict[str, TypeKind]
    macros: dict[str, tuple[ast.Node, Locator]]
    classes: TokenClasses
    default_skip: int = DEFAULT_SKIP
    filters: TypeFilters = field(default_factory=lambda: TypeFilters())
    attributes: dict[str, set[str]] = field(default_factory=dict)


@dataclass
class TypeFilters:
    """Filtered types (`PLACE[kind=city]`), each a derived tag name for its base type."""

    names: dict[tuple[str, tuple[ast.Condition, ...]], str] = field(default_factory=dict)
    by_base: dict[str, list[tuple[str, tuple[ast.Condition, ...]]]] = field(default_factory=dict)

    def tag_for(self, base: str, conditions: tuple[ast.Condition, ...]) -> str:
        key = (base, conditions)
        if key not in self.names:
            name = f"{base}%{len(self.names)}"
            self.names[key] = name
            self.by_base.setdefault(base, []).append((name, conditions))
        return self.names[key]

    def derived(self, base: str, value: object) -> list[str]:
        """The derived tag names whose conditions a span of `base` with `value` meets."""
        return [name for name, conds in self.by_base.get(base, ())
                if all(c.accepts(value) for c in conds)]


class Codegen:
    """Generates the regex source for one pattern; one instance per rule or macro expansion."""

    def __init__(self, scope: Scope, locate: Locator, doc_scope: bool = False):
        self.scope = scope
        self.prefix = "\x1a*" if doc_scope else ""
        self._locate = [locate]
        self._macro_stack: list[str] = []
        self._behind = 0
        self.captures: list[CaptureSlot] = []
        self.types_used: set[str] = set()
        self.labels_used: set[str] = set()

    def program(self, node: ast.Node) -> Program:
        source = self.emit(node)
        return Program(source, tuple(self.captures), frozenset(self.types_used),
                       frozenset(self.labels_used))

    def emit(self, node: ast.Node) -> str:
        return getattr(self, f"emit_{type(node).__name__}")(node)

    # ---- cells -------------------------------------------------------------------------
    def any_cell(self) -> str:
        return f"{self.prefix}\x1d{_REST}"

    def fold_cell(self, alternatives: list[str]) -> str:
        words = "|".join(regex.escape(w) for w in sorted(set(alternatives), key=len, reverse=True))
        body = words if len(alternatives) == 1 else f"(?:{words})"
        return f"{self.prefix}\x1d{_TAGS}\x1e{body}\x1f{_REST}"

    def norm_cell(self, text: str) -> str:
        return f"{self.prefix}\x1d{_TAGS}\x1e{_FOLD_FIELD}\x1f{regex.escape(text)}\x1c{_REST}"

    def tagged_cell(self, tag: str) -> str:
        return f"{self.prefix}\x1d{_TAGS}?;{tag};{_REST}"

    # ---- tokens ------------------------------------------------------------------------
    def emit_Word(self, node: ast.Word) -> str:
        folds = [tok.fold for tok in literal_tokens(node.text)]
        return "".join(self.fold_cell([f]) for f in folds)

    def emit_Phrase(self, node: ast.Phrase) -> str:
        return "".join(self.norm_cell(tok.norm) for tok in literal_tokens(node.text))

    def emit_Inflect(self, node: ast.Inflect) -> str:
        return self.fold_cell([fold_text(form) for form in inflections(node.lemma)])

    def emit_RegexToken(self, node: ast.RegexToken) -> str:
        class_id = self.scope.classes.id_for(node.pattern, node.flags)
        return self.tagged_cell(f"~{class_id}")

    def emit_AnyToken(self, node: ast.AnyToken) -> str:
        return self.any_cell()

    def emit_Skip(self, node: ast.Skip) -> str:
        high = self.scope.default_skip if node.high is None else node.high
        return f"(?:{self.any_cell()}){{{node.low},{max(high, node.low)}}}?"

    def emit_Anchor(self, node: ast.Anchor) -> str:
        if node.kind is ast.AnchorKind.SENTENCE_START:
            return self.prefix + "(?<=\x1a)"
        return "(?=\x1a)"

    # ---- structure ---------------------------------------------------------------------
    def emit_Seq(self, node: ast.Seq) -> str:
        return "".join(self.emit(item) for item in node.items)

    def emit_Alt(self, node: ast.Alt) -> str:
        """Options in order; a run of one-word options is one cell with a word alternation.

        Two different words never match the same cell, so merging a run keeps the order in
        which the regex tries the options, and the program is smaller and faster.
        """
        branches: list[str] = []
        run: list[str] = []
        for option in node.options:
            words = _cell_words(option)
            if words is not None:
                run.extend(words)
                continue
            if run:
                branches.append(self.fold_cell(run))
                run = []
            branches.append(self.emit(option))
        if run:
            branches.append(self.fold_cell(run))
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    def emit_Group(self, node: ast.Group) -> str:
        return sequence_item(self.emit(node.body))

    def emit_Repeat(self, node: ast.Repeat) -> str:
        high = "" if node.high is None else str(node.high)
        quant = f"{{{node.low},{high}}}"
        return f"{one_group(self.emit(node.item))}{quant}{'?' if node.lazy else ''}"

    def emit_Not(self, node: ast.Not) -> str:
        return f"(?!{self.emit(node.item)}){self.any_cell()}"

    def emit_Look(self, node: ast.Look) -> str:
        """A lookaround, asserted at a cell boundary so that no cell can end half-way."""
        behind = node.kind in (ast.LookKind.BEHIND, ast.LookKind.NOT_BEHIND)
        self._behind += behind
        try:
            return f"{_BOUNDARY}{node.kind.value}{self.emit(node.body)})"
        finally:
            self._behind -= behind

    def emit_MacroRef(self, node: ast.MacroRef) -> str:
        if node.name not in self.scope.macros:
            raise self.error("E302", f"unknown macro @{node.name}", node.span,
                             did_you_mean(node.name, self.scope.macros))
        if node.name in self._macro_stack:
            cycle = " -> ".join(f"@{m}" for m in [*self._macro_stack, node.name])
            raise self.error("E303", f"macro cycle: {cycle}", node.span)
        body, locate = self.scope.macros[node.name]
        self._macro_stack.append(node.name)
        self._locate.append(locate)
        try:
            return sequence_item(self.emit(body))
        finally:
            self._macro_stack.pop()
            self._locate.pop()

    # ---- captures ----------------------------------------------------------------------
    def emit_Capture(self, node: ast.Capture) -> str:
        group = f"c{len(self.captures)}"
        if node.type_name is None:
            self.captures.append(CaptureSlot(group, node.name, None, None))
            return f"(?P<{group}>{self.emit(node.body)})"
        kind = self._type_kind(node)
        tag = self._filtered_tag(node, kind) if node.filters else node.type_name
        if kind in (TypeKind.WORD, TypeKind.NAME):
            self.captures.append(CaptureSlot(group, node.name, node.type_name, kind))
            return f"(?P<{group}>{self._builtin(kind)})"
        id_group = f"k{len(self.captures)}"
        self.captures.append(CaptureSlot(group, node.name, node.type_name, kind, id_group))
        return f"(?P<{group}>{self._typed_span(tag, id_group)})"

    def _filtered_tag(self, node: ast.Capture, kind: TypeKind) -> str:
        """The derived tag of a filtered type, after checking the filter's attributes."""
        if kind in BUILTIN_TYPES.values():
            raise self.error("E325", f"type {node.type_name} cannot be filtered",
                             node.type_span or node.span,
                             "filters apply to lexicon, label and grammar types with attributes")
        known = self.scope.attributes.get(node.type_name)
        for condition in node.filters:
            if known is not None and condition.attr not in known:
                hint = did_you_mean(condition.attr, known) or (
                    "known: " + ", ".join(sorted(known)[:12]))
                raise self.error("E326", f"no {node.type_name} has attribute "
                                 f"{condition.attr!r}", condition.span, hint)
        return self.scope.filters.tag_for(node.type_name, node.filters)

    def _type_kind(self, node: ast.Capture) -> TypeKind:
        name = node.type_name
        kind = self.scope.types.get(name) or BUILTIN_TYPES.get(name)
        if kind is None:
            known = [*self.scope.types, *BUILTIN_TYPES]
            raise self.error("E301", f"unknown type {name!r}", node.type_span or node.span,
                             did_you_mean(name, known))
        self.types_used.add(name)
        if kind is TypeKind.LABEL:
            self.labels_used.add(name)
        return kind

    def _typed_span(self, type_name: str, id_group: str) -> str:
        """A span of a type: the start tag's id is back-referenced in the end tag.

        Inside a lookbehind the regex module matches right to left, so there the id is taken
        from the end tag and back-referenced at the start tag. Elsewhere the search for the end
        tag is atomic: a span's id ends once, so on failure the regex does not look further.
        """
        p, tag = self.prefix, regex.escape(type_name)
        if self._behind:
            return (f"{p}\x1d{_TAGS}?;{tag}#(?P={id_group});"
                    f"(?:{_REST}{p}\x1d)*?{_REST}?;(?P<{id_group}>\\d+);{_REST}")
        return (f"{p}\x1d{_TAGS}?;{tag}#(?P<{id_group}>\\d+);"
                f"(?>(?:{_REST}{p}\x1d)*?{_REST}?;(?P={id_group});){_REST}")

    def _builtin(self, kind: TypeKind) -> str:
        p = self.prefix
        if kind is TypeKind.WORD:
            return f"{p}\x1d{_TAGS}\x1e\\p{{L}}{_REST}"
        stop = "|".join(NAME_STOPWORDS)
        cap = f"{p}\x1d{_TAGS}\x1e(?!(?:{stop})\x1f){_FOLD_FIELD}\x1f\\p{{Lu}}{_REST}"
        connector = self.fold_cell(list(NAME_CONNECTORS))
        return f"{cap}(?:(?:{connector}){{0,2}}{cap})*"

    def error(self, code: str, message: str, span: ast.Span, hint: str | None = None
              ) -> CompileError:
        locate = self._locate[-1]
        loc = locate(span[0])
        end = locate(span[1]) if span[1] > span[0] else None
        if end is not None and end.line == loc.line:
            loc = Location(loc.file, loc.line, loc.column, end.column, loc.source_line)
        return CompileError(code, message, loc, hint=hint)


def _cell_words(node: ast.Node) -> list[str] | None:
    """The folded words a one-cell option matches (a word or its inflections), else None."""
    if isinstance(node, ast.Word):
        tokens = literal_tokens(node.text)
        return [tokens[0].fold] if len(tokens) == 1 else None
    if isinstance(node, ast.Inflect):
        return [fold_text(form) for form in inflections(node.lemma)]
    return None


def min_tokens(node: ast.Node, macros: dict[str, tuple[ast.Node, Locator]],
               seen: frozenset[str] = frozenset()) -> int:
    """The fewest tokens a pattern can match (0 means it can match nothing at all)."""
    if isinstance(node, (ast.Word, ast.Phrase)):
        return max(1, len(literal_tokens(node.text)))
    if isinstance(node, (ast.RegexToken, ast.Inflect, ast.AnyToken, ast.Not)):
        return 1
    if isinstance(node, ast.Skip):
        return node.low
    if isinstance(node, (ast.Anchor, ast.Look)):
        return 0
    if isinstance(node, ast.Seq):
        return sum(min_tokens(i, macros, seen) for i in node.items)
    if isinstance(node, ast.Alt):
        return min(min_tokens(o, macros, seen) for o in node.options)
    if isinstance(node, ast.Group):
        return min_tokens(node.body, macros, seen)
    if isinstance(node, ast.Repeat):
        return node.low * min_tokens(node.item, macros, seen)
    if isinstance(node, ast.Capture):
        return 1 if node.body is None else min_tokens(node.body, macros, seen)
    if isinstance(node, ast.MacroRef):
        if node.name in seen or node.name not in macros:
            return 1
        return min_tokens(macros[node.name][0], macros, seen | {node.name})
    raise TypeError(f"unknown node {node!r}")
