"""Grammar types: a Lark grammar turned into a finder regex (where are the spans?) and a parser
(what is each span's structured value?).

A rule pack declares `grammars: {DATELINE: dateline.lark}`; the start rule of the `.lark` file
defines what text is a DATELINE. Compiling a grammar type does four things (steps 1-3 live in
`engine.grammar_load`, `engine.grammar_finder` and `engine.grammar_scan`):

1. Load the grammar with Lark's own `GrammarBuilder` (errors are E310, with Lark's line and
   column) and build a Lark parser: LALR when Lark accepts the grammar as LALR, Earley otherwise.
   A span that the LALR parser rejects (its contextual lexer can be stricter than the grammar) is
   retried with an Earley parser built on first need.
2. Translate the rule definitions, as written (before Lark's EBNF-to-BNF expansion), into one
   regular expression for the `regex` module (`finder_pattern`):
   - rules are inlined, templates are instantiated; a rule that reaches itself, or a `%declare`d
     symbol, cannot become a regex: E311, located at the rule's definition;
   - terminals become their Lark patterns; string literals keep their `i` flag, regexps their
     flags; nothing else is case-insensitive;
   - the `%ignore`d terminals become an optional separator between the symbols of a rule;
   - a string literal used in a rule (anonymous, or a terminal made only of string literals)
     that begins or ends with a word character gets a word boundary there, so that "twohundred"
     is not "two" "hundred"; inside a terminal, literals join freely (`TIME: HH ":" MM`), so
     write `DAY: /\\d+th/` rather than `DAY "th"` when a suffix must glue to a word;
   - `x?` `[x]` `x*` `x+` `x~n` `x~n..m` become regex quantifiers (separators between repeats);
   - the whole is wrapped so that a span neither starts nor ends with ignored text, nor inside
     a word (no word character on both sides of either end).
   `find()` runs it with `regex.POSIX` (leftmost-longest), non-overlapping, under a timeout.
   `finder_pattern` itself carries no global flags, so it can be embedded in a larger pattern
   (compile that with `regex.POSIX` too to keep leftmost-longest).
3. Derive a scan from the finder: the trie of the literal prefixes its matches must begin with
   (first words or first characters), read with Python's regex parser. `find()` runs the cheap
   scan over the text and tries the finder only where the scan matches; the result is the same
   as running the finder everywhere, several times faster. A finder whose prefixes cannot be
   read (regex-only syntax, an alternative that can start with anything) is run everywhere.
   Where the scan matches, a DFA of the finder with its assertions relaxed (`Reach`) bounds how
   far a match can extend; when the finder's plain (first-found) match ends at that bound, it is
   the longest one, and the slower leftmost-longest search is skipped.
4. Parse each found span with the Lark parser and build its value (cached per span text; a
   span that does not parse is dropped).

A GrammarType pickles (for the pack cache and worker processes): its Lark parsers are rebuilt
on first use, and the built-in NUMBER unpickles as `number_type()`.

Value convention for custom grammars, "named parts": the value of a span is a JSON-ready dict of
the start rule's named children. A child rule (including an `-> alias`) is keyed by its name;
its value is its text when it has no rule children (a leaf-ish rule), otherwise the dict of its
own named parts. A child token of a terminal the grammar defines by name is keyed by that name
(as written, e.g. `"YEAR"`) with its text. Anonymous tokens (`"-"`, `/:/`) are left out. A name
that occurs more than once gives a list, in text order. When Lark collapses the start rule
(`?start: date`) the root's own name becomes the single key. Example: with
`start: day "-" month "-" year time?` and `day: /\\d\\d/` ..., "24-11-2024 06:30 AM" gives
`{"day": "24", "month": "11", "year": "2024", "time": {"hour": "06", "minute": "30", ...}}`.

`required_words` lists the lower-cased words (from string literals) that every span must
contain; a prefilter can skip sentences that lack one of them. It may be empty.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lark
import regex
from lark.lexer import Token

import engine
from engine.errors import InputError, Location, MatchTimeout
from engine.grammar_finder import Finder, NotRegular, Patterns
from engine.grammar_load import START, GrammarSource, Parsers, load_definitions, not_a_finder
from engine.grammar_reach import Reach
from engine.grammar_scan import compile_scan, scan_pattern

__all__ = [
    "START",
    "GrammarSpan",
    "GrammarType",
    "ValueBuilder",
    "grammar_dir",
    "named_parts",
    "number_type",
    "scan_pattern",
]

ValueBuilder = Callable[[lark.Tree, str], Any]

_PARSE_CACHE_SIZE = 4096


@dataclass(frozen=True)
class GrammarSpan:
    """A span of text that a grammar type recognises, with its structured value."""

    start: int
    end: int
    text: str
    value: Any


SHORTCUT_AFTER = 2_000  # finds (one per sentence) before the shortcut is built


class GrammarType:
    """A compiled grammar type: a finder regex, a Lark parser and a value builder."""

    def __init__(self, name: str, compiled: _Compiled, value_builder: ValueBuilder) -> None:
        self.name = name
        self.display_name = compiled.source
        self.finder_pattern = compiled.patterns.finder
        self.required_words = compiled.required_words
        self.parser_kind = compiled.parsers.kind
        self._compiled_regex: regex.Pattern | None = None  # compiled on first use
        self._first_found: regex.Pattern | None = None  # the same, not leftmost-longest
        self._reach: Reach | None = None  # built once the finder has been used a while
        self._uses = 0
        self._scan = compile_scan(compiled.patterns.scan)
        self._parsers = compiled.parsers
        self._value_builder = value_builder
        self._builtin = False
        self._cached_value = functools.lru_cache(maxsize=_PARSE_CACHE_SIZE)(self._parse_uncached)

    def __repr__(self) -> str:
        return f"GrammarType({self.name!r}, {self.display_name!r}, parser={self.parser_kind!r})"

    def __reduce_ex__(self, protocol: Any) -> Any:
        if self._builtin:
            return (number_type, ())
        return super().__reduce_ex__(protocol)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_cached_value"]
        state.update(_compiled_regex=None, _first_found=None, _reach=None, _uses=0)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._cached_value = functools.lru_cache(maxsize=_PARSE_CACHE_SIZE)(self._parse_uncached)

    @classmethod
    def from_file(
        cls,
        name: str,
        path: str | Path,
        *,
        display_name: str | None = None,
        location: Location | None = None,
    ) -> GrammarType:
        """Compile the grammar in a `.lark` file; `location` is where the pack declared it."""
        path = Path(path)
        source = GrammarSource.read(name, path, display_name or str(path), location)
        return cls._build(source, None)

    @classmethod
    def from_text(
        cls,
        name: str,
        grammar_text: str,
        *,
        display_name: str = "<grammar>",
        value_builder: ValueBuilder | None = None,
    ) -> GrammarType:
        """Compile a grammar given as text; `display_name` names it in error messages."""
        source = GrammarSource(name, grammar_text, display_name, None)
        return cls._build(source, value_builder)

    @classmethod
    def _build(cls, source: GrammarSource, value_builder: ValueBuilder | None) -> GrammarType:
        compiled = _compile(source)
        builder = value_builder or functools.partial(
            named_parts, terminal_names=compiled.terminal_names
        )
        return cls(source.type_name, compiled, builder)

    def find(self, text: str, *, timeout: float | None = 1.0) -> list[GrammarSpan]:
        """All spans of this type in `text`: leftmost-longest, non-overlapping, token-aligned."""
        spans = []
        for start, end in self._match_offsets(text, timeout):
            span_text = text[start:end]
            try:
                value = self.parse_value(span_text)
            except InputError:
                continue
            spans.append(GrammarSpan(start, end, span_text, value))
        return spans

    def find_at_start(self, text: str, *, timeout: float | None = 1.0) -> list[GrammarSpan]:
        """The span of `find` that starts at the start of `text`, if there is one (the longest
        match there), without looking further."""
        self._regex  # noqa: B018 - compile before the clock starts
        try:
            end = self._longest_end(text, 0, _Deadline.after(timeout))
        except TimeoutError as exc:
            raise self._timed_out(timeout) from exc
        if end == 0:
            return []
        try:
            return [GrammarSpan(0, end, text[:end], self.parse_value(text[:end]))]
        except InputError:
            return []

    def parse_value(self, span_text: str) -> Any:
        """Parse one span and build its value; raises InputError when it does not parse."""
        return _copy_json(self._cached_value(span_text))

    @property
    def _regex(self) -> regex.Pattern:
        """The finder, compiled on first use (a large grammar takes a noticeable while)."""
        if self._compiled_regex is None:
            self._compiled_regex = regex.compile(self.finder_pattern, regex.POSIX)
        return self._compiled_regex

    def _match_offsets(self, text: str, timeout: float | None) -> list[tuple[int, int]]:
        self._regex  # noqa: B018 - compile before the clock starts: compiling is not matching
        try:
            if self._scan is None:
                matches = self._regex.finditer(text, timeout=timeout)
                return [m.span() for m in matches if m.end() > m.start()]
            self._uses += 1
            if self._uses == SHORTCUT_AFTER:
                self._prepare_shortcut()
            return self._scan_and_match(text, _Deadline.after(timeout))
        except TimeoutError as exc:
            raise self._timed_out(timeout) from exc

    def _timed_out(self, timeout: float | None) -> MatchTimeout:
        return MatchTimeout(None, f"grammar {self.name}: matching took over {timeout}s")

    def _prepare_shortcut(self) -> None:
        """Build the reach and compile the first-found finder (see `_longest_end`), once.

        This costs about a quarter of a second, which the shortcut pays back over some
        thousands of texts: so it is built only after `SHORTCUT_AFTER` finds, and a process
        that extracts from a few texts never waits for it.
        """
        if self._first_found is None:
            self._reach = Reach.of(self.finder_pattern)
            self._first_found = regex.compile(self.finder_pattern)

    def _scan_and_match(self, text: str, deadline: _Deadline) -> list[tuple[int, int]]:
        """Try the finder only where the scan says a match can start; same result as finditer."""
        spans: list[tuple[int, int]] = []
        end = 0
        for candidate in self._scan.finditer(text):  # no quantifiers: linear time
            start = candidate.start()
            if start < end:
                continue
            found = self._longest_end(text, start, deadline)
            if found > start:
                spans.append((start, found))
                end = found
        return spans

    def _longest_end(self, text: str, start: int, deadline: _Deadline) -> int:
        """Where the longest match at `start` ends (`start` when there is none).

        The leftmost-longest search costs several times the first-found one, which nearly
        always finds the longest match too; when the reach shows that no match can end later
        (or that none can end after `start` at all), the search is skipped.
        """
        remaining = deadline.remaining()  # raises when passed: the reach does not watch the clock
        reach = self._reach.longest_end(text, start) if self._reach else None
        if reach == start:
            return start
        if reach is not None:
            found = self._first_found.match(text, start, timeout=remaining)
            if found is None:
                return start
            if found.end() == reach:
                return reach
        found = self._regex.match(text, start, timeout=deadline.remaining())
        return start if found is None else found.end()

    def _parse_uncached(self, span_text: str) -> Any:
        tree = self._parsers.parse(span_text)
        if tree is None:
            raise InputError(None, f"{span_text!r} does not parse as {self.name}")
        return self._value_builder(tree, span_text)


def _copy_json(value: Any) -> Any:
    """A copy of JSON-like data (dicts and lists are copied, other values shared)."""
    if isinstance(value, dict):
        return {key: _copy_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy_json(item) for item in value]
    return value


@dataclass(frozen=True)
class _Deadline:
    """A point in time after which matching gives up; None means no bound."""

    at: float | None

    @classmethod
    def after(cls, seconds: float | None) -> _Deadline:
        return cls(None if seconds is None else time.monotonic() + seconds)

    def remaining(self) -> float | None:
        """Seconds left (None when unbounded); raises TimeoutError when none are."""
        if self.at is None:
            return None
        left = self.at - time.monotonic()
        if left <= 0:
            raise TimeoutError("deadline passed")
        return left


@functools.cache
def number_type() -> GrammarType:
    """The built-in NUMBER type from grammar/numbers.lark (one instance per process)."""
    from engine.numbers import normalize_number

    path = grammar_dir() / "numbers.lark"
    source = GrammarSource.read("NUMBER", path, "grammar/numbers.lark", None)
    number = GrammarType._build(source, normalize_number)
    number._builtin = True  # pickles as a reference to this function
    return number


def grammar_dir() -> Path:
    """The folder of shipped Lark grammars: inside an installed wheel, else in the source tree."""
    package = Path(engine.__file__).parent
    installed = package / "_data" / "grammar"
    return installed if installed.is_dir() else package.parent / "grammar"


# --- named parts: the default value of a custom grammar ---------------------------------------


def named_parts(tree: lark.Tree, text: str, *, terminal_names: Iterable[str] = ()) -> Any:
    """The "named parts" value of a parse tree (see the module docstring)."""
    names = frozenset(terminal_names)
    if str(tree.data) != START:
        return {str(tree.data): _part_value(tree, text, names)}
    return _parts_of(tree, text, names)


def _parts_of(tree: lark.Tree, text: str, names: frozenset[str]) -> dict[str, Any]:
    parts: dict[str, Any] = {}
    for child in tree.children:
        if isinstance(child, lark.Tree):
            _add_part(parts, str(child.data), _part_value(child, text, names))
        elif isinstance(child, Token) and child.type in names:
            _add_part(parts, child.type, str(child))
    return parts


def _part_value(tree: lark.Tree, text: str, names: frozenset[str]) -> Any:
    if any(isinstance(child, lark.Tree) for child in tree.children):
        return _parts_of(tree, text, names)
    return _tree_text(tree, text)


def _tree_text(tree: lark.Tree, text: str) -> str:
    meta = tree.meta
    if not meta.empty:
        return text[meta.start_pos : meta.end_pos]
    return " ".join(str(tok) for tok in tree.scan_values(lambda v: isinstance(v, Token)))


def _add_part(parts: dict[str, Any], key: str, value: Any) -> None:
    if key not in parts:
        parts[key] = value
    elif isinstance(parts[key], list):
        parts[key].append(value)
    else:
        parts[key] = [parts[key], value]


# --- compiling: load (E310), parsers, finder (E311) -------------------------------------------


@dataclass(frozen=True)
class _Compiled:
    """Everything a GrammarType needs, computed once from a source."""

    source: str
    patterns: Patterns
    required_words: frozenset[str]
    terminal_names: frozenset[str]
    parsers: Parsers


def _compile(source: GrammarSource) -> _Compiled:
    from engine.cache import memo

    builder = load_definitions(source)
    parsers = Parsers.build(source)
    finder = Finder(builder)
    patterns = memo("finder", source.text, lambda: _finder_patterns(finder, source))
    terminal_names = frozenset(
        name for name, d in builder._definitions.items() if d.is_term and not name.startswith("_")
    )
    return _Compiled(
        source.display_name, patterns, finder.required_words(), terminal_names, parsers
    )


def _finder_patterns(finder: Finder, source: GrammarSource) -> Patterns:
    """The finder's patterns, checked to compile; E311 when the grammar is not regular."""
    try:
        patterns = finder.patterns()
    except NotRegular as exc:
        raise not_a_finder(source, exc.name, exc.why) from None
    try:
        regex.compile(patterns.finder, regex.POSIX)
    except regex.error as exc:
        raise not_a_finder(source, START, f"its regex does not compile: {exc}") from exc
    return patterns
