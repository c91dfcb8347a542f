"""The prefilter's words in plain ASCII text, without a regex: a superset of its token folds.

In ASCII text a word token folds to its lower case, and a word token made of letters (and `_`)
is a maximal run of them once digits and every other character are blanked: `killed,` gives
`killed`, `3.5km` gives `km` (tokens `3.5` and `km`), and so does `5km` (one token, `5km`),
which only lets more rules through. A punctuation token is one character (a backtick folds to
an apostrophe). So when each of a pack's prefilter words is a letter word or one punctuation
character, the runs of a text (one `bytes.translate` and a split, in C) and the punctuation
characters it holds give every prefilter word its tokens give; and adjacent runs give every pair
of adjacent letter-word tokens, with white space only between them.

The sets hold other words too (every run); the prefilter only asks whether its words are there.
A word of the vocabulary that is not ASCII can never be the fold of an ASCII token, so it is
absent either way. Text that is not ASCII is left to the token folds.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise, repeat

from .adjacency import Pair

_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz_")
_PUNCTUATION = frozenset(chr(c) for c in range(0x21, 0x7F)
                         if not chr(c).isalnum() and chr(c) != "_")


def _blanking_table() -> bytes:
    """Upper-case letters to lower case, lower-case letters and `_` kept, all else a space."""
    table = bytearray(b" " * 256)
    for c in range(256):
        char = chr(c)
        if char.lower() in _LETTERS and c < 0x80:
            table[c] = ord(char.lower())
    return bytes(table)


_BLANK = _blanking_table()


class PlainWords:
    """How a pack's prefilter words are found in plain text (see the module docstring)."""

    def __init__(self, punctuation: frozenset[str], pairs_from_runs: bool,
                 pair_words: frozenset[str] = frozenset()) -> None:
        self.punctuation = punctuation  # the vocabulary's punctuation characters
        self.pairs_from_runs = pairs_from_runs  # every pair is of two letter words
        self._pair_word = {word: word for word in pair_words}.get  # the words of the pairs

    @classmethod
    def build(cls, vocabulary: Iterable[str], pairs: Iterable[Pair] = ()) -> PlainWords | None:
        """How to find these words, or None when a word is neither a letter word, one
        punctuation character nor outside ASCII."""
        words = {w for w in vocabulary if w.isascii()}
        if not all(_is_letter_word(w) or w in _PUNCTUATION for w in words):
            return None
        pairs = {(a, b) for a, b in pairs if a.isascii() and b.isascii()}
        letter_pairs = all(_is_letter_word(a) and _is_letter_word(b) for a, b in pairs)
        return cls(frozenset(words & _PUNCTUATION), letter_pairs, frozenset().union(*pairs))

    @staticmethod
    def blank(text: str) -> str | None:
        """The text with its letter words lower-cased and everything else blanked (same
        length, so spans still hold), or None when it is not ASCII."""
        if not text.isascii():
            return None
        return text.encode("ascii").translate(_BLANK).decode("ascii")

    def words(self, runs: list[str], piece: str) -> set[str]:
        """The words of a text piece: its runs (from its blanked text) and its punctuation."""
        found = set(runs)
        for char in self.punctuation:
            if char in piece or (char == "'" and "`" in piece):
                found.add(char)
        return found

    @staticmethod
    def pairs(runs: list[str]) -> set[Pair]:
        """Adjacent runs: every pair of adjacent letter-word tokens, and some others."""
        return set(pairwise(runs))

    def pairs_of_pair_words(self, runs: list[str]) -> set[Pair]:
        """The adjacent runs that are both words of the vocabulary's pairs: what `pairs`
        gives that the prefilter asks about, faster on a long text.

        Every other run is blanked out (in C), so the runs left side by side are the groups
        of such words that stand together; only those are paired in Python.
        """
        marked = " ".join(map(self._pair_word, runs, repeat("")))
        found: set[Pair] = set()
        for group in marked.split("  "):  # a blanked run between two words makes two spaces
            if " " in group.strip():
                found.update(pairwise(group.split()))
        return found


def _is_letter_word(word: str) -> bool:
    return bool(word) and all(c in _LETTERS for c in word)
