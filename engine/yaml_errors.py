"""The YAML reader's error codes, and PyYAML's scanner and parser errors turned into located
LoadErrors with a hint for the analyst (stage: load).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import yaml
from yaml.reader import ReaderError

from engine.errors import LoadError, Location
from engine.yaml_offsets import SourceText

__all__ = ["LoadCode", "load_error", "reader_error", "syntax_error"]


class LoadCode(str, Enum):
    """The stable error codes of the YAML reader."""

    SYNTAX = "E101"
    DUPLICATE_KEY = "E102"
    ALIAS = "E103"
    TOO_DEEP = "E104"
    TOO_LARGE = "E105"
    TAG = "E106"
    NOT_UTF8 = "E107"


def load_error(code: LoadCode, message: str, loc: Location, **extra) -> LoadError:
    """A LoadError with one of the reader's codes."""
    return LoadError(code.value, message, loc, **extra)


# --------------------------------------------------------------------------- syntax errors

_TOKEN_NAMES = {
    "block end": "the end of the indented block",
    "stream end": "the end of the file",
    "scalar": "a value",
    "block mapping start": "a new mapping",
    "block sequence start": "a list item",
    "document start": "'---'",
    "document end": "'...'",
    "alias": "an alias",
    "anchor": "an anchor",
    "tag": "a tag",
    "directive": "a directive",
}
_TOKEN_RE = re.compile(r"'?<([a-z ]+)>'?")


def _clean_message(problem: str, context: str) -> str:
    """PyYAML's problem text with token names in words."""
    if "quoted scalar" in context and "end of stream" in problem:
        return "unclosed quote: the file ends inside this quoted value"
    text = _TOKEN_RE.sub(lambda m: _TOKEN_NAMES.get(m.group(1), m.group(1)), problem)
    text = text.replace("character '\\t'", "a tab character").replace("but got", "but found")
    text = text.replace("found '?'", "found a mapping key")
    return text.replace("found unexpected end of stream", "unexpected end of the file")


@dataclass(frozen=True)
class _Problem:
    """What the hint rules look at: PyYAML's words and the source line at the error."""

    problem: str
    context: str
    line: str
    column: int  # 0-based

    @property
    def before(self) -> str:
        return self.line[: self.column]


@dataclass(frozen=True)
class _HintRule:
    """A known cause of a syntax error: when it applies and what to tell the analyst."""

    applies: Callable[[_Problem], bool]
    hint: str


def _in_problem(*needles: str) -> Callable[[_Problem], bool]:
    """A test that PyYAML's problem text holds one of `needles`."""
    return lambda p: any(needle in p.problem for needle in needles)


def _in_context(*needles: str) -> Callable[[_Problem], bool]:
    """A test that PyYAML's context text holds one of `needles`."""
    return lambda p: any(needle in p.context for needle in needles)


_FLOW_VALUE_RE = re.compile(r"(^|:\s)\s*[\[{]")
_HINT_RULES = (
    _HintRule(
        lambda p: "'\\t'" in p.problem or "\t" in p.line[: len(p.line) - len(p.line.lstrip())],
        "YAML indentation must use spaces; replace the tab characters with spaces",
    ),
    _HintRule(
        lambda p: "quoted scalar" in p.context and "end of stream" in p.problem,
        "unbalanced quotes: this quoted value is never closed",
    ),
    _HintRule(
        _in_problem("unknown escape"),
        "in double quotes a backslash starts an escape: use single quotes for regular "
        "expressions (e.g. '\\d+'), or write the backslash twice",
    ),
    _HintRule(
        _in_problem("'@'", "'`'"),
        "'@' and '`' cannot start a plain YAML value; quote the value, e.g. \"@MACRO ...\"",
    ),
    _HintRule(
        _in_context("scanning a tag"),
        "a value starting with '!' is read as a YAML tag; quote the value, e.g. \"!(no|not) ...\"",
    ),
    _HintRule(
        _in_context("an alias", "an anchor"),
        "a value starting with '*' or '&' is read as a YAML alias or anchor; quote the value",
    ),
    _HintRule(
        lambda p: "<scalar>" in p.problem and p.before.rstrip()[-1:] in ("'", '"'),
        "text goes on after a closing quote: a value that starts with a quote must end with it; "
        "quote the whole value with the other kind of quotes (e.g. pattern: "
        "'\"Free Syrian Army\" killed'), and inside '...' write '' for a single quote",
    ),
    _HintRule(
        lambda p: bool(_FLOW_VALUE_RE.search(p.before)) and p.problem.startswith("expected"),
        "a value starting with '{' or '[' is read as a YAML mapping or list; quote the whole "
        'pattern, e.g. pattern: "{count:NUMBER} killed"',
    ),
    _HintRule(
        _in_problem("mapping values are not allowed"),
        "a plain value cannot contain ': ' (colon and space): quote the value; "
        "or check the indentation of this line",
    ),
    _HintRule(
        _in_problem("sequence entries are not allowed"),
        "a list item '-' starts its own line, indented under its key",
    ),
    _HintRule(
        _in_problem("could not find expected ':'"),
        "each line of a mapping needs 'key: value'; a value that goes on over several lines "
        "must be indented or quoted",
    ),
    _HintRule(
        _in_problem("expected <block end>"),
        "check the indentation: the keys of one mapping and the items of one list must start "
        "in the same column",
    ),
    _HintRule(
        _in_problem("expected ',' or"),
        "unbalanced brackets: a '[' or '{' is never closed; quote the value if it is a pattern",
    ),
)


def _find_hint(problem: _Problem) -> str | None:
    """The hint of the first rule that applies, if any."""
    return next((rule.hint for rule in _HINT_RULES if rule.applies(problem)), None)


def syntax_error(source: SourceText, exc: yaml.MarkedYAMLError) -> LoadError:
    """E101 from a PyYAML scanner or parser error, located and explained."""
    problem, context = exc.problem or "", exc.context or ""
    mark = exc.problem_mark or exc.context_mark
    if "quoted scalar" in context and "end of stream" in problem and exc.context_mark:
        mark = exc.context_mark
    index = mark.index if mark is not None else 0
    loc = source.location(index)
    line = source.line_of(index)
    facts = _Problem(problem, context, source.line_text(line), index - source.line_starts[line])
    notes = []
    if context and exc.context_mark is not None and exc.context_mark is not mark:
        notes.append(f"{context} that starts at {source.location(exc.context_mark.index)}")
    message = _clean_message(problem or context or "invalid YAML", context)
    return load_error(LoadCode.SYNTAX, message, loc, hint=_find_hint(facts), notes=notes)


def reader_error(source: SourceText, exc: ReaderError) -> LoadError:
    """E107 for a control character or lone surrogate that YAML does not allow in text."""
    loc = source.location(exc.position)
    message = f"character U+{exc.character:04X} is not allowed in YAML text"
    hint = "the file looks binary or holds control characters; save it as plain UTF-8 text"
    return load_error(LoadCode.NOT_UTF8, message, loc, hint=hint)

