"""Sentence spans straight from raw text: the splitter of `engine.sentences`, tokenizing little.

`sentence_spans(text)` equals `[(s.start, s.end) for s in split_sentences(text, tokenize(text))]`
for every text, but tokenizes only small windows around the places where a sentence may break:

* **Terminal punctuation.** A regex finds each white-space-free chunk holding a stop (`.` `?`
  `!` `…` ...). The plainest chunks, an ASCII word or number and a stop followed by an ASCII
  word or number (`killed. The`, `2017." He`), are decided from their text by
  `plain_stop_breaks`; a chunk that is one number (`3.5`) holds no stop token. Any other chunk is
  tokenized with the following chunks up to the first that opens with a word or number (at most
  four): all that the splitter reads around a stop (glued runs, dotted acronyms and initials
  behind it, the first word ahead of it), and decided by `terminal_breaks`.
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
_STOP_RE = re.compile("[" + re.escape("".join(sorted(TERMINALS))) + "]")
_LINE_BREAK_CHAR_RE = re.compile("[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
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
# At the first stop of a chunk, the plainest case (see `plain_stop_breaks`): the chunk is an ASCII
# word or number and the stop run; then a plain word or number, perhaps behind an opening mark,
# or nothing but white space.
_PLAIN_WORD = (
    r"[A-Za-z]++ (?![\p{L}\p{M}\p{N}_\xad])"
    r"| [0-9]++ (?![\p{L}\p{M}\p{N}_\xad.,:\u066b\u066c])"
)
_PLAIN = regex.compile(
    rf"""(?<= (?<!{_CHUNK_CHAR}) (?P<word>[A-Za-z]++|[0-9]++) )
    (?P<run>[.?!][\"')\]]?+) (?!{_CHUNK_CHAR})
    (?: {_GAP_CHAR}++ (?P<open>[\"'(\[]?+) (?P<next>{_PLAIN_WORD}) | {_GAP_CHAR}*+ \Z )""",
    _V1 | regex.VERBOSE,
)


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
    ends = [_GAP_BACK.match(text, 0, start).start() for start in starts[1:]]
    return list(zip(starts, [*ends, last], strict=True))


# --- layout --------------------------------------------------------------------------------


def _line_gaps(text: str, first: int, last: int) -> list[_Gap]:
    """The runs of white space holding line breaks between the first and the last token."""
    gaps: list[_Gap] = []
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
    while stop := _STOP_RE.search(text, pos, end):
        if plain := _PLAIN.match(text, stop.start()):
            pos = plain.end("run")
            starts |= _plain_starts(plain, line_starts)
        else:
            chunk_start = _CHUNK_BACK.match(text, pos, stop.start()).start()
            pos = _CHUNK_FORWARD.match(text, stop.end()).end()
            starts |= _chunk_starts(text, chunk_start, pos, line_starts)
    return starts


def _plain_starts(plain: regex.Match, line_starts: set[int]) -> set[int]:
    """The sentence start after a plain chunk, if any, decided without tokens."""
    word, next_word = plain["word"], plain["next"]
    if next_word is None:
        return set()
    opened, line_first = bool(plain["open"]), plain.start("word") in line_starts
    if plain_stop_breaks(word, plain["run"], next_word, opened=opened, line_first=line_first):
        return {plain.start("open")}
    return set()


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
