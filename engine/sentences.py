"""Sentence splitting: a document's token list in, contiguous sentences over those tokens out.

Sentences partition the tokens: every token belongs to exactly one sentence, in order. A new
sentence starts at a token when one of these holds:

* **Terminal punctuation.** After `.` `?` `!` `…` (and the CJK, Arabic and Devanagari stops),
  together with any closing quotes and brackets glued to them (`."` `?)` `!’`), when the next
  token is separated by white space and opens a sentence: it starts with a capital, a digit or a
  letter of a caseless script, possibly behind opening quotes or brackets. A lowercase word or a
  continuing mark (`,` `;` `)` ...) never starts a sentence, so `"...?" he asked` stays whole.
* **Missing spaces.** A stop glued to the next token breaks only between a plain word of three
  or more letters and a capitalised word (`a month.They`), never in `U.S`, `3.5`, `news.org`.
* **Periods are weighed.** After a title or date abbreviation that binds to what follows (`Mr.`
  `Gen.` `St.` `Jan.` `e.g.` `vs.` `approx.` `incl.` ...) there is no break; after `No.` `Art.`
  `Vol.` ... only before a number; nor after a list number opening a line (`2. Hama, ...`). After
  other abbreviations (`etc.` `Inc.` `Jr.` `U.S.` `a.m.`, any dotted acronym), single-letter
  initials (`J. R. Smith`) and ellipses, a break needs the next word to be a common sentence
  opener (`The`, `He`, `But`, `In` ...), so `the U.S. Army` stays whole but `the U.S. The` breaks.
* **Paragraph breaks.** A blank line (two line breaks, or U+2029 / form feed) always breaks.
* **Datelines.** A short line (at most 80 characters) starting with a date (`24-11-2024 06:30 AM
  Some Timing`, `Monday, 3 March 2025`) whose other words are capitalised is a sentence of its
  own, whatever the lines around it.
* **Headlines.** At a single line break after a line with no final punctuation, a break needs the
  line to look like a headline or byline: at most 20 tokens and 100 characters, not ending in a
  comma, colon, hyphen or a function word (`of`, `the`, `and` ...), and the next line opens a
  sentence. A line of a hard-wrapped paragraph never counts: taking the paragraph's widest line as
  the wrap width (when it is 40 to 120 characters), a line is wrapped when the next line's first
  word would not have fitted on it (within 90% of that width). Otherwise a line break is a space.

Not handled: sentences nested in brackets are not kept whole, and a lowercase sentence start
(`"...", said one. officials ...`) is never detected.
"""

from __future__ import annotations

import enum
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice, pairwise

import regex

from engine.text import Token, TokenKind, normalize

__all__ = [
    "DATELINE_WIDTH",
    "HEADLINE_WIDTH",
    "TERMINALS",
    "Line",
    "Sentence",
    "breaks_between_lines",
    "line_break_weight",
    "plain_stop_breaks",
    "sentence_starts",
    "split_sentences",
    "terminal_breaks",
]


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence: its span in the original text and its token range [first_token, last_token)."""

    start: int
    end: int
    first_token: int
    last_token: int


class _Stop(enum.Enum):
    """How strongly a terminal punctuation run ends a sentence."""

    FULL = "full"  # breaks before anything that opens a sentence
    WEAK = "weak"  # breaks only before a common sentence opener
    NONE = "none"  # never breaks


_PERIODS = frozenset(".")
_STRONG_STOPS = frozenset("?!\u203c\u2047\u2048\u2049\uff1f\uff01\u061f")
_OTHER_STOPS = frozenset("\u2026\u3002\uff0e\u0964\u0965\u06d4")
TERMINALS = _PERIODS | _STRONG_STOPS | _OTHER_STOPS
_CONTINUATIONS = frozenset(",;:)]}%/&.?!\u2026\u060c\u3001\uff0c")

_BOUND_ABBREVIATIONS = frozenset(
    """mr mrs ms messrs dr gen lt col maj capt sgt cpl pvt adm brig cmdr cdr gov sen rep rev
    prof pres hon st mt ft jan feb mar apr jun jul aug sep sept oct nov dec vs
    approx incl excl esp viz resp e.g i.e cf ca lt.col lt.gen maj.gen brig.gen""".split()
)
_WEAK_ABBREVIATIONS = frozenset(
    """etc inc ltd co corp plc llc jr sr govt dept univ assn bros est al u.s u.n u.k e.u
    u.a.e u.s.a a.m p.m mon tue tues wed thu thur thurs fri sat sun km kg min max""".split()
)
_NUMBER_ABBREVIATIONS = frozenset("no nos nr art sec para vol pp fig".split())
_OPENERS = frozenset(
    """the a an he she it they we i you his her its their our my this that these those there
    here then but and or so yet however meanwhile moreover also in on at of to for from by with
    after before during earlier later since while when if although though as according some
    many most several both all no one two three four five six seven eight nine ten dozens
    hundreds thousands what who where why how""".split()
)
_CONNECTORS = frozenset(
    """the a an of in on at to for from by with and or but nor that which who whom whose was
    were is are be been has have had will would could should may might said says near into
    onto over under after before against between than as its their his her our your my this
    these those some many several about around nearly almost more less least most per via amid
    across along among toward towards within without while when where if""".split()
)

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_WEEKDAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?"
_DATELINE_RE = regex.compile(
    rf"""(?:{_WEEKDAY}\s+)?
    (?:\d{{1,4}}[-/.]\d{{1,2}}[-/.]\d{{1,4}} | {_DAY}\s+{_MONTH},?\s+\d{{4}}
       | {_MONTH}\s+{_DAY},?\s+\d{{4}})
    (?!\w)""",
    regex.IGNORECASE | regex.VERBOSE,
)
_DATELINE_LOWERCASE = frozenset("a m p am pm h hrs at gmt utc local time".split())
DATELINE_WIDTH = 80
HEADLINE_WIDTH = 100

_LINE_BREAK_RE = regex.compile(r"\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
_PARAGRAPH_BREAKS = frozenset("\f\u2029")


def split_sentences(text: str, tokens: list[Token]) -> list[Sentence]:
    """Split the tokens of `text` into sentences that cover them contiguously and in order."""
    if not tokens:
        return []
    bounds = sorted(sentence_starts(text, tokens)) + [len(tokens)]
    return [
        Sentence(tokens[first].start, tokens[stop - 1].end, first, stop)
        for first, stop in pairwise(bounds)
    ]


def sentence_starts(text: str, tokens: list[Token]) -> set[int]:
    """The indexes of the tokens that start a sentence, 0 included; `tokens` must not be empty."""
    gaps = _gaps(text, tokens)
    return {0} | terminal_breaks(tokens, {0, *gaps}) | _line_breaks(text, tokens, gaps)


# --- terminal punctuation ------------------------------------------------------------------


def terminal_breaks(
    tokens: list[Token], line_firsts: set[int], stop: int | None = None
) -> set[int]:
    """Token indexes that start a sentence because of the punctuation before them.

    Only terminal runs that begin before token `stop` (all, by default) are weighed, so the
    function also works on a window of a document's tokens (see `engine.sentence_spans`).
    """
    breaks: set[int] = set()
    run_end = -1
    for i, token in enumerate(islice(tokens, stop)):
        if i <= run_end or not _is_terminal(token):
            continue
        run_end = _run_end(tokens, i)
        if _is_list_number(tokens, i, line_firsts):
            continue
        if run_end + 1 < len(tokens) and _ends_sentence(tokens, i, run_end):
            breaks.add(run_end + 1)
    return breaks


def _is_list_number(tokens: list[Token], i: int, line_firsts: set[int]) -> bool:
    """Whether token `i` is the period of a list number opening a line ("2. Shelling ...")."""
    number = i - 1
    if number not in line_firsts or tokens[i].text != ".":
        return False
    return tokens[number].kind is TokenKind.NUMBER and tokens[number].end == tokens[i].start


def _is_terminal(token: Token) -> bool:
    """Whether the token is sentence-final punctuation."""
    return token.kind is TokenKind.PUNCT and token.text[0] in TERMINALS


def _is_closing(token: Token) -> bool:
    """Whether the token is a quote or a closing bracket that may follow a sentence's end."""
    if token.kind is not TokenKind.PUNCT:
        return False
    return token.norm[0] in "\"'" or unicodedata.category(token.text[0]) in ("Pe", "Pf")


def _run_end(tokens: list[Token], i: int) -> int:
    """The last token of the terminal run at `i`: glued stops, closing quotes and brackets."""
    while i + 1 < len(tokens) and tokens[i + 1].start == tokens[i].end:
        nxt = i + 1
        if not (_is_terminal(tokens[nxt]) or _is_closing(tokens[nxt])) or _opens_word(tokens, nxt):
            break
        i = nxt
    return i


def _opens_word(tokens: list[Token], i: int) -> bool:
    """Whether token `i` is an opening quote: curly opening, or straight and glued to a word."""
    if tokens[i].text in "\u201c\u2018":
        return True
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    glued = nxt is not None and nxt.start == tokens[i].end and nxt.kind is not TokenKind.PUNCT
    return glued and tokens[i].text in "\"'"


def _ends_sentence(tokens: list[Token], first: int, last: int) -> bool:
    """Whether the terminal run `tokens[first..last]` ends a sentence."""
    if tokens[last + 1].start == tokens[last].end and not _is_glued_break(tokens, first, last):
        return False  # glued to what follows: "U.S", "3.5", "reliefnews.org"
    stop = _stop_strength(tokens, first, last)
    if stop is _Stop.NONE or not _opens_sentence(tokens, last + 1):
        return False
    return stop is _Stop.FULL or _is_opener_word(tokens, last + 1)


def _is_glued_break(tokens: list[Token], first: int, last: int) -> bool:
    """Whether a stop with no space after it still ends a sentence: "a month.They said"."""
    before, after = tokens[first - 1] if first else None, _first_word(tokens, last + 1)
    if before is None or before.end != tokens[first].start or not _is_plain_word(before, 3):
        return False
    if after is None or not _is_plain_word(after, 2):
        return False
    return after.text[0].isupper() and after.text[1:].islower()


def _is_plain_word(token: Token, min_length: int) -> bool:
    """Whether a token is an alphabetic word, not all capitals, of at least `min_length`."""
    text = token.text
    return len(text) >= min_length and text.isalpha() and not text.isupper()


def _stop_strength(tokens: list[Token], first: int, last: int) -> _Stop:
    """How strongly the terminal run ends a sentence, judged by its marks and what precedes."""
    marks = [t.text[0] for t in tokens[first : last + 1] if _is_terminal(t)]
    if any(m in _STRONG_STOPS for m in marks):
        return _Stop.FULL
    if "\u2026" in marks or marks.count(".") > 1:
        return _Stop.WEAK  # an ellipsis
    if marks[0] != ".":
        return _Stop.FULL
    return _period_strength(tokens, first)


def _period_strength(tokens: list[Token], period: int) -> _Stop:
    """The strength of a lone period, from the abbreviation or initial it may close."""
    parts = _dotted_word(tokens, period)
    if not parts:
        return _Stop.FULL
    return _word_strength(parts, _next_is_number(tokens, period))


def _word_strength(parts: list[str], before_number: bool) -> _Stop:
    """The strength of a period closing a word (folded, in its dotted parts)."""
    key = ".".join(parts)
    if key in _BOUND_ABBREVIATIONS:
        return _Stop.NONE
    if key in _NUMBER_ABBREVIATIONS:
        return _Stop.NONE if before_number else _Stop.FULL
    if key in _WEAK_ABBREVIATIONS or len(parts) > 1 or _is_initial(parts[0]):
        return _Stop.WEAK
    return _Stop.FULL


def _next_is_number(tokens: list[Token], i: int) -> bool:
    """Whether the token after `i` is a number ("No. 5")."""
    return i + 1 < len(tokens) and tokens[i + 1].kind is TokenKind.NUMBER


def _is_initial(part: str) -> bool:
    """Whether a folded word before a period is a single-letter initial."""
    return len(part) == 1 and part.isalpha()


def _dotted_word(tokens: list[Token], period: int) -> list[str]:
    """The folded parts of the word the period closes: ["gen"], ["u", "s"], or [] if none."""
    i = period - 1
    if i < 0 or not _glued_word(tokens, i, period):
        return []
    parts = [tokens[i].fold]
    while i >= 2 and _dotted_part(tokens, i):
        i -= 2
        parts.insert(0, tokens[i].fold)
    return parts


def _dotted_part(tokens: list[Token], i: int) -> bool:
    """Whether short word `i` is preceded by a glued "." and another short word ("U" "." "S")."""
    dot, word = tokens[i - 1], tokens[i - 2]
    glued = dot.text == "." and dot.end == tokens[i].start and _glued_word(tokens, i - 2, i - 1)
    return glued and len(word.text) <= 3 and len(tokens[i].text) <= 3


def _glued_word(tokens: list[Token], i: int, nxt: int) -> bool:
    """Whether token `i` is a word directly followed by token `nxt`."""
    return tokens[i].kind is TokenKind.WORD and tokens[i].end == tokens[nxt].start


def _first_word(tokens: list[Token], k: int) -> Token | None:
    """The first word or number at or after `k`, skipping up to three opening marks."""
    for token in tokens[k : k + 4]:
        if token.kind is not TokenKind.PUNCT:
            return token
        if token.norm in _CONTINUATIONS:
            return None
    return None


def _opens_sentence(tokens: list[Token], k: int) -> bool:
    """Whether a sentence may start at token `k`: not lowercase, not a continuing mark."""
    word = _first_word(tokens, k)
    if word is None:
        return tokens[k].norm not in _CONTINUATIONS
    return not word.text[0].islower()


def _is_opener_word(tokens: list[Token], k: int) -> bool:
    """Whether the sentence at `k` starts with a common sentence opener ("The", "But", ...)."""
    word = _first_word(tokens, k)
    return word is not None and word.fold in _OPENERS


def plain_stop_breaks(
    word: str, run: str, next_word: str, *, opened: bool = False, line_first: bool = False
) -> bool:
    """Whether a stop ends a sentence in the plainest case, judged from texts, without tokens.

    The case: `word`, ASCII letters or digits or single letters joined by periods (`U.N`),
    which opens a white-space-free chunk (`line_first` if it opens a line) or follows a hyphen
    in one, then `run`: "." "?" or "!" and perhaps one closing quote or bracket, ending the
    chunk. Then white space and `next_word`, ASCII letters or digits, behind one opening quote
    or bracket if `opened`. `terminal_breaks` weighs it the same way: digits are a number, so a
    list number when opening a line, else no abbreviation; letters are the whole dotted word
    (a hyphen ends it), and a period glued inside it never breaks; the token after the stop is
    a number only with no closing or opening mark between them (so "No.) 5" breaks); the first
    word after the run is `next_word`.
    """
    if next_word[0].islower():
        return False
    if word[0].isdigit():
        return not (line_first and run[0] == ".")
    if run[0] != ".":
        return True
    before_number = run == "." and not opened and next_word[0].isdigit()
    strength = _word_strength(word.lower().split("."), before_number)
    return strength is _Stop.FULL or strength is _Stop.WEAK and next_word.lower() in _OPENERS


# --- line layout ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Line:
    """A line of text that holds tokens: its token range, its span and its paragraph's width.

    The checks read a line's tokens only when it is narrow enough to matter: the line before a
    break only when at most `HEADLINE_WIDTH` wide, the line after it past its first tokens only
    when at most `DATELINE_WIDTH` wide; so a token window (`engine.sentence_spans`) may hold
    wider lines in part.
    """

    first: int
    stop: int
    start: int
    end: int
    paragraph_width: int

    @property
    def width(self) -> int:
        return self.end - self.start


def _line_breaks(text: str, tokens: list[Token], gaps: dict[int, bool]) -> set[int]:
    """Token indexes that start a sentence because of the line layout before them."""
    breaks: set[int] = set()
    for before, after, paragraph in _line_pairs(tokens, gaps):
        if paragraph or breaks_between_lines(text, tokens, before, after):
            breaks.add(after.first)
    return breaks


def breaks_between_lines(text: str, tokens: list[Token], before: Line, after: Line) -> bool:
    """Whether a single line break between two lines ends a sentence."""
    if _is_dateline(text, tokens, before) or _is_dateline(text, tokens, after):
        return True
    if _is_wrapped(tokens, before, after) or not _opens_sentence(tokens, after.first):
        return False
    return _is_headline(tokens, before)


def _line_pairs(tokens: list[Token], gaps: dict[int, bool]) -> Iterator[tuple[Line, Line, bool]]:
    """Consecutive lines, with whether a paragraph break separates them."""
    firsts = [0, *gaps, len(tokens)]
    spans = [(a, b, tokens[a].start, tokens[b - 1].end) for a, b in pairwise(firsts)]
    widths = _paragraph_widths(spans, list(gaps.values()))
    lines = [Line(*span, width) for span, width in zip(spans, widths, strict=True)]
    yield from zip(lines[:-1], lines[1:], gaps.values(), strict=True)


def _gaps(text: str, tokens: list[Token]) -> dict[int, bool]:
    """Token index after each gap holding a line break -> whether the gap is a paragraph break."""
    starts = [t.start for t in tokens]
    counts: dict[int, int] = {}
    for m in _LINE_BREAK_RE.finditer(text, tokens[0].end, tokens[-1].start):
        k = bisect_right(starts, m.start())
        counts[k] = counts.get(k, 0) + _break_weight(m.group())
    return {k: count > 1 for k, count in counts.items()}


def _break_weight(line_break: str) -> int:
    """How much a line break counts: 2 for a paragraph break, 1 otherwise (a gap breaks at 2)."""
    return 2 if line_break in _PARAGRAPH_BREAKS else 1


def line_break_weight(text: str, start: int, end: int) -> int:
    """The summed weight of the line breaks in `text[start:end]`; a paragraph break from 2."""
    return sum(_break_weight(m.group()) for m in _LINE_BREAK_RE.finditer(text, start, end))


def _paragraph_widths(spans: list[tuple[int, int, int, int]], paragraph: list[bool]) -> list[int]:
    """For each line, the width of the widest line of its paragraph."""
    widths: list[int] = []
    group: list[int] = []
    for span, ends_paragraph in zip(spans, [*paragraph, True], strict=True):
        group.append(span[3] - span[2])
        if ends_paragraph:
            widths.extend([max(group)] * len(group))
            group = []
    return widths


def _is_headline(tokens: list[Token], line: Line) -> bool:
    """Whether a line without final punctuation looks like a headline, byline or label."""
    if line.width > HEADLINE_WIDTH or line.stop - line.first > 20:
        return False  # checked first: the tokens of a wide line are never read (see `Line`)
    return not (_ends_with_punctuation(tokens, line) or tokens[line.stop - 1].fold in _CONNECTORS)


def _ends_with_punctuation(tokens: list[Token], line: Line) -> bool:
    """Whether a line ends with a mark other than closing quotes and brackets, or with a stop."""
    i = line.stop - 1
    while i > line.first and _is_closing(tokens[i]):
        i -= 1
    last = tokens[i]
    return last.kind is TokenKind.PUNCT and (_is_terminal(last) or not _is_closing(last))


def _is_wrapped(tokens: list[Token], before: Line, after: Line) -> bool:
    """Whether the break looks like hard wrapping: the next word would not fit on the line.

    The wrap width is guessed as the width of the paragraph's widest line, when that is 40 to
    120 characters; a line is wrapped when it plus the next line's first word pass 90% of it.
    """
    width = before.paragraph_width
    if not 40 <= width <= 120:
        return False
    return before.width + 1 + _chunk_width(tokens, after.first) > 0.9 * width


def _chunk_width(tokens: list[Token], k: int) -> int:
    """The width of the white-space-free chunk of text that starts at token `k`."""
    end = k
    while end + 1 < len(tokens) and tokens[end + 1].start == tokens[end].end:
        end += 1
    return tokens[end].end - tokens[k].start


def _is_dateline(text: str, tokens: list[Token], line: Line) -> bool:
    """Whether a line is a dateline: short, starting with a date, no lowercase words."""
    if line.width > DATELINE_WIDTH:
        return False
    if not _DATELINE_RE.match(normalize(text[line.start : line.end])):
        return False
    return all(
        not t.text[0].islower() or t.fold in _DATELINE_LOWERCASE
        for t in tokens[line.first : line.stop]
        if t.kind is TokenKind.WORD
    )
