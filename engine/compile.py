"""Compile a loaded pack: parse patterns, link types and macros, order cascades, build programs.

Input: a `PackSource` from the load stage. Output: a `CompiledPack` holding one `regex` program
per rule, the lexicon trie, the grammar finders, the cascade stages and a prefilter index per
stage. Every error of every rule is collected and raised at once as `RuleErrors`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import regex

from . import ast
from .adjacency import PairClause, pair_clauses
from .codegen import (
    BUILTIN_TYPES,
    Codegen,
    Program,
    Scope,
    TokenClasses,
    TypeFilters,
    TypeKind,
    min_tokens,
)
from .errors import CompileError, ErrorCollector, Location, RuleError, did_you_mean
from .event_spec import EventSpec
from .grammar_types import GrammarType, number_type
from .lexicon import LexEntry, LexiconIndex
from .load import ExampleDecl, FieldDecl, PackSource, RuleDecl, display_name
from .model import Provenance
from .parse import REGEX_FLAGS, Parser
from .prefilter import (
    Features,
    PrefilterIndex,
    first_features,
    required_clauses,
    required_features,
    type_feature,
)
from .type_uses import start_only_types

REFERENCE = re.compile(r"[A-Za-z_]\w*(?:\.\w+)*\Z")
_EXPRESSION_TERM = re.compile(r'\s*("(?:[^"\\]|\\.)*"|[A-Za-z_]\w*(?:\.\w+)*|-?\d+(?:\.\d+)?|[|+])')


_OPERAND = r'"(?:[^"\\]|\\.)*"|[A-Za-z_]\w*(?:\.\w+)*|-?\d+(?:\.\d+)?'
_CHECK = re.compile(rf"\s*(?P<left>{_OPERAND})\s*(?P<op>!=|<=|>=|=|<|>)\s*"
                    rf"(?P<right>{_OPERAND})\s*\Z")


def expression_terms(text: str) -> list[str] | None:
    """The terms of a field expression (`a.value + b.value | "x"`), or None if it is not one."""
    terms, pos = [], 0
    while pos < len(text.rstrip()):
        match = _EXPRESSION_TERM.match(text, pos)
        if match is None:
            return None
        terms.append(match.group(1))
        pos = match.end()
    operators = [t for t in terms if t in "|+"]
    shape_ok = terms and terms[0] not in "|+" and terms[-1] not in "|+" and all(
        (a in "|+") != (b in "|+") for a, b in pairwise(terms))
    return terms if operators and shape_ok else None


@dataclass(frozen=True)
class Operand:
    """One term of a field expression: a capture with a path into its value, or a constant."""

    capture: str | None
    path: tuple[str, ...] = ()
    constant: Any = None


@dataclass(frozen=True)
class Check:
    """A `where:` condition comparing two operands of a match (captures or constants)."""

    left: Operand
    op: str
    right: Operand


@dataclass(frozen=True)
class FieldGetter:
    """How to fill one output field: from a capture (and a path into its value) or a constant.

    `alternatives` holds a field expression such as `a.value + b.value | "unknown"`: the first
    alternative whose terms all have values wins, and terms joined by `+` are added up.
    """

    name: str
    capture: str | None
    path: tuple[str, ...] = ()
    constant: Any = None
    alternatives: tuple[tuple[Operand, ...], ...] = ()


@dataclass
class CompiledRule:
    """One rule, ready to run."""

    index: int
    name: str
    short_name: str
    labels: tuple[str, ...]
    priority: int
    scope: str
    program: Program
    compiled_matcher: regex.Pattern | None
    fields: tuple[FieldGetter, ...]
    features: Features | None
    provenance: Provenance
    examples: tuple[ExampleDecl, ...]
    pattern: ast.Node | None
    pattern_text: str
    stage: int = 0
    clauses: tuple[Features, ...] = ()
    adjacent: tuple[PairClause, ...] = ()
    first: Features | None = None
    where: tuple[Check, ...] = ()

    @property
    def label(self) -> str | None:
        return self.labels[0] if self.labels else None

    def syntax(self) -> ast.Node:
        """The pattern's AST (parsed again after loading from the cache, which leaves it out)."""
        if self.pattern is None:
            self.pattern = Parser().parse(self.pattern_text)
        return self.pattern

    @property
    def matcher(self) -> regex.Pattern:
        """The rule's regex program, compiled on first use after loading from the cache."""
        if self.compiled_matcher is None:
            self.compiled_matcher = regex.compile(self.program.source)
        return self.compiled_matcher

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["compiled_matcher"] = None  # recompiling lazily is cheaper than unpickling all
        state["pattern"] = None  # the AST is needed only to explain: parsed again on demand
        return state


@dataclass
class Stage:
    """Rules that run together: their inputs come only from earlier stages."""

    rules: list[int]
    sentence_index: PrefilterIndex
    document_rules: list[int]


@dataclass
class CompiledPack:
    """A pack compiled once, run many times."""

    root: str
    digest: str
    lexicon: LexiconIndex
    grammars: dict[str, GrammarType]
    types: dict[str, TypeKind]
    rules: list[CompiledRule]
    stages: list[Stage]
    token_classes: list[regex.Pattern]
    overlap: dict[str, str]
    macros: dict[str, tuple[ast.Node, Callable]]
    classes: TokenClasses
    events: list[dict] = field(default_factory=list)
    filters: TypeFilters = field(default_factory=TypeFilters)
    start_only: frozenset[str] = frozenset()  # types looked for only at sentence starts
    class_cache: dict[str, list[str]] = field(default_factory=dict)

    @property
    def type_features(self) -> frozenset[str]:
        """`#TYPE` for every type: what a sentence may hold before its spans are looked up."""
        return self.process_state("type_features",
                                  lambda: frozenset(type_feature(t) for t in self.types))

    @property
    def lexicon_features(self) -> frozenset[str]:
        """Features of the types only lexicons give, so a sentence's folds say if it has them."""
        return self.process_state("lexicon_features", lambda: frozenset(
            type_feature(t) for t, kind in self.types.items() if kind is TypeKind.LEXICON))

    def process_state(self, key: str, make: Callable[[], Any]) -> Any:
        """A value this process derives once from the pack (`make()` on first use); never
        pickled, so a cache entry or a worker process starts without it."""
        state = self.__dict__.setdefault("_process_state", {})
        if key not in state:
            state[key] = make()
        return state[key]

    @property
    def vocabulary(self) -> frozenset[str]:
        """Every word a prefilter looks at: the words that decide where rules can match."""
        words: set[str] = set()
        for stage in self.stages:
            words.update(stage.sentence_index.by_feature)
            for clauses in stage.sentence_index.clauses.values():
                words.update(*clauses)
            for required in stage.sentence_index.required.values():
                words.update(required)
            words.update(stage.sentence_index.pair_words)
        for rule in self.rules:
            if rule.scope == "document" and rule.features:
                words.update(rule.features)
        return frozenset(w for w in words if not w.startswith("#"))

    @property
    def pair_vocabulary(self) -> frozenset[tuple[str, str]]:
        """Every adjacent word pair a prefilter looks at (see `engine.adjacency`)."""
        return frozenset(pair for stage in self.stages
                         for clauses in stage.sentence_index.adjacent.values()
                         for clause in clauses for pair in clause)

    def word_finder(self):
        """The accelerator's finder of the vocabulary and its pairs (built once per process),
        or None."""
        from .accel import WordFinder

        return self.process_state("word_finder", lambda: (
            None if os.environ.get("RULECRAFT_NO_ACCEL")
            else WordFinder.build(self.vocabulary, self.pair_vocabulary)))

    def plain_words(self):
        """How the pure-Python path finds the vocabulary in plain ASCII text without a regex
        (see `engine.plain_words`), or None when some word needs the token folds."""
        from .plain_words import PlainWords

        return self.process_state("plain_words", lambda: PlainWords.build(
            self.vocabulary, self.pair_vocabulary))

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_process_state", None)
        state["class_cache"] = {}
        return state

    def compile_programs(self) -> list[RuleError]:
        """Compile every rule's regex program now; errors here are engine bugs (E399)."""
        errors: list[RuleError] = []
        for rule in self.rules:
            try:
                rule.matcher  # noqa: B018 - compiles and keeps the program
            except regex.error as exc:
                loc = Location(rule.provenance.file, rule.provenance.line, 1)
                errors.append(CompileError("E399", f"internal error compiling rule "
                                           f"{rule.name}: {exc}", loc))
        return errors

    def rule(self, name: str) -> CompiledRule:
        """A rule by qualified name (file.name) or by its short name when that is unique."""
        for rule in self.rules:
            if name == rule.name:
                return rule
        matches = [r for r in self.rules if r.short_name == name]
        if len(matches) == 1:
            return matches[0]
        known = [r.name for r in self.rules] + [r.short_name for r in self.rules]
        hint = did_you_mean(name, known) or ("ambiguous: " + ", ".join(r.name for r in matches)
                                             if matches else None)
        raise KeyError(f"no rule {name!r}" + (f" ({hint})" if hint else ""))


def compile_pack(source: PackSource, load_errors: list[RuleError] = ()) -> CompiledPack:
    """Compile every declaration of a pack; raise RuleErrors listing all problems.

    `load_errors` from reading the pack are reported together with the compile errors; when a
    whole file could not be read, unknown-type and unknown-macro errors are left out, since the
    missing file may have declared them.
    """
    return _PackCompiler(source, list(load_errors)).compile()


FILE_LEVEL_LOAD_ERRORS = {"E100", "E101", "E102", "E103", "E104", "E105", "E106", "E107"}
FOLLOW_ON_ERRORS = {"E301", "E302"}


class _PackCompiler:
    def __init__(self, source: PackSource, load_errors: list[RuleError] | None = None):
        self.source = source
        self.errors = ErrorCollector()
        self._load_errors = load_errors or []
        for error in self._load_errors:
            self.errors.add(error)
        self._file_missing = any(e.code in FILE_LEVEL_LOAD_ERRORS for e in self._load_errors)
        self.parser = Parser()
        self.classes = TokenClasses()
        self.filters = TypeFilters()
        self.attributes: dict[str, set[str]] = {}
        self.types: dict[str, TypeKind] = {}
        self.grammars: dict[str, GrammarType] = {}
        self.macros: dict[str, tuple[ast.Node, Callable]] = {}
        self._decls = {d.name: d for d in source.rules}
        self._reported: set[tuple] = set()

    def compile(self) -> CompiledPack:
        lexicon = self._lexicon()
        self._grammar_types()
        self._label_types()
        self._parse_macros()
        rules = [r for i, decl in enumerate(self.source.rules)
                 if (r := self._rule(decl, i)) is not None]
        self._renumber(rules)
        stages = self._stages(rules)
        overlap = self._overlap_policies(rules)
        classes = self._token_classes()
        events = self._events()
        self.errors.raise_if_any()
        used = set().union(*(r.program.types_used for r in rules)) if rules else set()
        grammars = {name: g for name, g in self.grammars.items() if name in used}
        start_only = start_only_types(((r.syntax(), r.scope != "document") for r in rules),
                                      self._macro_body)
        return CompiledPack(str(self.source.root), self.source.digest, lexicon, grammars,
                            self.types, rules, stages, classes, overlap, self.macros,
                            self.classes, events, self.filters, start_only=start_only)

    def _add(self, error: RuleError) -> None:
        """Collect an error once (a macro's error would otherwise repeat for every user)."""
        key = (error.code, error.message, error.location)
        if self._file_missing and error.code in FOLLOW_ON_ERRORS:
            return
        if key not in self._reported:
            self._reported.add(key)
            self.errors.add(error)

    # ---- types -------------------------------------------------------------------------
    def _lexicon(self) -> LexiconIndex:
        index = LexiconIndex()
        for decl in self.source.lexicons:
            self.types[decl.type] = TypeKind.LEXICON
            attributes = self.attributes.setdefault(decl.type, {"name"})
            for spec in decl.entries:
                attributes.update(spec.attrs)
                entry = LexEntry(decl.type, spec.name, spec.attrs)
                for term in (spec.name, *spec.aliases):
                    if not index.add(term, entry):
                        self._add(CompileError("E320", f"lexicon term {term!r} has no word to "
                                               "match", spec.loc or decl.loc))
        return index

    def _grammar_types(self) -> None:
        self.grammars["NUMBER"] = number_type()
        self.types["NUMBER"] = TypeKind.GRAMMAR
        self.attributes["NUMBER"] = {"value", "min", "max", "qualifier"}
        for decl in self.source.grammars:
            if decl.type in self.types:
                self._add(CompileError("E321", f"type {decl.type!r} is already defined",
                                       decl.loc))
                continue
            self.types[decl.type] = TypeKind.GRAMMAR  # even if broken: no follow-on E301
            try:
                self.grammars[decl.type] = GrammarType.from_file(
                    decl.type, decl.path, display_name=display_name(decl.path),
                    location=decl.loc)
            except RuleError as err:
                self._add(err)

    def _label_types(self) -> None:
        for decl in self.source.rules:
            for label in decl.labels:
                if self.types.get(label) in (TypeKind.GRAMMAR,) or label in BUILTIN_TYPES:
                    self._add(CompileError("E322", f"label {label!r} is the name of a built-in "
                                           "or grammar type", decl.loc))
                else:
                    self.types[label] = TypeKind.LABEL
                    fields = self.attributes.setdefault(label, set())
                    fields.update(f.name for f in decl.fields)

    def _parse_macros(self) -> None:
        for decl in self.source.macros:
            if decl.name in self.macros:
                self._add(CompileError("E323", f"macro @{decl.name} is defined twice",
                                       decl.pattern.loc))
                continue
            try:
                body = self.parser.parse(decl.pattern.text, decl.pattern.locate)
            except RuleError as err:
                self._add(err)
                body = ast.AnyToken()  # a stand-in, so that users get no follow-on E302
            self.macros[decl.name] = (body, decl.pattern.locate)

    # ---- rules -------------------------------------------------------------------------
    def _rule(self, decl: RuleDecl, index: int) -> CompiledRule | None:
        try:
            tree = self.parser.parse(decl.pattern.text, decl.pattern.locate)
            program = self._program(decl, tree)
            fields = tuple(self._field(f, program) for f in decl.fields)
            where = tuple(self._check(text, loc, program) for text, loc in decl.where)
        except RuleError as err:
            self._add(err)
            return None
        matcher = None  # compiled on first use: a large pack mostly runs a few of its rules
        macro = self._macro_body
        features = required_features(tree, macro)
        provenance = Provenance(decl.name, decl.loc.file, decl.loc.line)
        return CompiledRule(index, decl.name, decl.short_name, decl.labels, decl.priority,
                            decl.scope, program, matcher, fields, features, provenance,
                            decl.examples, tree, decl.pattern.text,
                            clauses=required_clauses(tree, macro),
                            adjacent=pair_clauses(tree, macro),
                            first=None if decl.scope == "document" else first_features(tree, macro),
                            where=where)

    def _macro_body(self, name: str) -> ast.Node | None:
        return self.macros.get(name, (None,))[0]

    def _program(self, decl: RuleDecl, tree: ast.Node) -> Program:
        scope = Scope(self.types, self.macros, self.classes, filters=self.filters,
                      attributes=self.attributes)
        if min_tokens(tree, self.macros) == 0:
            raise CompileError("E305", "pattern can match without any token",
                               decl.pattern.locate(0),
                               hint="make at least one element required (not ?, * or {0,n})")
        codegen = Codegen(scope, decl.pattern.locate, doc_scope=decl.scope == "document")
        return codegen.program(tree)

    def _field(self, decl: FieldDecl, program: Program) -> FieldGetter:
        captures = {slot.name for slot in program.captures if slot.name}
        value = decl.value
        terms = expression_terms(value) if decl.is_text and isinstance(value, str) else None
        if terms is not None:
            return FieldGetter(decl.name, None, alternatives=self._expression(decl, terms,
                                                                               captures))
        if decl.is_text and isinstance(value, str) and REFERENCE.match(value):
            head, *path = value.split(".")
            if head in captures:
                return FieldGetter(decl.name, head, tuple(path))
            if path:
                raise CompileError("E306", f"field {decl.name!r} refers to unknown capture "
                                   f"{head!r}", decl.loc, hint=did_you_mean(head, captures)
                                   or "quote the value to make it a constant")
        return FieldGetter(decl.name, None, (), value)

    def _check(self, text: str, loc: Location, program: Program) -> Check:
        """Parse `left OP right` of a where condition (OP one of = != < <= > >=)."""
        found = _CHECK.match(text)
        if found is None:
            raise CompileError("E328", f"where condition {text!r} is not `a OP b`", loc,
                               hint='for example: p.admin1 = g.admin1, or n.value >= 10')
        captures = {slot.name for slot in program.captures if slot.name}
        decl = FieldDecl("where", text, True, loc)
        left, right = (self._operand(decl, found.group(k), captures) for k in ("left", "right"))
        return Check(left, found.group("op"), right)

    def _expression(self, decl: FieldDecl, terms: list[str], captures: set[str]
                    ) -> tuple[tuple[Operand, ...], ...]:
        alternatives, current = [], []
        for term in terms:
            if term in "|+":
                if term == "|":
                    alternatives.append(tuple(current))
                    current = []
                continue
            current.append(self._operand(decl, term, captures))
        alternatives.append(tuple(current))
        return tuple(alternatives)

    def _operand(self, decl: FieldDecl, term: str, captures: set[str]) -> Operand:
        if term.startswith('"'):
            return Operand(None, (), term[1:-1].replace('\\"', '"'))
        if not REFERENCE.match(term):
            return Operand(None, (), float(term) if "." in term else int(term))
        head, *path = term.split(".")
        if head not in captures:
            raise CompileError("E306", f"field {decl.name!r} refers to unknown capture {head!r}",
                               decl.loc, hint=did_you_mean(head, captures))
        return Operand(head, tuple(path))

    @staticmethod
    def _renumber(rules: list[CompiledRule]) -> None:
        for i, rule in enumerate(rules):
            rule.index = i

    # ---- cascades ----------------------------------------------------------------------
    def _stages(self, rules: list[CompiledRule]) -> list[Stage]:
        producers: dict[str, list[CompiledRule]] = {}
        for rule in rules:
            for label in rule.labels:
                producers.setdefault(label, []).append(rule)
        levels: dict[int, int] = {}
        for rule in rules:
            self._level(rule, producers, levels, [])
        count = max(levels.values(), default=-1) + 1
        stages = [Stage([], PrefilterIndex(), []) for _ in range(count)]
        for rule in rules:
            rule.stage = levels.get(rule.index, 0)
            stage = stages[rule.stage]
            stage.rules.append(rule.index)
            if rule.scope == "document":
                stage.document_rules.append(rule.index)
            else:
                stage.sentence_index.add(rule.index, rule.features, rule.clauses, rule.adjacent)
        return stages

    def _level(self, rule: CompiledRule, producers: dict, levels: dict[int, int],
               path: list[CompiledRule]) -> int:
        if rule.index in levels:
            return levels[rule.index]
        if rule in path:
            cycle = path[path.index(rule):] + [rule]
            names = " -> ".join(r.name for r in cycle)
            loc = self._decls[rule.name].loc
            self._add(CompileError("E304", f"cascade cycle: {names}", loc,
                                   hint="a rule cannot use, directly or through other rules, "
                                   "the label it produces"))
            return 0
        deps = [p for label in rule.program.labels_used for p in producers.get(label, [])]
        level = 1 + max((self._level(p, producers, levels, [*path, rule]) for p in deps),
                        default=-1)
        levels[rule.index] = level
        return level

    def _overlap_policies(self, rules: list[CompiledRule]) -> dict[str, str]:
        policies: dict[str, tuple[str, RuleDecl]] = {}
        for rule in rules:
            decl = self._decls[rule.name]
            if decl.overlap is None:
                continue
            for group in rule.labels or (rule.name,):
                first = policies.setdefault(group, (decl.overlap, decl))
                if first[0] != decl.overlap:
                    self._add(CompileError(
                        "E307", f"overlap policy {decl.overlap!r} for {group!r} conflicts with "
                        f"{first[0]!r} set by rule {first[1].name}", decl.loc))
        return {group: policy for group, (policy, _) in policies.items()}

    def _events(self) -> list[dict]:
        """The `events:` settings, each key checked against what event assembly knows."""
        known = tuple(EventSpec.__dataclass_fields__)
        for decl in self.source.events:
            for key, loc in decl.key_locs.items():
                if key not in known:
                    self._add(CompileError("E324", f"unknown events setting {key!r}", loc,
                                           hint=did_you_mean(key, known)))
        return [dict(decl.settings) for decl in self.source.events]

    def _token_classes(self) -> list[regex.Pattern]:
        compiled = []
        for (pattern, flags) in self.classes.patterns:
            bits = 0
            for flag in flags:
                bits |= REGEX_FLAGS[flag]
            compiled.append(regex.compile(pattern.replace("\\/", "/"), bits))
        return compiled
