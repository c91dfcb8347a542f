"""Text preparation for matching: a same-length normalizer, a token fold, and the tokenizer.

Every offset is a code-point offset into the original text; `normalize` maps one code point to
one code point so that finders run over `normalize(text)` report offsets valid in `text`.

Tokenization conventions (one compiled regex, scanned once):

* A WORD is a run of letters, combining marks, digits and underscores (`2nd`, `AK47`, `10km`,
  `ﬁre`); a soft hyphen between word characters stays inside the word and `fold` drops it.
* A NUMBER is a run of decimal digits only, optionally with inner separators `.` `,` `:` (and
  the Arabic decimal and thousands separators) each followed by digits: `1,200`, `3.5`,
  `1.200.000`, `12:30`. A separated number glued to letters is cut after its last digit
  (`3.5km` is `3.5` + `km`); a plain digit run glued to letters is part of the WORD (`2nd`).
* Every other visible character is a PUNCT token of its own, with any combining marks that
  follow it: `F-16` is `F` `-` `16`, `ISIL-held` is `ISIL` `-` `held`, `don't` is `don` `'`
  `t`, `U.S.` is `U` `.` `S` `.`. Modifier-letter apostrophes and ayn/hamza signs (U+02B9-02BF)
  are PUNCT too, so `Sanaʼa` tokenizes like `Sana'a`.
* White space, control characters (C0, C1), format characters (zero-width space and joiners,
  BOM, bidi marks) separate tokens and never appear inside one.
"""

from __future__ import annotations

import enum
import functools
import re
import unicodedata
from dataclasses import dataclass

import regex

__all__ = [
    "Token",
    "TokenKind",
    "normalize",
    "fold",
    "tokenize",
]


class TokenKind(enum.Enum):
    """What a token is made of."""

    WORD = "word"
    NUMBER = "number"
    PUNCT = "punct"


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its span in the original text, the text itself and its two matching forms."""

    start: int
    end: int
    text: str
    norm: str
    fold: str
    kind: TokenKind


# --- normalize -----------------------------------------------------------------------------

_SINGLE_QUOTES = "\u2018\u2019\u201a\u201b\u2032\u2035\u0060\u00b4\u2039\u203a\uff07\u02b9"
_SINGLE_QUOTES += "\u02bb\u02bc\u02bd\u02be\u02bf"
_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb\uff02\u02ba\u301d\u301e\u301f"
_DASHES = (
    "\u058a\u05be\u1400\u1806\u2010\u2011\u2012\u2013\u2014\u2015\u2e17\u2e1a\u2e3a\u2e3b"
    "\u2e40\u2e5d\u301c\u3030\u30a0\ufe31\ufe32\ufe58\ufe63\uff0d\U00010ead"
    "\u2212\u2043\u207b\u208b"
)
_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
_SPACES += "\u202f\u205f\u3000"
_FORMATS = (
    "\u0600\u0601\u0602\u0603\u0604\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\u206a\u206b\u206c\u206d\u206e"
    "\u206f\ufeff\ufff9\ufffa\ufffb"
)
_LINE_BREAKS = "\x0b\x0c\x85\u2028\u2029"
_CONTROLS = "".join(chr(c) for c in [*range(0x00, 0x09), *range(0x0E, 0x20), *range(0x7F, 0x85)])
_CONTROLS += "".join(chr(c) for c in range(0x86, 0xA0))


def _norm_table() -> dict[int, str]:
    """The code-point map behind `normalize`: one character in, one character out."""
    table: dict[int, str] = {}
    for chars, target in (
        (_SINGLE_QUOTES, "'"),
        (_DOUBLE_QUOTES, '"'),
        (_DASHES, "-"),
        (_SPACES + _FORMATS + _CONTROLS, " "),
        (_LINE_BREAKS, "\n"),
    ):
        table.update((ord(c), target) for c in chars)
    return table


_NORM_TABLE = _norm_table()


def normalize(text: str) -> str:
    """Unify quotes, dashes, spaces and line breaks; one code point in, one out; case kept."""
    return text.translate(_NORM_TABLE)


# --- fold ----------------------------------------------------------------------------------

_FOLD_EXTRA = str.maketrans(
    {
        "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "ł": "l", "ı": "i", "þ": "th",
        "ħ": "h", "ŧ": "t", "ɨ": "i", "ƀ": "b", "ƶ": "z", "ȥ": "z", "\u00ad": None,
        "\u0640": None,
    }
)  # fmt: skip

# Diacritics of Latin, Greek, Cyrillic, Hebrew and Arabic script, and variation selectors.
# Marks that spell vowels or consonants in Indic and other scripts are kept.
_DIACRITICS = regex.compile(
    "[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670"
    "\u06d6-\u06ed\u08d3-\u08ff\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe00-\ufe0f"
    "\ufe20-\ufe2f\U000e0100-\U000e01ef]+"
)


def _fold_once(chunk: str) -> str:
    """One pass of the fold over a chunk without white space; it stays without white space."""
    text = unicodedata.normalize("NFKD", chunk).casefold()
    text = unicodedata.normalize("NFKD", text).translate(_NORM_TABLE).translate(_FOLD_EXTRA)
    text = unicodedata.normalize("NFC", _DIACRITICS.sub("", text))
    return "".join(text.split()) if _SPACE_RE.search(text) else text


def _fold_chunk(chunk: str) -> str:
    """The fold of a chunk without white space, never empty when the chunk is not."""
    folded = _fold_once(chunk)
    for _ in range(3):  # a few exotic characters need a second pass to reach the fixed point
        again = _fold_once(folded)
        if again == folded:
            break
        folded = again
    return folded or chunk


_SPACE_RE = regex.compile(r"\s")
_CHUNK_RE = regex.compile(r"\S+")


@functools.lru_cache(maxsize=1 << 17)
def fold(text: str) -> str:
    """The matching key of a token or term: `normalize`, casefold, no accents, no ligatures.

    White space of the input is kept (as `normalize` leaves it) and none is added: the spaces
    that compatibility decomposition produces (``ﷺ``, spacing accents) are dropped. When folding
    would leave nothing of a chunk (a lone combining accent, a tatweel), the chunk is kept as is.
    """
    text = normalize(text)
    if text.isascii():  # the common case, with the same result as the general path
        return text.lower()
    return _fold_normalized(text)


def _fold_normalized(text: str) -> str:
    """The general path of `fold`, for text that is already normalized."""
    if not _SPACE_RE.search(text):
        return _fold_chunk(text)
    return _CHUNK_RE.sub(lambda m: _fold_chunk(m.group()), text)


# --- tokenize ------------------------------------------------------------------------------

_WORD_CHAR = r"[[\p{L}\p{M}\p{N}_]--[\u02b9-\u02bf]]"
_NUMBER_SEP = r"[.,:\u066b\u066c]"
_NOT_TOKEN = r"\s\p{Z}\p{Cc}\p{Cf}"
_TOKEN_RE = regex.compile(
    rf"""
    (?P<number> \d+ (?: {_NUMBER_SEP} \d+ )+ | \d+ (?! {_WORD_CHAR} | \xad {_WORD_CHAR} ) )
    | (?P<word> {_WORD_CHAR}+ (?: \xad {_WORD_CHAR}+ )* )
    | (?P<punct> (?: [\u02b9-\u02bf] | [^\p{{L}}\p{{M}}\p{{N}}_{_NOT_TOKEN}] ) \p{{M}}* )
    """,
    regex.V1 | regex.VERBOSE,
)
# The same tokens in ASCII text, for stdlib `re`, which is faster there.
_ASCII_NUMBER = r"\d+(?:[.,:]\d+)+|\d+(?![A-Za-z0-9_])"
_ASCII_WORD = r"[A-Za-z0-9_]+"
_ASCII_PUNCT = r"[!-/:-@\[-^`{-~]"
_ASCII_KINDS_RE = re.compile(
    rf"(?P<number>{_ASCII_NUMBER})|(?P<word>{_ASCII_WORD})|(?P<punct>{_ASCII_PUNCT})")
# For folding, words that start with a letter are tried first (most tokens; a number cannot
# start there, so the tokens are the same): findall is about 10% faster.
_ASCII_TOKEN_RE = re.compile(
    rf"[A-Za-z_][A-Za-z0-9_]*|{_ASCII_NUMBER}|{_ASCII_WORD}|{_ASCII_PUNCT}")
_KINDS = {"number": TokenKind.NUMBER, "word": TokenKind.WORD, "punct": TokenKind.PUNCT}
# The same tokens without groups, so that `findall` returns their texts with no match objects.
_TOKEN_TEXT_RE = regex.compile(regex.sub(r"\(\?P<\w+>", "(?:", _TOKEN_RE.pattern),
                               regex.V1 | regex.VERBOSE)


@functools.lru_cache(maxsize=1 << 17)
def _forms(text: str) -> tuple[str, str]:
    """The norm and fold of a token text, cached: most tokens of a corpus repeat."""
    return text.translate(_NORM_TABLE), fold(text)


def _token_maker():
    """A constructor for `Token` that fills its slots directly, skipping the frozen `__init__`.

    It builds the same object as `Token(...)` in about half the time; tokenizing is hot.
    """
    new = object.__new__
    setters = [Token.__dict__[name].__set__ for name in Token.__slots__]
    set_start, set_end, set_text, set_norm, set_fold, set_kind = setters

    def make(start: int, end: int, text: str, norm: str, folded: str, kind: TokenKind) -> Token:
        token = new(Token)
        set_start(token, start)
        set_end(token, end)
        set_text(token, text)
        set_norm(token, norm)
        set_fold(token, folded)
        set_kind(token, kind)
        return token

    return make


_make_token = _token_maker()


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Split `text[start:end]` into tokens whose offsets point into `text`."""
    end = len(text) if end is None else end
    kinds, forms, make = _KINDS, _forms, _make_token
    tokens_re = _ASCII_KINDS_RE if text[start:end].isascii() else _TOKEN_RE
    return [
        make(*m.span(), word, *forms(word), kinds[m.lastgroup])
        for m in tokens_re.finditer(text, start, end)
        for word in (m.group(),)
    ]


@functools.lru_cache(maxsize=1 << 16)
def literal_tokens(text: str) -> tuple[Token, ...]:
    """The tokens of a literal in a pattern (cached: packs repeat their words many times)."""
    return tuple(tokenize(text))




def token_fold_lists(text: str, spans: list[tuple[int, int]]) -> list[list[str]]:
    """`token_fold_list` of each span of `text`; an ASCII text is folded once for all."""
    if not text.isascii():
        return [token_fold_list(text, start, end) for start, end in spans]
    folded, findall = text.lower().replace("`", "'"), _ASCII_TOKEN_RE.findall
    return [findall(folded, start, end) for start, end in spans]


def token_fold_list(text: str, start: int = 0, end: int | None = None) -> list[str]:
    """The folds of the tokens of `text[start:end]` in order, without building tokens.

    ASCII text folds to its lower case (with a backtick read as an apostrophe), so its tokens
    are found in the folded text directly.
    """
    piece = text[start:end]
    if piece.isascii():
        return _ASCII_TOKEN_RE.findall(piece.lower().replace("`", "'"))
    forms = _forms
    return [forms(word)[1] for word in _TOKEN_TEXT_RE.findall(piece)]


def __getattr__(name: str):
    """Re-export the sentence splitter, which lives in `engine.sentences`."""
    if name in ("Sentence", "split_sentences"):
        from engine import sentences

        return getattr(sentences, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
