"""Read one YAML rule file safely into located nodes: strings, mappings and sequences (stage: load).

The reader builds on PyYAML's safe scanner and parser but composes the nodes itself from the
event stream, without recursion and without constructing any Python object from a tag. Every
scalar comes back as a `YStr` that knows where it is written; `YStr.typed()` applies the YAML 1.2
core schema when the caller wants a number, a boolean or null, so `country: NO` stays "NO".
Anchors, aliases, merge keys, duplicate keys, non-core tags, deep nesting, huge files and
non-UTF-8 files are errors (`LoadError`, codes E101-E107) located at file:line:column.
"""

from __future__ import annotations

import bisect
import codecs
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    NodeEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)
from yaml.reader import ReaderError
from yaml.scanner import Scanner, ScannerError
from yaml.tokens import ScalarToken

from engine.errors import LoadError, Location

__all__ = ["LoadCode", "YMap", "YNode", "YSeq", "YStr", "core_value", "read_yaml"]

BREAKS = "\r\n\x85\u2028\u2029"
_BREAK_RE = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_CORE_PREFIX = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset({"!!str", "!!int", "!!float", "!!bool", "!!null"})
_STR_TAGS = frozenset({"!", "!!str"})
_ANY_SCALAR_TAG = _SCALAR_TAGS | _STR_TAGS


class LoadCode(str, Enum):
    """The stable error codes of the YAML reader."""

    SYNTAX = "E101"
    DUPLICATE_KEY = "E102"
    ALIAS = "E103"
    TOO_DEEP = "E104"
    TOO_LARGE = "E105"
    TAG = "E106"
    NOT_UTF8 = "E107"


def _error(code: LoadCode, message: str, loc: Location, **extra) -> LoadError:
    """A LoadError with one of the reader's codes."""
    return LoadError(code.value, message, loc, **extra)


# --------------------------------------------------------------------------- source positions


@dataclass(frozen=True, eq=False)
class _Source:
    """The text of one file with its line starts, turning character indexes into Locations."""

    name: str
    text: str
    line_starts: tuple[int, ...]

    @classmethod
    def build(cls, name: str, text: str) -> _Source:
        """Index the line starts of `text`, with PyYAML's line breaks (CR LF counts once)."""
        starts = [0] + [m.end() for m in _BREAK_RE.finditer(text)]
        return cls(name, text, tuple(starts))

    def line_of(self, index: int) -> int:
        """The 0-based line holding character `index`."""
        return bisect.bisect_right(self.line_starts, index) - 1

    def line_text(self, line: int) -> str:
        """The text of a 0-based line without its line break."""
        start = self.line_starts[line]
        end = self.line_starts[line + 1] if line + 1 < len(self.line_starts) else len(self.text)
        return self.text[start:end].rstrip(BREAKS)

    def location(self, index: int, end: int | None = None) -> Location:
        """The Location of character `index`; `end` (exclusive) sets end_column on the same line."""
        line = self.line_of(index)
        column = index - self.line_starts[line] + 1
        end_column = None
        if end is not None and end > index and self.line_of(end - 1) == line:
            end_column = end - self.line_starts[line] + 1
        return Location(self.name, line + 1, column, end_column, self.line_text(line))


@dataclass(frozen=True, eq=False)
class _Span:
    """Where a scalar token is written: its style, its raw extent and its block indentation."""

    source: _Source
    start: int
    end: int
    style: str | None
    min_indent: int | None = None


# --------------------------------------------------------------------------- node classes


class YStr(str):
    """A YAML scalar: always a string, with its location, style and explicit core tag if any."""

    style: str | None
    tag: str | None
    _span: _Span | None

    def __new__(cls, value: str = "", span: _Span | None = None, tag: str | None = None) -> YStr:
        self = super().__new__(cls, value)
        self._span = span
        self.style = span.style if span else None
        self.tag = tag
        return self

    @property
    def loc(self) -> Location | None:
        """Location of the first character of the scalar token (a quote or block indicator)."""
        span = self._span
        return span.source.location(span.start, span.end) if span else None

    @property
    def end_loc(self) -> Location | None:
        """Location just after the scalar token."""
        span = self._span
        return span.source.location(span.end) if span else None

    def typed(self) -> None | bool | int | float | str:
        """The value under the YAML 1.2 core schema; quoted and block scalars stay strings."""
        if self.tag in _STR_TAGS:
            return self
        if self.tag is not None:
            return _coerce_to_tag(self.tag, core_value(self))
        if self.style is not None:
            return self
        value = core_value(self)
        return self if isinstance(value, str) else value

    def location_at(self, offset: int) -> Location:
        """File position of the value's character at `offset`; `len(self)` is just past the end."""
        if not 0 <= offset <= len(self):
            raise IndexError(f"offset {offset} outside a value of length {len(self)}")
        if self._span is None:
            raise ValueError("this string was not read from a file")
        return self._span.source.location(self._index_map[offset])

    def span_location(self, start: int, end: int) -> Location:
        """Location of value[start:end]; end_column is set when the span stays on one line."""
        loc = self.location_at(start)
        if end <= start or self._span is None:
            return loc
        last = self._index_map[end - 1]
        return self._span.source.location(self._index_map[start], last + 1)

    @cached_property
    def _index_map(self) -> list[int]:
        """Source index of each character of the value, plus one for the end of the value."""
        span = self._span
        assert span is not None
        chars, end = _scan_scalar(span)
        if "".join(ch for ch, _ in chars) != self:
            return [span.start] * (len(self) + 1)
        return [index for _, index in chars] + [end]


class YMap(dict):
    """A YAML mapping whose keys are `YStr`, with the location of the mapping and of each key."""

    loc: Location | None
    end_loc: Location | None

    def __init__(self, loc: Location | None = None) -> None:
        super().__init__()
        self.loc = loc
        self.end_loc = None
        self._key_nodes: dict[str, YStr] = {}

    def key_loc(self, key: str) -> Location | None:
        """Location of `key` as written in the file (KeyError when absent)."""
        return self._key_nodes[key].loc

    def key_node(self, key: str) -> YStr:
        """The `YStr` of `key` as written in the file (KeyError when absent)."""
        return self._key_nodes[key]


class YSeq(list):
    """A YAML sequence with its location."""

    loc: Location | None
    end_loc: Location | None

    def __init__(self, loc: Location | None = None) -> None:
        super().__init__()
        self.loc = loc
        self.end_loc = None


YNode = YMap | YSeq | YStr


# --------------------------------------------------------------------------- core schema

_NULL_RE = re.compile(r"null|Null|NULL|~|")
_BOOL_RE = re.compile(r"(?P<true>true|True|TRUE)|false|False|FALSE")
_INT_RE = re.compile(r"[-+]?[0-9]+")
_OCT_RE = re.compile(r"0o[0-7]+")
_HEX_RE = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT_RE = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_INF_RE = re.compile(r"[-+]?\.(inf|Inf|INF)")
_NAN_RE = re.compile(r"\.(nan|NaN|NAN)")


def core_value(text: str) -> None | bool | int | float | str:
    """Resolve a plain scalar under the YAML 1.2 core schema; unmatched text comes back as is."""
    if _NULL_RE.fullmatch(text):
        return None
    if match := _BOOL_RE.fullmatch(text):
        return match.group("true") is not None
    return _core_number(text)


def _core_number(text: str) -> int | float | str:
    """An int or float of the core schema, or the text itself."""
    if _INT_RE.fullmatch(text):
        return int(text)
    if _OCT_RE.fullmatch(text):
        return int(text[2:], 8)
    if _HEX_RE.fullmatch(text):
        return int(text[2:], 16)
    if _FLOAT_RE.fullmatch(text):
        return float(text)
    if _INF_RE.fullmatch(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN_RE.fullmatch(text):
        return math.nan
    return text


def _coerce_to_tag(tag: str, value: None | bool | int | float | str) -> None | bool | int | float:
    """The core value converted to what an explicit tag asks for; ValueError when it cannot be."""
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if tag == "!!null" and value is None or tag == "!!bool" and isinstance(value, bool):
        return value
    if tag == "!!int" and is_number and isinstance(value, int):
        return value
    if tag == "!!float" and is_number:
        return float(value)
    raise ValueError(f"{value!r} is not a valid {tag}")


# --------------------------------------------------------------------------- reading the file


def read_yaml(
    path: str | Path,
    text: str | None = None,
    *,
    max_bytes: int = 5_000_000,
    max_depth: int = 100,
    display_name: str | None = None,
) -> YMap | YSeq | YStr | None:
    """Read one YAML document into located nodes; None for an empty document."""
    name = display_name if display_name is not None else str(path)
    if text is None:
        text = _read_text(Path(path), name, max_bytes)
    else:
        _check_text_size(text, name, max_bytes)
    source = _Source.build(name, text.removeprefix("\ufeff"))
    return _Composer(source, max_depth).compose()


def _read_text(path: Path, name: str, max_bytes: int) -> str:
    """The file's text, refusing files over `max_bytes` and bytes that are not UTF-8 text."""
    with path.open("rb") as handle:
        data = handle.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise _too_large(name, data, max_bytes, os.fstat(handle.fileno()).st_size)
    return _decode(data, name)


def _check_text_size(text: str, name: str, max_bytes: int) -> None:
    """Apply the size limit to text given directly, counted in UTF-8 bytes."""
    data = text.encode("utf-8", "surrogatepass")
    if len(data) > max_bytes:
        raise _too_large(name, data, max_bytes, len(data))


def _too_large(name: str, data: bytes, max_bytes: int, size: int) -> LoadError:
    """E105, located at the line where the limit is passed."""
    line = data.count(b"\n", 0, max_bytes) + 1
    return _error(
        LoadCode.TOO_LARGE,
        f"file is too large: {size} bytes, the limit is {max_bytes} bytes",
        Location(name, line, 1),
        hint="split the rules into several files, or raise the size limit",
    )


_WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _decode(data: bytes, name: str) -> str:
    """Decode strict UTF-8, or raise E107 at the first byte that is not UTF-8 text."""
    if data.startswith(_WIDE_BOMS):
        raise _not_text(name, data, 0, "file is UTF-16 or UTF-32 text, not UTF-8")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        message = f"file is not UTF-8 text: byte 0x{data[exc.start]:02X} cannot be decoded"
        raise _not_text(name, data, exc.start, message) from exc
    if "\0" in text:
        offset = len(text[: text.index("\0")].encode())
        raise _not_text(name, data, offset, "file looks binary: it holds NUL bytes")
    return text


def _not_text(name: str, data: bytes, byte_offset: int, message: str) -> LoadError:
    """E107 at a byte offset of undecodable data."""
    index = len(data[:byte_offset].decode("utf-8", "replace"))
    source = _Source.build(name, data.decode("utf-8", "replace"))
    hint = "save the file as UTF-8 text (most editors offer this under 'Save as' or 'Encoding')"
    return _error(LoadCode.NOT_UTF8, message, source.location(index), hint=hint)


# --------------------------------------------------------------------------- composing


class _Loader(yaml.SafeLoader):
    """PyYAML's safe scanner and parser, remembering scalar tokens and block-scalar indentation."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.last_scalar: ScalarToken | None = None

    def get_token(self) -> object:
        """Hand the parser its next token, keeping the last scalar token for its start mark."""
        token = super().get_token()
        if isinstance(token, ScalarToken):
            self.last_scalar = token
        return token

    def scan_flow_scalar(self, style: str) -> ScalarToken:
        """Scan a quoted scalar, turning PyYAML's ValueError on a bad escape into a ScannerError."""
        start_mark = self.get_mark()
        try:
            return super().scan_flow_scalar(style)
        except ValueError as exc:  # chr() of an escape beyond U+10FFFF
            problem = "escape sequence beyond U+10FFFF"
            context = "while scanning a double-quoted scalar"
            raise ScannerError(context, start_mark, problem, self.get_mark()) from exc

    def scan_block_scalar(self, style: str) -> ScalarToken:
        """Scan a block scalar, noting the minimum indentation PyYAML used for it."""
        min_indent = max(self.indent + 1, 1)
        token = super().scan_block_scalar(style)
        token.min_indent = min_indent
        return token


@dataclass
class _Frame:
    """An open mapping or sequence while its events stream in."""

    node: YMap | YSeq
    key: YStr | None = None


class _Composer:
    """Builds YMap/YSeq/YStr nodes from the parser's events with an explicit stack."""

    def __init__(self, source: _Source, max_depth: int) -> None:
        self.source = source
        self.max_depth = max_depth
        self.loader: _Loader | None = None
        self.stack: list[_Frame] = []
        self.root: YNode | None = None
        self.documents = 0
        self.handlers: dict[type, Callable[[Any], None]] = {
            ScalarEvent: self._scalar,
            MappingStartEvent: self._mapping_start,
            SequenceStartEvent: self._sequence_start,
            MappingEndEvent: self._collection_end,
            SequenceEndEvent: self._collection_end,
            AliasEvent: self._alias,
            DocumentStartEvent: self._document_start,
            DocumentEndEvent: _ignore,
            StreamStartEvent: _ignore,
        }

    def compose(self) -> YNode | None:
        """Run the parser to the end of the stream and return the root node."""
        try:
            self.loader = _Loader(self.source.text)
            self._run(self.loader)
        except yaml.MarkedYAMLError as exc:
            raise _syntax_error(self.source, exc) from exc
        except ReaderError as exc:
            raise _reader_error(self.source, exc) from exc
        finally:
            if self.loader is not None:
                self.loader.dispose()
        return _empty_to_none(self.root)

    def _run(self, loader: _Loader) -> None:
        """Dispatch every event of the stream to its handler."""
        while True:
            event = loader.get_event()
            if isinstance(event, StreamEndEvent):
                return
            self.handlers[type(event)](event)

    def _loc(self, mark: yaml.Mark) -> Location:
        return self.source.location(mark.index)

    def _document_start(self, event: Event) -> None:
        self.documents += 1
        if self.documents > 1:
            raise _error(
                LoadCode.SYNTAX,
                "one YAML document per file expected",
                self._loc(event.start_mark),
                hint="put each document in a file of its own, or remove the '---' line",
            )

    def _alias(self, event: Event) -> None:
        raise _error(
            LoadCode.ALIAS,
            f"alias '*{event.anchor}' not allowed",
            self._loc(event.start_mark),
            hint=_ALIAS_HINT,
        )

    def _scalar(self, event: ScalarEvent) -> None:
        tag = self._check_node(event, _ANY_SCALAR_TAG)
        node = YStr(event.value, self._scalar_span(event), tag)
        if tag is not None and tag not in _STR_TAGS:
            _check_core_tag(node, tag, self._loc(event.start_mark))
        self._add(node)

    def _scalar_span(self, event: ScalarEvent) -> _Span:
        """The span of the scalar's token; an empty scalar has no token and an empty span."""
        token = self.loader.last_scalar if self.loader else None
        if token is None or token.end_mark is not event.end_mark:
            index = event.end_mark.index
            return _Span(self.source, index, index, None)
        indent = getattr(token, "min_indent", None)
        return _Span(self.source, token.start_mark.index, token.end_mark.index, token.style, indent)

    def _mapping_start(self, event: MappingStartEvent) -> None:
        self._check_node(event, frozenset({"!", "!!map"}))
        self._open(YMap(self._loc(event.start_mark)))

    def _sequence_start(self, event: SequenceStartEvent) -> None:
        self._check_node(event, frozenset({"!", "!!seq"}))
        self._open(YSeq(self._loc(event.start_mark)))

    def _open(self, node: YMap | YSeq) -> None:
        """Push a collection, refusing complex keys and nesting deeper than the limit."""
        top = self.stack[-1] if self.stack else None
        if top is not None and isinstance(top.node, YMap) and top.key is None:
            kind = "mapping" if isinstance(node, YMap) else "list"
            message = f"a {kind} cannot be a mapping key; keys must be plain strings"
            raise _error(LoadCode.SYNTAX, message, node.loc)
        if len(self.stack) >= self.max_depth:
            message = f"nesting too deep: more than {self.max_depth} levels"
            hint = "flatten the structure; rule files need only a few levels"
            raise _error(LoadCode.TOO_DEEP, message, node.loc, hint=hint)
        self.stack.append(_Frame(node))

    def _collection_end(self, event: Event) -> None:
        node = self.stack.pop().node
        node.end_loc = self._loc(event.end_mark)
        self._add(node)

    def _add(self, node: YNode) -> None:
        """Attach a finished node to the open collection, or make it the root."""
        if not self.stack:
            self.root = node
            return
        frame = self.stack[-1]
        if isinstance(frame.node, YSeq):
            frame.node.append(node)
        elif frame.key is None:
            frame.key = _checked_key(frame.node, node)
        else:
            frame.node[frame.key] = node
            frame.key = None

    def _check_node(self, event: NodeEvent, allowed: frozenset[str]) -> str | None:
        """Refuse anchors and tags outside `allowed`; return the short form of the tag."""
        if event.anchor is not None:
            message = f"anchor '&{event.anchor}' not allowed"
            raise _error(LoadCode.ALIAS, message, self._loc(event.start_mark), hint=_ALIAS_HINT)
        tag = _short_tag(event.tag)
        if tag is not None and tag not in allowed:
            raise _tag_error(tag, self._loc(event.start_mark))
        return tag


def _ignore(event: Event) -> None:
    """Events that need no action."""


def _empty_to_none(root: YNode | None) -> YNode | None:
    """An empty document (an empty plain scalar without tag) reads as None."""
    if isinstance(root, YStr) and root == "" and root.style is None and root.tag is None:
        return None
    return root


_ALIAS_HINT = (
    "anchors (&), aliases (*) and merge keys (<<) are not supported: write the content out, "
    "or use a macro for a shared pattern; quote a value that starts with '*' or '&'"
)


def _checked_key(mapping: YMap, key: YNode) -> YStr:
    """Record a new key, refusing merge keys and duplicates."""
    assert isinstance(key, YStr)  # collections as keys are refused when they open
    if key == "<<" and key.style is None and key.tag is None:
        raise _error(LoadCode.ALIAS, "merge key '<<' not allowed", key.loc, hint=_ALIAS_HINT)
    first = mapping._key_nodes.get(key)
    if first is not None:
        raise _duplicate_error(key, first)
    mapping._key_nodes[key] = key
    return key


def _duplicate_error(key: YStr, first: YStr) -> LoadError:
    """E102 at the second occurrence, naming the line of the first."""
    assert key.loc is not None and first.loc is not None
    return _error(
        LoadCode.DUPLICATE_KEY,
        f"duplicate key {str(key)!r} (first defined on line {first.loc.line})",
        key.loc,
        hint="each key may appear once in a mapping; merge the two entries or rename one",
        notes=[f"first defined at {first.loc}"],
    )


def _short_tag(tag: str | None) -> str | None:
    """`tag:yaml.org,2002:int` as `!!int`; other tags unchanged."""
    if tag is not None and tag.startswith(_CORE_PREFIX):
        return "!!" + tag[len(_CORE_PREFIX) :]
    return tag


def _tag_error(tag: str, loc: Location) -> LoadError:
    """E106 for a tag outside the core schema, or a core tag on the wrong kind of node."""
    if tag.startswith("!!") and tag not in _SCALAR_TAGS | {"!!map", "!!seq"}:
        hint = "rule files hold plain data only; remove the tag"
    elif tag.startswith("!!"):
        hint = f"{tag} does not fit this kind of node; remove the tag"
    else:
        hint = "a value starting with '!' is read as a YAML tag; quote the value, e.g. \"!x ...\""
    return _error(LoadCode.TAG, f"tag {tag} not allowed", loc, hint=hint)


def _check_core_tag(node: YStr, tag: str, loc: Location) -> None:
    """A scalar with an explicit !!int, !!float, !!bool or !!null tag must be such a value."""
    try:
        _coerce_to_tag(tag, core_value(node))
    except ValueError as exc:
        raise _error(LoadCode.TAG, f"value {str(node)!r} is not a valid {tag}", loc) from exc


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
        lambda p: "unknown escape" in p.problem,
        "in double quotes a backslash starts an escape: use single quotes for regular "
        "expressions (e.g. '\\d+'), or write the backslash twice",
    ),
    _HintRule(
        lambda p: "'@'" in p.problem or "'`'" in p.problem,
        "'@' and '`' cannot start a plain YAML value; quote the value, e.g. \"@MACRO ...\"",
    ),
    _HintRule(
        lambda p: "scanning a tag" in p.context,
        "a value starting with '!' is read as a YAML tag; quote the value, e.g. \"!(no|not) ...\"",
    ),
    _HintRule(
        lambda p: "an alias" in p.context or "an anchor" in p.context,
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
        lambda p: "mapping values are not allowed" in p.problem,
        "a plain value cannot contain ': ' (colon and space): quote the value; "
        "or check the indentation of this line",
    ),
    _HintRule(
        lambda p: "sequence entries are not allowed" in p.problem,
        "a list item '-' starts its own line, indented under its key",
    ),
    _HintRule(
        lambda p: "could not find expected ':'" in p.problem,
        "each line of a mapping needs 'key: value'; a value that goes on over several lines "
        "must be indented or quoted",
    ),
    _HintRule(
        lambda p: "expected <block end>" in p.problem,
        "check the indentation: the keys of one mapping and the items of one list must start "
        "in the same column",
    ),
    _HintRule(
        lambda p: "expected ',' or" in p.problem,
        "unbalanced brackets: a '[' or '{' is never closed; quote the value if it is a pattern",
    ),
)


def _find_hint(problem: _Problem) -> str | None:
    """The hint of the first rule that applies, if any."""
    return next((rule.hint for rule in _HINT_RULES if rule.applies(problem)), None)


def _syntax_error(source: _Source, exc: yaml.MarkedYAMLError) -> LoadError:
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
    return _error(LoadCode.SYNTAX, message, loc, hint=_find_hint(facts), notes=notes)


def _reader_error(source: _Source, exc: ReaderError) -> LoadError:
    """E107 for a control character or lone surrogate that YAML does not allow in text."""
    loc = source.location(exc.position)
    message = f"character U+{exc.character:04X} is not allowed in YAML text"
    hint = "the file looks binary or holds control characters; save it as plain UTF-8 text"
    return _error(LoadCode.NOT_UTF8, message, loc, hint=hint)


# --------------------------------------------------------------------------- value offsets
#
# Each function below re-scans the raw text of one scalar with PyYAML's own rules and returns
# the value's characters paired with the source index each one comes from: a literal character
# maps to itself, an escape to its backslash, a folded line break to the break in the source.


_Chars = list[tuple[str, int]]
_ESCAPES = Scanner.ESCAPE_REPLACEMENTS
_ESCAPE_CODES = Scanner.ESCAPE_CODES


def _scan_scalar(span: _Span) -> tuple[_Chars, int]:
    """The value's characters with their source indexes, and the index of the value's end."""
    text, start = span.source.text, span.start
    if span.start == span.end:
        return [], start
    if span.style in ("'", '"'):
        return _quoted_chars(text, start, span.style == '"')
    if span.style in ("|", ">"):
        cursor = _Cursor(text, start, start - span.source.line_starts[span.source.line_of(start)])
        return _block_chars(cursor, span.style == ">", span.min_indent or 1)
    return _plain_chars(text, start, span.end), span.end


def _break_at(text: str, index: int) -> tuple[str, int]:
    """The normalized line break at `index` and the index after it."""
    ch = text[index]
    if ch in "\u2028\u2029":
        return ch, index + 1
    return "\n", index + (2 if text.startswith("\r\n", index) else 1)


def _fold(first: tuple[str, int], rest: _Chars) -> _Chars:
    """Line folding: one break becomes a space, each further break stays a newline."""
    if first[0] != "\n":
        return [first, *rest]
    return rest if rest else [(" ", first[1])]


def _plain_chars(text: str, start: int, end: int) -> _Chars:
    """A plain scalar: words and in-line spaces are literal, line breaks fold."""
    out: _Chars = []
    index = start
    while index < end:
        if text[index] == " " or text[index] in BREAKS:
            index = _plain_gap(text, index, end, out)
        else:
            out.append((text[index], index))
            index += 1
    return out


def _plain_gap(text: str, index: int, end: int, out: _Chars) -> int:
    """White space between two words of a plain scalar; returns the index after it."""
    start, breaks = index, []
    while index < end and (text[index] == " " or text[index] in BREAKS):
        if text[index] == " ":
            index += 1
            continue
        ch, after = _break_at(text, index)
        breaks.append((ch, index))
        index = after
    if breaks:
        out.extend(_fold(breaks[0], breaks[1:]))
    else:
        out.extend((" ", k) for k in range(start, index))
    return index


def _quoted_chars(text: str, start: int, double: bool) -> tuple[_Chars, int]:
    """A quoted scalar; returns its characters and the index of the closing quote."""
    out: _Chars = []
    index = start + 1
    while True:
        ch = text[index]
        if ch == "'" and not double:
            if not text.startswith("''", index):
                return out, index
            out.append(("'", index))
            index += 2
        elif ch == '"' and double:
            return out, index
        elif ch == "\\" and double:
            index = _escape(text, index, out)
        elif ch in " \t" or ch in BREAKS:
            index = _quoted_gap(text, index, out)
        else:
            out.append((ch, index))
            index += 1


def _escape(text: str, index: int, out: _Chars) -> int:
    """A backslash escape of a double-quoted scalar, mapped to its backslash."""
    code = text[index + 1]
    if code in _ESCAPES:
        out.append((_ESCAPES[code], index))
        return index + 2
    if code in _ESCAPE_CODES:
        digits = text[index + 2 : index + 2 + _ESCAPE_CODES[code]]
        out.append((chr(int(digits, 16)), index))
        return index + 2 + len(digits)
    _, after = _break_at(text, index + 1)  # an escaped line break joins the lines
    return _quoted_breaks(text, after, out)


def _quoted_breaks(text: str, index: int, out: _Chars) -> int:
    """Skip indentation and keep each further line break; returns the index after them."""
    while True:
        while text[index] in " \t":
            index += 1
        if text[index] not in BREAKS:
            return index
        ch, after = _break_at(text, index)
        out.append((ch, index))
        index = after


def _quoted_gap(text: str, index: int, out: _Chars) -> int:
    """White space inside a quoted scalar: literal within a line, folded across lines."""
    start = index
    while text[index] in " \t":
        index += 1
    if text[index] not in BREAKS:
        out.extend((text[k], k) for k in range(start, index))
        return index
    first_at = index
    ch, after = _break_at(text, index)
    rest: _Chars = []
    index = _quoted_breaks(text, after, rest)
    out.extend(_fold((ch, first_at), rest))
    return index


class _Cursor:
    """A read position that counts columns the way PyYAML's reader does."""

    def __init__(self, text: str, index: int, column: int) -> None:
        self.text = text
        self.index = index
        self.column = column

    def peek(self, ahead: int = 0) -> str:
        where = self.index + ahead
        return self.text[where] if where < len(self.text) else "\0"

    def forward(self, length: int = 1) -> None:
        for _ in range(length):
            ch = self.text[self.index]
            self.index += 1
            if ch in "\n\x85\u2028\u2029" or (ch == "\r" and self.peek() != "\n"):
                self.column = 0
            elif ch != "\ufeff":
                self.column += 1

    def line_break(self) -> tuple[str, int] | None:
        """Consume one line break; return it normalized with its index, or None if none."""
        if self.peek() not in BREAKS:
            return None
        index = self.index
        ch, after = _break_at(self.text, index)
        self.forward(after - index)
        return ch, index


def _block_chars(cur: _Cursor, folded: bool, min_indent: int) -> tuple[_Chars, int]:
    """A literal or folded block scalar, following PyYAML's scan_block_scalar."""
    cur.forward()
    chomping, increment = _block_header(cur)
    if increment is None:
        breaks, max_indent = _block_indentation(cur)
        indent = max(min_indent, max_indent)
    else:
        indent = min_indent + increment - 1
        breaks = _block_breaks(cur, indent)
    out: _Chars = []
    line_break, start = None, cur.index
    while cur.column == indent and cur.peek() != "\0":
        out.extend(breaks)
        leading_non_space = cur.peek() not in " \t"
        while cur.peek() not in "\0" + BREAKS:
            out.append((cur.peek(), cur.index))
            cur.forward()
        line_break = cur.line_break()
        breaks = _block_breaks(cur, indent)
        if cur.column != indent or cur.peek() == "\0":
            break
        out.extend(_block_join(line_break, breaks, folded and leading_non_space, cur))
    out += _chomp(chomping, line_break, breaks)
    return out, _block_end(cur.text, out, start)


def _block_end(text: str, out: _Chars, start: int) -> int:
    """Where a block scalar's value ends: after its last character, or at its last line break."""
    if not out:
        return start
    last = out[-1][1]
    return last if text[last] in BREAKS else last + 1


def _block_join(
    line_break: tuple[str, int] | None, breaks: _Chars, folding: bool, cur: _Cursor
) -> _Chars:
    """What joins two lines of a block scalar: the line break, or a space when folding."""
    assert line_break is not None
    if folding and line_break[0] == "\n" and cur.peek() not in " \t":
        return [] if breaks else [(" ", line_break[1])]
    return [line_break]


def _chomp(chomping: bool | None, line_break: tuple[str, int] | None, breaks: _Chars) -> _Chars:
    """The tail of a block scalar: strip (-), clip (default) or keep (+)."""
    tail: _Chars = []
    if chomping is not False and line_break is not None:
        tail.append(line_break)
    if chomping is True:
        tail.extend(breaks)
    return tail


def _block_header(cur: _Cursor) -> tuple[bool | None, int | None]:
    """Chomping and indentation indicators, then the rest of the header line."""
    chomping, increment = None, None
    for _ in range(2):
        ch = cur.peek()
        if ch in "+-" and chomping is None:
            chomping = ch == "+"
        elif ch in "123456789" and increment is None:
            increment = int(ch)
        else:
            break
        cur.forward()
    while cur.peek() not in "\0" + BREAKS:
        cur.forward()
    cur.line_break()
    return chomping, increment


def _block_indentation(cur: _Cursor) -> tuple[_Chars, int]:
    """Leading empty lines and the indentation of the first content line."""
    breaks: _Chars = []
    max_indent = 0
    while cur.peek() in " " + BREAKS:
        if cur.peek() != " ":
            item = cur.line_break()
            assert item is not None
            breaks.append(item)
        else:
            cur.forward()
            max_indent = max(max_indent, cur.column)
    return breaks, max_indent


def _block_breaks(cur: _Cursor, indent: int) -> _Chars:
    """Empty lines inside a block scalar, skipping indentation up to `indent`."""
    breaks: _Chars = []
    while cur.column < indent and cur.peek() == " ":
        cur.forward()
    while cur.peek() in BREAKS:
        item = cur.line_break()
        assert item is not None
        breaks.append(item)
        while cur.column < indent and cur.peek() == " ":
            cur.forward()
    return breaks
