"""Map positions in a YAML file to Locations: a character index, or an offset inside a scalar's
value, goes in; the file, line and column it was written at comes out (stage: load).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from yaml.scanner import Scanner

from engine.errors import Location

__all__ = ["BREAKS", "ScalarSpan", "SourceText", "value_index_map"]

BREAKS = "\r\n\x85\u2028\u2029"
_BREAK_RE = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


@dataclass(frozen=True, eq=False)
class SourceText:
    """The text of one file with its line starts, turning character indexes into Locations."""

    name: str
    text: str
    line_starts: tuple[int, ...]

    @classmethod
    def build(cls, name: str, text: str) -> SourceText:
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
class ScalarSpan:
    """Where a scalar token is written: its style, its raw extent and its block indentation."""

    source: SourceText
    start: int
    end: int
    style: str | None
    min_indent: int | None = None


def value_index_map(span: ScalarSpan, value: str) -> list[int]:
    """Source index of each character of `value`, plus one for the end of the value.

    When the re-scan of the scalar's text does not give `value` back, every offset maps to the
    start of the scalar token.
    """
    chars, end = _scan_scalar(span)
    if "".join(ch for ch, _ in chars) != value:
        return [span.start] * (len(value) + 1)
    return [index for _, index in chars] + [end]


# --------------------------------------------------------------------------- value offsets
#
# Each function below re-scans the raw text of one scalar with PyYAML's own rules and returns
# the value's characters paired with the source index each one comes from: a literal character
# maps to itself, an escape to its backslash, a folded line break to the break in the source.


_Chars = list[tuple[str, int]]
_ESCAPES = Scanner.ESCAPE_REPLACEMENTS
_ESCAPE_CODES = Scanner.ESCAPE_CODES


def _scan_scalar(span: ScalarSpan) -> tuple[_Chars, int]:
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
