"""Read one YAML rule file safely into located nodes: strings, mappings and sequences (stage: load).

The reader builds on PyYAML's safe scanner and parser but composes the nodes itself from the
event stream, without recursion and without constructing any Python object from a tag. Every
scalar comes back as a `YStr` that knows where it is written; `YStr.typed()` applies the YAML 1.2
core schema when the caller wants a number, a boolean or null, so `country: NO` stays "NO".
Anchors, aliases, merge keys, duplicate keys, non-core tags, deep nesting, huge files and
non-UTF-8 files are errors (`LoadError`, codes E101-E107) located at file:line:column.
"""

from __future__ import annotations

import codecs
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
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
from yaml.scanner import ScannerError
from yaml.tokens import ScalarToken

from engine.errors import LoadError, Location
from engine.yaml_errors import LoadCode, load_error, reader_error, syntax_error
from engine.yaml_offsets import ScalarSpan, SourceText, value_index_map

__all__ = ["LoadCode", "YMap", "YNode", "YSeq", "YStr", "core_value", "read_yaml"]

_CORE_PREFIX = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset({"!!str", "!!int", "!!float", "!!bool", "!!null"})
_STR_TAGS = frozenset({"!", "!!str"})
_ANY_SCALAR_TAG = _SCALAR_TAGS | _STR_TAGS


# --------------------------------------------------------------------------- node classes


class YStr(str):
    """A YAML scalar: always a string, with its location, style and explicit core tag if any."""

    style: str | None
    tag: str | None
    _span: ScalarSpan | None

    def __new__(
        cls, value: str = "", span: ScalarSpan | None = None, tag: str | None = None
    ) -> YStr:
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
        assert self._span is not None
        return value_index_map(self._span, self)


class _Located:
    """Where a collection is written: `loc` at its start, `end_loc` just after it once read."""

    loc: Location | None
    end_loc: Location | None

    def __init__(self, loc: Location | None = None) -> None:
        super().__init__()
        self.loc = loc
        self.end_loc = None


class YMap(_Located, dict):
    """A YAML mapping whose keys are `YStr`, with the location of the mapping and of each key."""

    def __init__(self, loc: Location | None = None) -> None:
        super().__init__(loc)
        self._key_nodes: dict[str, YStr] = {}

    def key_loc(self, key: str) -> Location | None:
        """Location of `key` as written in the file (KeyError when absent)."""
        return self._key_nodes[key].loc

    def key_node(self, key: str) -> YStr:
        """The `YStr` of `key` as written in the file (KeyError when absent)."""
        return self._key_nodes[key]


class YSeq(_Located, list):
    """A YAML sequence with its location."""


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
    source = SourceText.build(name, text.removeprefix("\ufeff"))
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
    return load_error(
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
    source = SourceText.build(name, data.decode("utf-8", "replace"))
    hint = "save the file as UTF-8 text (most editors offer this under 'Save as' or 'Encoding')"
    return load_error(LoadCode.NOT_UTF8, message, source.location(index), hint=hint)


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

    def __init__(self, source: SourceText, max_depth: int) -> None:
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
            raise syntax_error(self.source, exc) from exc
        except ReaderError as exc:
            raise reader_error(self.source, exc) from exc
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
            raise load_error(
                LoadCode.SYNTAX,
                "one YAML document per file expected",
                self._loc(event.start_mark),
                hint="put each document in a file of its own, or remove the '---' line",
            )

    def _alias(self, event: Event) -> None:
        raise load_error(
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

    def _scalar_span(self, event: ScalarEvent) -> ScalarSpan:
        """The span of the scalar's token; an empty scalar has no token and an empty span."""
        token = self.loader.last_scalar if self.loader else None
        if token is None or token.end_mark is not event.end_mark:
            index = event.end_mark.index
            return ScalarSpan(self.source, index, index, None)
        indent = getattr(token, "min_indent", None)
        start, end = token.start_mark.index, token.end_mark.index
        return ScalarSpan(self.source, start, end, token.style, indent)

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
            raise load_error(LoadCode.SYNTAX, message, node.loc)
        if len(self.stack) >= self.max_depth:
            message = f"nesting too deep: more than {self.max_depth} levels"
            hint = "flatten the structure; rule files need only a few levels"
            raise load_error(LoadCode.TOO_DEEP, message, node.loc, hint=hint)
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
            raise load_error(LoadCode.ALIAS, message, self._loc(event.start_mark), hint=_ALIAS_HINT)
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
        raise load_error(LoadCode.ALIAS, "merge key '<<' not allowed", key.loc, hint=_ALIAS_HINT)
    first = mapping._key_nodes.get(key)
    if first is not None:
        raise _duplicate_error(key, first)
    mapping._key_nodes[key] = key
    return key


def _duplicate_error(key: YStr, first: YStr) -> LoadError:
    """E102 at the second occurrence, naming the line of the first."""
    assert key.loc is not None and first.loc is not None
    return load_error(
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
    return load_error(LoadCode.TAG, f"tag {tag} not allowed", loc, hint=hint)


def _check_core_tag(node: YStr, tag: str, loc: Location) -> None:
    """A scalar with an explicit !!int, !!float, !!bool or !!null tag must be such a value."""
    try:
        _coerce_to_tag(tag, core_value(node))
    except ValueError as exc:
        raise load_error(LoadCode.TAG, f"value {str(node)!r} is not a valid {tag}", loc) from exc


def plain(value: Any) -> Any:
    """A YAML node as plain data (dicts, lists), scalars typed by the core schema; a string
    stays a `YStr`, which knows where it came from."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, YStr):
        return value.typed()
    return value
