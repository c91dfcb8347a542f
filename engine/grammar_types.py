"""Grammar types: a Lark grammar turned into a finder regex (where are the spans?) and a parser
(what is each span's structured value?).

A rule pack declares `grammars: {DATELINE: dateline.lark}`; the start rule of the `.lark` file
defines what text is a DATELINE. Compiling a grammar type does three things:

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

import copy
import functools
import re
import sys
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lark
import regex

if sys.version_info >= (3, 11):
    from re import _constants as sre
    from re import _parser as sre_parse
else:  # pragma: no cover - Python 3.10
    import sre_constants as sre
    import sre_parse
from lark.exceptions import LarkError, UnexpectedInput, UnexpectedToken
from lark.grammar import NonTerminal, Terminal
from lark.lexer import PatternStr, Token
from lark.load_grammar import (
    GrammarBuilder,
    PrepareLiterals,
    TerminalTreeToPattern,
    _literal_to_pattern,
)
from lark.utils import get_regexp_width

import engine
from engine.errors import CompileError, InputError, Location, MatchTimeout

ValueBuilder = Callable[[lark.Tree, str], Any]

START = "start"
_BOUNDARY = r"(?:(?<!\w)|(?!\w))"  # not between two word characters
_LOAD_ERRORS = (LarkError, OSError, re.error, regex.error, ValueError, AssertionError)
_PARSE_CACHE_SIZE = 4096


@dataclass(frozen=True)
class GrammarSpan:
    """A span of text that a grammar type recognises, with its structured value."""

    start: int
    end: int
    text: str
    value: Any


class GrammarType:
    """A compiled grammar type: a finder regex, a Lark parser and a value builder."""

    def __init__(self, name: str, compiled: _Compiled, value_builder: ValueBuilder) -> None:
        self.name = name
        self.display_name = compiled.source
        self.finder_pattern = compiled.patterns.finder
        self.required_words = compiled.required_words
        self.parser_kind = compiled.parsers.kind
        self._regex = regex.compile(compiled.patterns.finder, regex.POSIX)
        self._scan = _compile_scan(compiled.patterns.scan)
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
        return cls._from_file(name, path, display_name=display_name, location=location)

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
        source = _Source(name, grammar_text, display_name, None)
        return cls._build(source, value_builder)

    @classmethod
    def _from_file(
        cls,
        name: str,
        path: str | Path,
        *,
        display_name: str | None = None,
        location: Location | None = None,
        value_builder: ValueBuilder | None = None,
    ) -> GrammarType:
        path = Path(path)
        shown = display_name or str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) else str(exc)
            message = f"cannot read grammar file for {name}: {path} ({why})"
            raise CompileError("E310", message, location or Location(shown, 1, 1)) from exc
        return cls._build(_Source(name, text, shown, path), value_builder)

    @classmethod
    def _build(cls, source: _Source, value_builder: ValueBuilder | None) -> GrammarType:
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

    def parse_value(self, span_text: str) -> Any:
        """Parse one span and build its value; raises InputError when it does not parse."""
        return _copy_json(self._cached_value(span_text))

    def _match_offsets(self, text: str, timeout: float | None) -> list[tuple[int, int]]:
        try:
            if self._scan is None:
                matches = self._regex.finditer(text, timeout=timeout)
                return [m.span() for m in matches if m.end() > m.start()]
            return self._scan_and_match(text, _Deadline.after(timeout))
        except TimeoutError as exc:
            raise MatchTimeout(None, f"grammar {self.name}: matching took over {timeout}s") from exc

    def _scan_and_match(self, text: str, deadline: _Deadline) -> list[tuple[int, int]]:
        """Try the finder only where the scan says a match can start; same result as finditer."""
        spans: list[tuple[int, int]] = []
        end = 0
        for candidate in self._scan.finditer(text):  # no quantifiers: linear time
            start = candidate.start()
            if start < end:
                continue
            found = self._regex.match(text, start, timeout=deadline.remaining())
            if found and found.end() > start:
                spans.append(found.span())
                end = found.end()
        return spans

    def _parse_uncached(self, span_text: str) -> Any:
        tree = self._parsers.parse(span_text)
        if tree is None:
            raise InputError(None, f"{span_text!r} does not parse as {self.name}")
        return self._value_builder(tree, span_text)


def _compile_scan(pattern: str | None) -> re.Pattern[str] | regex.Pattern[str] | None:
    """The scan regex, with Python's `re` (faster for it) or else with `regex`."""
    if pattern is None:
        return None
    try:
        return re.compile(pattern)
    except re.error:
        return regex.compile(pattern)


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
    number = GrammarType._from_file(
        "NUMBER", path, display_name="grammar/numbers.lark", value_builder=normalize_number
    )
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
class _Source:
    """A grammar to compile: the type it defines, its text, its shown name and its file."""

    type_name: str
    text: str
    display_name: str
    path: Path | None

    @property
    def lark_name(self) -> str:
        return str(self.path) if self.path else "<string>"

    @property
    def import_paths(self) -> list[str]:
        return [str(self.path.parent)] if self.path else []


@dataclass(frozen=True)
class _Compiled:
    """Everything a GrammarType needs, computed once from a source."""

    source: str
    patterns: _Patterns
    required_words: frozenset[str]
    terminal_names: frozenset[str]
    parsers: _Parsers


def _compile(source: _Source) -> _Compiled:
    builder = _load_definitions(source)
    parsers = _Parsers.build(source)
    finder = _Finder(builder, source)
    patterns = finder.patterns()
    try:
        regex.compile(patterns.finder, regex.POSIX)
    except regex.error as exc:
        raise _not_a_finder(source, START, f"its regex does not compile: {exc}") from exc
    terminal_names = frozenset(
        name for name, d in builder._definitions.items() if d.is_term and not name.startswith("_")
    )
    return _Compiled(
        source.display_name, patterns, finder.required_words(), terminal_names, parsers
    )


def _load_definitions(source: _Source) -> GrammarBuilder:
    builder = GrammarBuilder(import_paths=list(source.import_paths))
    try:
        builder.load_grammar(source.text, source.lark_name)
        builder.validate()
    except _LOAD_ERRORS as exc:
        raise _load_error(source, exc) from exc
    if START not in builder._definitions or builder._definitions[START].is_term:
        raise CompileError(
            "E310",
            f"grammar {source.type_name} has no '{START}' rule",
            _location(source, 1, 1),
            hint=f"the start rule defines what text is a {source.type_name}",
        )
    return builder


class _Parsers:
    """The Lark parser of a grammar, with an Earley fallback for spans LALR rejects.

    Lark objects built with `regex=True` do not pickle: a pickled copy rebuilds them on first use.
    """

    def __init__(self, kind: str, source: _Source, primary: lark.Lark | None = None) -> None:
        self.kind = kind
        self._source = source
        self._primary = primary
        self._fallback: lark.Lark | None = None

    @classmethod
    def build(cls, source: _Source) -> _Parsers:
        try:
            return cls("lalr", source, _make_lark(source, "lalr"))
        except _LOAD_ERRORS:
            pass
        try:
            return cls("earley", source, _make_lark(source, "earley"))
        except _LOAD_ERRORS as exc:
            raise _load_error(source, exc) from exc

    def __getstate__(self) -> dict[str, Any]:
        return {"kind": self.kind, "_source": self._source, "_primary": None, "_fallback": None}

    def parse(self, text: str) -> lark.Tree | None:
        """The parse tree of `text`, or None when no parser accepts it."""
        try:
            return self._main().parse(text)
        except LarkError:
            pass
        if self.kind == "earley":
            return None
        try:
            return self._earley().parse(text)
        except LarkError:
            return None

    def _main(self) -> lark.Lark:
        if self._primary is None:
            self._primary = _make_lark(self._source, self.kind)
        return self._primary

    def _earley(self) -> lark.Lark:
        if self._fallback is None:
            self._fallback = _make_lark(self._source, "earley", lexer="dynamic_complete")
        return self._fallback


def _make_lark(source: _Source, parser: str, lexer: str = "auto") -> lark.Lark:
    return lark.Lark(
        source.text,
        start=START,
        parser=parser,
        lexer=lexer,
        propagate_positions=True,
        regex=True,
        source_path=source.lark_name,
        import_paths=source.import_paths,
    )


def _load_error(source: _Source, exc: BaseException) -> CompileError:
    line, column = _error_position(source.text, exc)
    message = f"grammar {source.type_name} does not load in Lark: {_reason(exc, source.text)}"
    return CompileError("E310", message, _location(source, line, column))


_EXPECTED_NAMES = {"_RPAR": ")", "_RBRA": "]", "_RBRACE": "}", "_COLON": ":", "_NL": "end of line"}


def _reason(exc: BaseException, text: str = "") -> str:
    """Lark's (or the OS's) message, without its position and context lines."""
    if isinstance(exc, UnexpectedToken):
        token = "end of line" if exc.token.type == "_NL" else repr(str(exc.token))
        expected = sorted(_EXPECTED_NAMES.get(name, name) for name in exc.expected)
        return f"unexpected {token}, expected one of: {', '.join(expected)}"
    if isinstance(exc, OSError) and exc.filename:
        return f"cannot read grammar file {str(exc.filename)!r} ({exc.strerror or exc})"
    message = str(exc).strip().split("\n\n")[0].strip()
    message = re.sub(r",? at line \d+,? column \d+.*$", "", message, flags=re.S)
    message = re.sub(r"\s+in \S+:?\s*$", "", re.sub(r"\s+", " ", message))
    if message == "Unexpected input" and text:
        line, column = _error_position(text, exc)
        message = f"unexpected character {text.splitlines()[line - 1][column - 1 : column]!r}"
    return message or type(exc).__name__


def _error_position(text: str, exc: BaseException) -> tuple[int, int]:
    """Where Lark says the error is, or where the names its message quotes occur."""
    if isinstance(exc, UnexpectedInput) and getattr(exc, "line", -1) > 0:
        return exc.line, exc.column
    found = re.search(r"line (\d+),? column (\d+)", str(exc))
    if found:
        return int(found.group(1)), int(found.group(2))
    last = "defined more than once" in str(exc)
    for needle in _needles(text, exc):
        position = _find_text(text, needle, last=last)
        if position:
            return position
    return 1, 1


def _needles(text: str, exc: BaseException) -> list[str]:
    """Texts to look for in the grammar to locate an error whose message has no position."""
    message = str(exc)
    needles = re.findall(r"'([A-Za-z_]\w*)'", message)
    needles += re.findall(r"(?:: |\()([A-Za-z_]\w*)(?: in |\)|$)", message)
    needles += re.findall(r"\((\"[^\"]*\"i?)\)", message)
    if isinstance(exc, OSError) and exc.filename:
        needles.append(Path(str(exc.filename)).stem.split(".")[0])
    if isinstance(exc, (re.error, regex.error)):
        needles += _bad_regexps(text)
    return needles


def _bad_regexps(text: str) -> list[str]:
    """The /regexp/ literals of a grammar that Python's re cannot compile."""
    bad = []
    for literal in re.findall(r"/(?!/)(?:\\/|\\\\|[^/\n])*?/", _strip_comments(text)):
        try:
            re.compile(literal[1:-1])
        except re.error:
            bad.append(literal)
    return bad


def _find_text(text: str, needle: str, *, last: bool = False) -> tuple[int, int] | None:
    word = re.fullmatch(r"\w+", needle)
    pattern = rf"(?<![\w\"/]){re.escape(needle)}\b" if word else re.escape(needle)
    found = list(re.finditer(pattern, _strip_comments(text)))
    if not found:
        return None
    return _line_column(text, found[-1 if last else 0].start())


def _strip_comments(text: str) -> str:
    return re.sub(r"//[^\n]*", lambda m: " " * len(m.group()), text)


def _line_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _location(source: _Source, line: int, column: int, end: int | None = None) -> Location:
    lines = source.text.splitlines()
    source_line = lines[line - 1] if 0 < line <= len(lines) else None
    return Location(source.display_name, line, column, end, source_line)


def _definition_location(source: _Source, name: str) -> Location:
    head = rf"^[ \t]*(?:%(?:override|extend)[ \t]+)?[!?]{{0,2}}({re.escape(name)})\b"
    found = re.search(head + r"[^:\n]*:", _strip_comments(source.text), flags=re.M)
    if not found:
        line, column = _find_text(source.text, name) or (1, 1)
        return _location(source, line, column)
    line, _ = _line_column(source.text, found.start(1))
    start = found.start() + len(found.group()) - len(found.group().lstrip())
    _, column = _line_column(source.text, start)
    _, name_column = _line_column(source.text, found.start(1))
    return _location(source, line, column, name_column + len(name))


def _not_a_finder(source: _Source, name: str, why: str) -> CompileError:
    return CompileError(
        "E311",
        f"grammar {source.type_name} cannot be used as a finder: {why}",
        _definition_location(source, name),
        hint="a grammar type must describe a regular language: no recursion, no %declare",
    )


# --- the finder: rule definitions -> one regex --------------------------------------------------


class _NotRegular(Exception):
    """Raised inside the translation; becomes an E311 CompileError located at `name`."""

    def __init__(self, name: str, why: str) -> None:
        super().__init__(why)
        self.name = name
        self.why = why


@dataclass(frozen=True)
class _Patterns:
    """The finder regex, and a cheap zero-width regex for the positions where a match can start."""

    finder: str
    scan: str | None


class _Finder:
    """Translates the rule definitions of a loaded grammar into one regex source.

    Every rule is inlined where it is used. The `regex` module pays, on every match attempt, for
    the size of the whole pattern, so a grammar meant as a fast finder keeps its rules
    left-factored and puts multi-word units into terminals (see grammar/numbers.lark).
    Subroutine calls (`(?&name)`) would keep the pattern small but are far slower under
    `regex.POSIX`.
    """

    def __init__(self, builder: GrammarBuilder, source: _Source) -> None:
        self._defs = builder._definitions
        self._source = source
        self._stack: list[str] = []
        self._rules: dict[str, str] = {}
        self._ignore = self._ignore_pattern(builder._ignore_names)
        self._sep = f"{self._ignore}*" if self._ignore else ""

    def patterns(self) -> _Patterns:
        """The finder regex of the start rule, wrapped to align with words and skip ignores."""
        try:
            body = self._rule(START, {})
        except _NotRegular as exc:
            raise _not_a_finder(self._source, exc.name, exc.why) from None
        start = _BOUNDARY + (f"(?!{self._ignore})" if self._ignore else "")
        end = (f"(?<!{self._ignore})" if self._ignore else "") + _BOUNDARY
        return _Patterns(f"{start}(?:{body}){end}", scan_pattern(body))

    def required_words(self) -> frozenset[str]:
        """Lower-cased words of string literals that every match of the start rule contains."""
        return _Required(self._defs).rule(START)

    def _ignore_pattern(self, names: list[str]) -> str:
        """One regex item for the ignored text; repeated, it makes the separator."""
        patterns = [_single_step(self._terminal(name)) for name in names]
        return f"(?:{'|'.join(patterns)})" if patterns else ""

    def _rule(self, name: str, env: dict[str, str]) -> str:
        if name in env:
            return env[name]
        if name not in self._rules:
            self._rules[name] = self._translate_rule(name, env)
        return self._rules.pop(name) if self._defs[name].params else self._rules[name]

    def _translate_rule(self, name: str, env: dict[str, str]) -> str:
        definition = self._defs[name]
        if definition.is_term:
            return self._terminal(name)
        if name in self._stack:
            cycle = self._stack[self._stack.index(name) :] + [name]
            raise _NotRegular(cycle[0], f"rule {cycle[0]!r} is recursive ({' -> '.join(cycle)})")
        if definition.tree is None:
            raise _NotRegular(name, f"rule {name!r} is only declared (%declare)")
        self._stack.append(name)
        body = self._node(definition.tree, env if definition.params else {})
        self._stack.pop()
        return body

    def _node(self, node: Any, env: dict[str, str]) -> str:
        if isinstance(node, NonTerminal):
            return self._rule(node.name, env)
        if isinstance(node, Terminal):
            return self._terminal(node.name)
        return getattr(self, f"_tree_{node.data}")(node, env)

    def _tree_expansions(self, tree: lark.Tree, env: dict[str, str]) -> str:
        alternatives = [self._node(child, env) for child in tree.children]
        return alternatives[0] if len(alternatives) == 1 else f"(?:{'|'.join(alternatives)})"

    def _tree_alias(self, tree: lark.Tree, env: dict[str, str]) -> str:
        return self._node(tree.children[0], env)

    def _tree_expansion(self, tree: lark.Tree, env: dict[str, str]) -> str:
        return self._sep.join(f"(?:{self._node(child, env)})" for child in tree.children)

    def _tree_value(self, tree: lark.Tree, env: dict[str, str]) -> str:
        return self._node(tree.children[0], env)

    def _tree_maybe(self, tree: lark.Tree, env: dict[str, str]) -> str:
        return f"(?:{self._node(tree.children[0], env)})?"

    def _tree_expr(self, tree: lark.Tree, env: dict[str, str]) -> str:
        atom, op, *counts = tree.children
        item = f"(?:{self._node(atom, env)})"
        if op == "?":
            return f"{item}?"
        bounds = {"*": (0, None), "+": (1, None)}.get(str(op))
        return self._repeat(item, *(bounds or _tilde_bounds(counts)))

    def _repeat(self, item: str, low: int, high: int | None) -> str:
        if high == 0:
            return ""
        more = "" if high is None else str(high - 1)
        quantifier = f"{{{max(low - 1, 0)},{more}}}" if (low, high) != (1, None) else "*"
        body = f"{item}(?:{self._sep}{item}){quantifier}"
        return body if low > 0 else f"(?:{body})?"

    def _tree_literal(self, tree: lark.Tree, env: dict[str, str]) -> str:
        pattern = _literal_to_pattern(tree.children[0])
        if isinstance(pattern, PatternStr):
            return _word_bounded(pattern)
        return pattern.to_regexp()

    def _tree_range(self, tree: lark.Tree, env: dict[str, str]) -> str:
        return PrepareLiterals().transform(copy.deepcopy(tree)).children[0].to_regexp()

    def _tree_template_usage(self, tree: lark.Tree, env: dict[str, str]) -> str:
        template, *args = tree.children
        params = self._defs[template.name].params
        inner = {param: self._node(arg, env) for param, arg in zip(params, args, strict=True)}
        return self._rule(template.name, inner)

    def _terminal(self, name: str) -> str:
        definition = self._defs[name]
        if definition.tree is None:
            raise _NotRegular(name, f"terminal {name!r} is only declared (%declare)")
        words = _string_alternatives(definition.tree)
        if words is not None:
            return "(?:" + "|".join(_word_bounded(p) for p in words) + ")"
        tree = PrepareLiterals().transform(copy.deepcopy(definition.tree))
        return TerminalTreeToPattern().transform(tree).to_regexp()


def _single_step(pattern: str) -> str:
    """`pattern` without its outer `+` when what it repeats is one character wide.

    The separator repeats the ignored pattern; `(?:[ \\t]+)*` would backtrack exponentially where
    `(?:[ \\t])*` does not.
    """
    inner = pattern
    while True:
        stripped = _strip_plus(inner)
        if stripped == inner:
            break
        inner = stripped
    return inner if _is_one_char(inner) else pattern


def _strip_plus(pattern: str) -> str:
    for candidate in (pattern[:-1] if pattern.endswith("+") else "", _unwrap(pattern)):
        if candidate and _compiles(candidate):
            return candidate
    return pattern


def _unwrap(pattern: str) -> str:
    if pattern.startswith("(?:") and pattern.endswith(")"):
        return pattern[3:-1]
    return ""


def _compiles(pattern: str) -> bool:
    try:
        regex.compile(pattern)
    except regex.error:
        return False
    return True


def _is_one_char(pattern: str) -> bool:
    try:
        return tuple(get_regexp_width(pattern)) == (1, 1)
    except (ValueError, regex.error, re.error):
        return False


def _tilde_bounds(counts: list[Token]) -> tuple[int, int]:
    low = int(counts[0])
    return low, int(counts[-1])


def _word_bounded(pattern: PatternStr) -> str:
    """A string literal as regex, with word boundaries where it begins or ends with a word char."""
    text = pattern.value
    before = r"\b" if regex.match(r"\w", text[0]) else ""
    after = r"\b" if regex.match(r"\w", text[-1]) else ""
    flags = "".join(sorted(set(pattern.flags) & set("imsx")))
    body = before + regex.escape(text) + after
    return f"(?{flags}:{body})" if flags else body


def _string_alternatives(tree: lark.Tree) -> list[PatternStr] | None:
    """The string literals of a terminal made only of alternative literals, else None."""
    literals = []
    for alternative in tree.children:
        if alternative.data != "expansion" or len(alternative.children) != 1:
            return None
        value = alternative.children[0]
        token = value.children[0] if value.data == "value" else None
        if not (isinstance(token, lark.Tree) and token.data == "literal"):
            return None
        if token.children[0].type != "STRING":
            return None
        literals.append(_literal_to_pattern(token.children[0]))
    return literals


# --- the scan: literal prefixes of the finder --------------------------------------------------

_MAX_PREFIXES = 500
_MAX_ATOMS = 12
_CATEGORIES = {
    sre.CATEGORY_DIGIT: r"\d",
    sre.CATEGORY_NOT_DIGIT: r"\D",
    sre.CATEGORY_SPACE: r"\s",
    sre.CATEGORY_NOT_SPACE: r"\S",
    sre.CATEGORY_WORD: r"\w",
    sre.CATEGORY_NOT_WORD: r"\W",
}
_ZERO_WIDTH = (sre.ASSERT, sre.ASSERT_NOT)
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT))


@dataclass(frozen=True)
class _Prefix:
    """A sequence of one-character regex atoms a match must begin with.

    `complete` says that the atoms cover the whole subpattern, so what follows it may extend them.
    """

    atoms: tuple[str, ...]
    complete: bool


def scan_pattern(pattern: str) -> str | None:
    """A cheap zero-width regex that matches wherever `pattern` can start a match.

    Matching a grammar's finder at every position of a text is slow; the literal prefixes of
    its matches (first words, first characters) are a necessary condition that is quick to test.
    None when some alternative of `pattern` has no consuming prefix, or when Python's regex
    parser cannot read `pattern`.
    """
    if _FUZZY.search(pattern):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "[[" warns: `regex` may read it as a nested set
            items = sre_parse.parse(pattern).data
    except (re.error, ValueError, TypeError, OverflowError, RecursionError, Warning):
        return None
    prefixes = _seq_prefixes(list(items), False)
    firsts = [next((a for a in p.atoms if a not in _ZERO_WIDTH_ATOMS), None) for p in prefixes]
    if not prefixes or None in firsts:
        return None
    start = r"\b" if all(_is_word_atom(atom) for atom in firsts) else _BOUNDARY
    return f"{start}(?={_trie_regex([p.atoms for p in prefixes])})"


_ZERO_WIDTH_ATOMS = (r"\b", r"\B")
_FUZZY = re.compile(r"\{\s*[edis]\s*[<=]")  # `regex` fuzzy matching, e.g. (?:abc){e<=1}
_WORD_ATOM = re.compile(r"[A-Za-z0-9]|\\d|\[(?:[A-Za-z0-9](?:-[A-Za-z0-9])?|\\d)+\]")


def _is_word_atom(atom: str) -> bool:
    """Whether an atom matches only ASCII letters and digits (so `\\b` may stand before it)."""
    atom = atom.removesuffix("+")
    if atom.startswith("(?i:") and atom.endswith(")"):
        atom = atom[4:-1]
    return _WORD_ATOM.fullmatch(atom) is not None


def _seq_prefixes(items: list, ignore_case: bool) -> list[_Prefix]:
    result = [_Prefix((), True)]
    for op, av in items:
        if not any(p.complete for p in result):
            break
        result = _extend(result, _item_prefixes(op, av, ignore_case))
    return result


def _extend(prefixes: list[_Prefix], following: list[_Prefix]) -> list[_Prefix]:
    """Each complete prefix followed by each of `following`, within the size limits.

    When there would be too many, `following` is cut to fewer atoms (a shorter prefix is a
    weaker but still necessary condition).
    """
    for width in range(_MAX_ATOMS, -1, -1):
        cut = list(dict.fromkeys(_cut(q, width) for q in following))
        kept = [p for p in prefixes if not p.complete]
        complete = [p for p in prefixes if p.complete]
        if len(kept) + len(complete) * len(cut) <= _MAX_PREFIXES:
            return kept + [_joined(p.atoms + q.atoms, q.complete) for p in complete for q in cut]
    return [_Prefix(p.atoms, False) for p in prefixes]


def _cut(prefix: _Prefix, width: int) -> _Prefix:
    if len(prefix.atoms) <= width:
        return prefix
    return _Prefix(prefix.atoms[:width], False)


def _joined(atoms: tuple[str, ...], complete: bool) -> _Prefix:
    if len(atoms) > _MAX_ATOMS:
        return _Prefix(atoms[:_MAX_ATOMS], False)
    return _Prefix(atoms, complete)


def _item_prefixes(op: Any, av: Any, ignore_case: bool) -> list[_Prefix]:
    if op is sre.LITERAL:
        return [_Prefix((_char_atom(av, ignore_case),), True)]
    if op is sre.IN:
        atom = _class_atom(av, ignore_case)
        return [_Prefix((atom,), True)] if atom else [_Prefix((), False)]
    if op is sre.AT:
        atom = {sre.AT_BOUNDARY: r"\b", sre.AT_NON_BOUNDARY: r"\B"}.get(av)
        return [_Prefix((atom,) if atom else (), True)]
    if op in _ZERO_WIDTH:
        return [_Prefix((), True)]
    if op is sre.SUBPATTERN:
        _, add, remove, items = av
        case = (ignore_case or bool(add & re.I)) and not remove & re.I
        return _seq_prefixes(list(items), case)
    if op is sre.BRANCH:
        return [p for branch in av[1] for p in _seq_prefixes(list(branch), ignore_case)]
    if op in _REPEATS:
        return _repeat_prefixes(av, ignore_case)
    if op is getattr(sre, "ATOMIC_GROUP", None):
        return _seq_prefixes(list(av), ignore_case)
    return [_Prefix((), False)]


def _repeat_prefixes(av: Any, ignore_case: bool) -> list[_Prefix]:
    low, high, items = av
    once = _seq_prefixes(list(items), ignore_case)
    single = len(once) == 1 and once[0].complete and len(once[0].atoms) == 1
    if single and high != 1 and once[0].atoms[0] not in _ZERO_WIDTH_ATOMS:
        many = [_Prefix((once[0].atoms[0] + "+",), True)]  # a run of one character class
        return ([_Prefix((), True)] + many) if low == 0 else many
    if not (low == high == 1):
        once = [_Prefix(p.atoms, p.complete and high == 1) for p in once]
    return ([_Prefix((), True)] + once) if low == 0 else once


def _char_atom(code: int, ignore_case: bool) -> str:
    char = regex.escape(chr(code))
    return f"(?i:{char})" if ignore_case and chr(code).lower() != chr(code).upper() else char


def _class_atom(items: list, ignore_case: bool) -> str | None:
    parts = []
    for op, av in items:
        if op is sre.NEGATE:
            parts.insert(0, "^")
        elif op is sre.LITERAL:
            parts.append(_class_char(chr(av)))
        elif op is sre.RANGE:
            parts.append(f"{_class_char(chr(av[0]))}-{_class_char(chr(av[1]))}")
        elif op is sre.CATEGORY and av in _CATEGORIES:
            parts.append(_CATEGORIES[av])
        else:
            return None
    body = f"[{''.join(parts)}]"
    return f"(?i:{body})" if ignore_case else body


def _class_char(char: str) -> str:
    if char in "\\]^-[" or not char.isprintable() or char.isspace():
        code = ord(char)
        return f"\\x{code:02x}" if code <= 0xFF else f"\\U{code:08x}"
    return char


def _trie_regex(sequences: list[tuple[str, ...]]) -> str:
    """An alternation of atom sequences, sharing common prefixes; a shorter one suffices."""
    trie: dict = {}
    for atoms in sequences:
        node = trie
        for atom in atoms:
            if node.get("") is True:
                break
            node = node.setdefault(atom, {})
        else:
            node.clear()
            node[""] = True
    return _emit(trie)


def _emit(node: dict) -> str:
    if node.get("") is True:
        return ""
    branches = [atom + _emit(child) for atom, child in sorted(node.items())]
    return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"


# --- required words ---------------------------------------------------------------------------


class _Required:
    """Computes the literal words that every match of a rule contains (for a prefilter)."""

    def __init__(self, definitions: dict) -> None:
        self._defs = definitions
        self._memo: dict[str, frozenset[str]] = {}

    def rule(self, name: str) -> frozenset[str]:
        if name not in self._memo:
            definition = self._defs.get(name)
            if definition is None or definition.tree is None or definition.params:
                return frozenset()
            self._memo[name] = frozenset()
            self._memo[name] = (
                self._terminal(name) if definition.is_term else self._node(definition.tree)
            )
        return self._memo[name]

    def _node(self, node: Any) -> frozenset[str]:
        if isinstance(node, (NonTerminal, Terminal)):
            return self.rule(node.name)
        data = str(node.data)
        if data == "expansions":
            sets = [self._node(child) for child in node.children]
            return frozenset.intersection(*sets) if sets else frozenset()
        if data in ("expansion", "alias", "value"):
            parts = node.children[:1] if data == "alias" else node.children
            return frozenset().union(*(self._node(child) for child in parts))
        if data == "expr":
            return self._expr(node)
        if data == "literal":
            return _literal_words(node.children[0])
        return frozenset()

    def _expr(self, node: lark.Tree) -> frozenset[str]:
        atom, op, *counts = node.children
        required = op == "+" or (op == "~" and int(counts[0]) > 0)
        return self._node(atom) if required else frozenset()

    def _terminal(self, name: str) -> frozenset[str]:
        literals = _string_alternatives(self._defs[name].tree)
        if not literals:
            return frozenset()
        return frozenset.intersection(*(_words(p.value) for p in literals))


def _literal_words(token: Token) -> frozenset[str]:
    return _words(_literal_to_pattern(token).value) if token.type == "STRING" else frozenset()


def _words(text: str) -> frozenset[str]:
    return frozenset(word.lower() for word in regex.findall(r"\w+", text))
