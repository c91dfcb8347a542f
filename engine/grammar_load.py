"""Loading a grammar with Lark: a grammar source in; its rule definitions and parsers out, or a
CompileError (E310 does not load, E311 not a finder) located in the grammar file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lark
import regex
from lark.exceptions import LarkError, UnexpectedInput, UnexpectedToken
from lark.load_grammar import GrammarBuilder

from engine.errors import CompileError, Location

__all__ = ["START", "GrammarSource", "Parsers", "load_definitions", "not_a_finder"]

START = "start"
_LOAD_ERRORS = (LarkError, OSError, re.error, regex.error, ValueError, AssertionError)


@dataclass(frozen=True)
class GrammarSource:
    """A grammar to compile: the type it defines, its text, its shown name and its file."""

    type_name: str
    text: str
    display_name: str
    path: Path | None

    @classmethod
    def read(cls, name: str, path: Path, shown: str, declared: Location | None) -> GrammarSource:
        """The grammar in a `.lark` file; E310 at `declared` (else the file) when unreadable."""
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) else str(exc)
            message = f"cannot read grammar file for {name}: {path} ({why})"
            raise CompileError("E310", message, declared or Location(shown, 1, 1)) from exc
        return cls(name, text, shown, path)

    @property
    def lark_name(self) -> str:
        return str(self.path) if self.path else "<string>"

    @property
    def import_paths(self) -> list[str]:
        return [str(self.path.parent)] if self.path else []


def load_definitions(source: GrammarSource) -> GrammarBuilder:
    """Lark's GrammarBuilder holding the validated rule definitions; E310 when it fails."""
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


class Parsers:
    """The Lark parser of a grammar, with an Earley fallback for spans LALR rejects.

    Lark objects built with `regex=True` do not pickle: a pickled copy rebuilds them on first use.
    """

    def __init__(self, kind: str, source: GrammarSource, primary: lark.Lark | None = None) -> None:
        self.kind = kind
        self._source = source
        self._primary = primary
        self._fallback: lark.Lark | None = None

    @classmethod
    def build(cls, source: GrammarSource) -> Parsers:
        """An LALR parser when Lark accepts the grammar as LALR, else Earley; E310 if neither."""
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


def _make_lark(source: GrammarSource, parser: str, lexer: str = "auto") -> lark.Lark:
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


def _load_error(source: GrammarSource, exc: BaseException) -> CompileError:
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


def _location(source: GrammarSource, line: int, column: int, end: int | None = None) -> Location:
    lines = source.text.splitlines()
    source_line = lines[line - 1] if 0 < line <= len(lines) else None
    return Location(source.display_name, line, column, end, source_line)


def _definition_location(source: GrammarSource, name: str) -> Location:
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


def not_a_finder(source: GrammarSource, name: str, why: str) -> CompileError:
    """E311 for a grammar that cannot become a finder regex, located at rule `name`."""
    return CompileError(
        "E311",
        f"grammar {source.type_name} cannot be used as a finder: {why}",
        _definition_location(source, name),
        hint="a grammar type must describe a regular language: no recursion, no %declare",
    )
