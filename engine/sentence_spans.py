"""Sentence spans straight from raw text: the splitter of `engine.sentences`, tokenizing little.

`sentence_spans(text)` equals `[(s.start, s.end) for s in split_sentences(text, tokenize(text))]`
for every text, but tokenizes only small windows around the places where a sentence may break:

* **Terminal punctuation.** One regex pass finds each stop (`.` `?` `!` `…` ...) and, when it
  holds, the plainest case after it. The plainest chunks, an ASCII word, number or dotted
  acronym (perhaps behind a hyphen) and a stop, followed by an ASCII word or number (`killed.
  The`, `2017." He`, `al-Assad. The`, `U.N. In`), are decided from their text by
  `plain_stop_breaks`, when the white space and marks around them are common ones; a chunk that
  is one number (`3.5`) holds no stop token. Any other chunk holding a stop is tokenized with the
  following chunks up to the first that opens with a word or number (at most four): all that the
  splitter reads around a stop (glued runs, dotted acronyms and initials behind it, the first
  word ahead of it), and decided by `terminal_breaks`.
* **Line layout.** Runs of white space holding line breaks are found in the raw text, which gives
  the lines, their widths and the paragraphs. A paragraph break always breaks. In a paragraph
  mostly made of wide lines (news paragraphs one per line) each single line break is decided by
  `breaks_between_lines` on a window holding the line before it when narrow enough to be a
  headline, the line after it when narrow enough to be a dateline, and the words ahead. A
  paragraph mostly made of narrow lines (hard-wrapped text, lists) is tokenized whole, with the
  words ahead, and split by `sentence_starts`, since deciding its breaks reads all its lines.
* **Dense text.** A text with a stop or line break every few characters is tokenized whole.

Windows are cut only at white space, so their tokens are exactly the document's tokens there,
and every decision is made by the functions of `engine.sentences` on those tokens.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from itertools import pairwise

import regex

from engine.sentences import (
    DATELINE_WIDTH,
    HEADLINE_WIDTH,
    TERMINALS,
    Line,
    breaks_between_lines,
    line_break_weight,
    plain_stop_breaks,
    sentence_starts,
    split_sentences,
    terminal_breaks,
)
from engine.text import Token, tokenize

__all__ = ["sentence_spans"]

# Characters never inside a token (white space, controls, format characters but the soft hyphen,
# which may join a word): a window cut next to one keeps every token whole. A chunk is a maximal
# run of the other characters.
_CUT = r"[[\s\p{Z}\p{Cc}\p{Cf}]--[\xad]]"
_CHUNK_CHAR = r"[[^\s\p{Z}\p{Cc}\p{Cf}]\xad]"
# Characters that no token starts or ends with: the above and the soft hyphen.
_GAP_CHAR = r"[\s\p{Z}\p{Cc}\p{Cf}]"
# The first character of a token that is punctuation (not a word or number).
_PUNCT_START = r"[[^\p{L}\p{M}\p{N}_]\u02b9-\u02bf]"

# Text with a stop or line break every few characters is split faster by tokenizing it all.
_EVENTS = "".join(sorted(TERMINALS)) + "\n\r"
_DENSE = 16

_V1 = regex.V1
# Plain character sets scan faster with `re`.
_LINE_BREAK_CHARS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
_LINE_BREAK_CHAR_RE = re.compile(f"[{_LINE_BREAK_CHARS}]")
_CHUNK_FORWARD = regex.compile(rf"{_CHUNK_CHAR}*+", _V1)
_CHUNK_BACK = regex.compile(rf"{_CHUNK_CHAR}*", _V1 | regex.REVERSE)
_GAP_FORWARD = regex.compile(rf"{_GAP_CHAR}*+", _V1)
_GAP_BACK = regex.compile(rf"{_GAP_CHAR}*", _V1 | regex.REVERSE)
# From the end of a chunk: the next chunks, up to one opening with a word or number, at most four.
_LOOKAHEAD = regex.compile(
    rf"(?: {_GAP_CHAR}++ (?={_PUNCT_START}) {_CHUNK_CHAR}++ ){{0,3}}"
    rf"(?: {_GAP_CHAR}++ {_CHUNK_CHAR}++ )?",
    _V1 | regex.VERBOSE,
)
# A chunk that is one number, perhaps with a mark after it: it holds no stop token.
_NUMBER_CHUNK = regex.compile(r"[0-9]++(?:[.,:][0-9]++)++[,;:%)]?+")
# The plain case (see `plain_stop_breaks`) where white space and marks are the common ones: at
# a stop `.` `?` `!` (a period may end a dotted acronym: `U.N.`), a closing mark or none, then a
# plain word or number behind an opening mark or none, or nothing but white space. A plain word
# does not go on into a letter, mark, number, `_` or soft hyphen, nor a number into `.` `,` `:`.
_PLAIN_GAP = r"[\x00-\x20\x7f\xa0]"
_COMMON_MARKS = r"\xa0\u2013\u2014\u2018\u2019\u201c\u201d\u2026"
_WORD_END = rf"(?= [\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f{_COMMON_MARKS}] | \Z )"
_NUMBER_END = rf"(?= [\x00-\x2b\x2d\x2f\x3b-\x40\x5b-\x5e\x60\x7b-\x7f{_COMMON_MARKS}] | \Z )"
_PLAIN_NEXT = rf"[A-Za-z]++ {_WORD_END} | [0-9]++ {_NUMBER_END}"
# Every stop, in one pass of `re`; group `close` is set when the plain case follows the stop.
_STOP_RE = re.compile(
    rf"""[{re.escape("".join(sorted(TERMINALS)))}]
    (?: (?<=[.?!]) (?: (?<=\.) (?:[A-Za-z]\.)++ )? (?P<close>[\"')\]]?+)
        (?: {_PLAIN_GAP}++ (?P<open>[\"'(\[]?+) (?P<next>{_PLAIN_NEXT}) | {_PLAIN_GAP}*+ \Z ) )?""",
    re.VERBOSE,
)
# Single letters joined by periods, a dotted acronym.
_DOTTED = re.compile(r"[A-Za-z](?:\.[A-Za-z])++")


@dataclass(frozen=True, slots=True)
class _Gap:
    """White space between two tokens that holds line breaks: its span and the breaks' weight."""

    start: int
    end: int
    weight: int

    @property
    def is_paragraph(self) -> bool:
        return self.weight > 1


@dataclass(frozen=True, slots=True)
class _LineSpan:
    """A line of the raw text: from its first token's start to its last token's end."""

    start: int
    end: int

    @property
    def width(self) -> int:
        return self.end - self.start


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) spans of the sentences of `text`, as `split_sentences` finds them."""
    if _DENSE * sum(map(text.count, _EVENTS)) > len(text):
        return [(s.start, s.end) for s in split_sentences(text, tokenize(text))]
    return _windowed_spans(text)


def _windowed_spans(text: str) -> list[tuple[int, int]]:
    """The spans of `sentence_spans`, tokenizing only windows of the text."""
    first = _GAP_FORWARD.match(text).end()
    last = _GAP_BACK.match(text, first).start()
    if first >= last:
        return []
    gaps = _line_gaps(text, first, last)
    line_starts = {first, *(gap.end for gap in gaps)}
    starts = {first, *(gap.end for gap in gaps if gap.is_paragraph)}
    for lines in _paragraphs(_lines(first, last, gaps), gaps):
        starts |= _paragraph_starts(text, lines, line_starts)
    return _spans(text, sorted(starts), last)


def _spans(text: str, starts: list[int], last: int) -> list[tuple[int, int]]:
    """Sentence spans from sorted sentence starts: each ends at the last token before the next."""
    ends = [_end_before(text, start) for start in starts[1:]]
    return list(zip(starts, [*ends, last], strict=True))


def _end_before(text: str, start: int) -> int:
    """The end of the last token before offset `start`, which is behind a token.

    Mostly one space follows the token, which is cheaper to see than to search for.
    """
    if text[start - 1] == " " and "!" <= text[start - 2] <= "~":
        return start - 1
    return _GAP_BACK.match(text, 0, start).start()


# --- layout --------------------------------------------------------------------------------


def _line_gaps(text: str, first: int, last: int) -> list[_Gap]:
    """The runs of white space holding line breaks between the first and the last token."""
    gaps: list[_Gap] = []
    if not any(map(text.__contains__, _LINE_BREAK_CHARS)):
        return gaps  # a quick look for one line at all, as searching them is slower
    pos = first
    while found := _LINE_BREAK_CHAR_RE.search(text, pos, last):
        start = _GAP_BACK.match(text, pos, found.start()).start()
        pos = _GAP_FORWARD.match(text, found.start()).end()
        gaps.append(_Gap(start, pos, line_break_weight(text, start, pos)))
    return gaps


def _lines(first: int, last: int, gaps: list[_Gap]) -> list[_LineSpan]:
    """The lines between the line-breaking gaps."""
    starts = [first, *(gap.end for gap in gaps)]
    ends = [*(gap.start for gap in gaps), last]
    return [_LineSpan(start, end) for start, end in zip(starts, ends, strict=True)]


def _paragraphs(lines: list[_LineSpan], gaps: list[_Gap]) -> list[list[_LineSpan]]:
    """The lines grouped into paragraphs."""
    paragraphs = [[lines[0]]]
    for line, gap in zip(lines[1:], gaps, strict=True):
        if gap.is_paragraph:
            paragraphs.append([line])
        else:
            paragraphs[-1].append(line)
    return paragraphs


def _paragraph_starts(text: str, lines: list[_LineSpan], line_starts: set[int]) -> set[int]:
    """Sentence starts inside a paragraph, its first token aside.

    A paragraph mostly made of narrow lines is tokenized whole, as deciding its line breaks
    would tokenize those lines anyway; otherwise its stops and line breaks are decided apart.
    """
    start, end = lines[0].start, lines[-1].end
    if len(lines) > 1 and _mostly_narrow(lines):
        return _tokenized_starts(text, start, end)
    width = max(line.width for line in lines)
    starts = _stop_starts(text, start, end, line_starts)
    return starts | {b.start for a, b in pairwise(lines) if _breaks_at(text, a, b, width)}


def _mostly_narrow(lines: list[_LineSpan]) -> bool:
    """Whether most of the text of the lines is in lines that may be headlines."""
    narrow = sum(line.width for line in lines if line.width <= HEADLINE_WIDTH)
    return 2 * narrow > sum(line.width for line in lines)


def _tokenized_starts(text: str, start: int, end: int) -> set[int]:
    """Sentence starts in `text[start:end]`, which opens a line, by the token-based splitter."""
    tokens = tokenize(text, start, _LOOKAHEAD.match(text, end).end())
    stop = bisect_left(tokens, end, key=_token_start)
    return {tokens[k].start for k in sentence_starts(text, tokens) if k < stop}


def _breaks_at(text: str, before: _LineSpan, after: _LineSpan, width: int) -> bool:
    """Whether a single line break between two lines of a paragraph starts a sentence.

    The window holds the line before only when it may be a headline, the line after wholly only
    when it may be a dateline, else its first chunks: all that `breaks_between_lines` reads.
    """
    start = after.start if before.width > HEADLINE_WIDTH else before.start
    ahead = _LOOKAHEAD.match(text, _CHUNK_FORWARD.match(text, after.start).end()).end()
    end = max(ahead, after.end) if after.width <= DATELINE_WIDTH else ahead
    tokens = tokenize(text, start, end)
    split = bisect_left(tokens, after.start, key=_token_start)
    stop = bisect_left(tokens, after.end, key=_token_start)
    line_before = Line(0, split, before.start, before.end, width)
    line_after = Line(split, stop, after.start, after.end, width)
    return breaks_between_lines(text, tokens, line_before, line_after)


# --- terminal punctuation ------------------------------------------------------------------


def _stop_starts(text: str, start: int, end: int, line_starts: set[int]) -> set[int]:
    """Offsets of the tokens that start a sentence because of the stops in `text[start:end]`."""
    starts: set[int] = set()
    pos = start
    for stop in _STOP_RE.finditer(text, start):
        at = stop.start()
        if at >= end:
            break
        if at < pos:
            continue  # in a chunk already decided
        word_start = _plain_word_start(text, pos, stop)
        if word_start < 0:
            chunk_start = _CHUNK_BACK.match(text, pos, at).start()
            pos = _CHUNK_FORWARD.match(text, at + 1).end()
            starts |= _chunk_starts(text, chunk_start, pos, line_starts)
        else:
            pos = stop.end("close")
            if _plain_breaks(text, stop, word_start, line_starts):
                starts.add(stop.start("open"))
    return starts


def _plain_word_start(text: str, pos: int, stop: re.Match) -> int:
    """Where the plain word or number before a plain stop starts, or -1 if the case is not plain.

    The word is all of its chunk, or what follows a hyphen in it (`al-Assad.` `mid-2012.`),
    which the splitter reads the same way. Its chunk starts at `pos` or after a space (a chunk
    starting after other white space is left to the tokens).
    """
    if stop["close"] is None:
        return -1
    at = stop.start()
    start = max(text.rfind(" ", pos, at), text.rfind("-", pos, at)) + 1 or pos
    word = text[start : stop.start("close") - 1]
    plain = word.isascii() and (word.isalpha() or word.isdigit() or _DOTTED.fullmatch(word))
    return start if plain else -1


def _plain_breaks(text: str, stop: re.Match, word_start: int, line_starts: set[int]) -> bool:
    """Whether a plain stop starts a sentence, decided without tokens."""
    next_word = stop["next"]
    if next_word is None:
        return False
    run_start = stop.start("close") - 1
    word, run = text[word_start:run_start], text[run_start : stop.end("close")]
    opened, line_first = stop["open"] != "", word_start in line_starts
    return plain_stop_breaks(word, run, next_word, opened=opened, line_first=line_first)


def _chunk_starts(text: str, start: int, end: int, line_starts: set[int]) -> set[int]:
    """Sentence starts after the stops of chunk `text[start:end]`, but for a plain one."""
    if _NUMBER_CHUNK.fullmatch(text, start, end):
        return set()
    return _window_starts(text, start, end, line_starts)


def _window_starts(text: str, start: int, end: int, line_starts: set[int]) -> set[int]:
    """Sentence starts after the stops of a chunk, from a window of tokens around it."""
    tokens = tokenize(text, start, _LOOKAHEAD.match(text, end).end())
    stop = bisect_left(tokens, end, key=_token_start)
    line_firsts = {0} if tokens[0].start in line_starts else set()
    return {tokens[k].start for k in terminal_breaks(tokens, line_firsts, stop)}


def _token_start(token: Token) -> int:
    """The start of a token, a sort key for `bisect`."""
    return token.start
