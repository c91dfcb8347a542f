"""The optional accelerator: find the prefilter's words and pairs in a document in one scan.

Which sentences a pack can match depends only on which of its prefilter words (the words its
rules require) and word pairs (tokens its rules need side by side, see `engine.adjacency`) each
sentence holds. The pure-Python path folds every token of every sentence to find out; with
hyperscan installed (`pip install "rulecraft[fast]"`), one scan of the document finds just those,
at C speed. Results are identical: a hit stands for a token or two adjacent tokens (never
missed; seldom reported where there is none, as "km" in "x.5km", which only lets more rules
through), and the scan is used only for ASCII text, where a token's fold is its lower case with
a backtick read as an apostrophe. A word hyperscan could miss (one that is not plain ASCII)
disables the accelerator for the pack. A compiled database is kept in the compile cache
(`engine.cache.memo`), so a process that loads a cached pack does not compile it again.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

_WORD = re.compile(r"[A-Za-z0-9_]+\Z")
_PUNCT = re.compile(r"[!-/:-@\[-`{-~]\Z")
_GAP = rb"[\x00-\x20\x7f]*"  # what may lie between two adjacent tokens of ASCII text
Pair = tuple[str, str]
Item = TypeVar("Item")


@dataclass(frozen=True)
class Hits:
    """What one scan found: (end offset, word) and (end offset, pair), in text order."""

    words: list[tuple[int, str]]
    pairs: list[tuple[int, Pair]]


def available() -> bool:
    """Whether hyperscan can be imported."""
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        return False
    return True


class WordFinder:
    """A hyperscan database of a pack's prefilter words and word pairs."""

    def __init__(self, words: list[str], pairs: list[Pair], database) -> None:
        self.words = words
        self.pairs = pairs
        self._database = database

    @classmethod
    def build(cls, vocabulary: Iterable[str], pairs: Iterable[Pair] = ()) -> WordFinder | None:
        """A finder for these words and pairs, or None without hyperscan or for words it cannot
        stand for."""
        words = sorted(set(vocabulary))
        pair_list = sorted(set(pairs))
        every = set(words).union(*pair_list)
        if not words or not available() or not all(_standable(w) for w in every):
            return None
        import hyperscan

        from .cache import memo

        key = f"{hyperscan.__version__}|" + "\n".join(words) + "|" + "\n".join(
            f"{a} {b}" for a, b in pair_list)
        serialized = memo("words", key, lambda: hyperscan.dumpb(_compile(words, pair_list)))
        try:
            database = hyperscan.loadb(serialized, hyperscan.HS_MODE_BLOCK)
            database.scratch = hyperscan.Scratch(database)  # a loaded database has none
        except hyperscan.error:  # a database from another build or platform
            database = _compile(words, pair_list)
        return cls(words, pair_list, database)

    def hits(self, text: str) -> Hits | None:
        """The words and pairs in the text, in one scan; None when the text is not plain ASCII."""
        if not text.isascii():
            return None
        found_words: list[tuple[int, str]] = []
        found_pairs: list[tuple[int, Pair]] = []
        words, pairs, count = self.words, self.pairs, len(self.words)

        def on_match(item: int, _from: int, end: int, _flags: int, _context) -> None:
            if item < count:
                found_words.append((end, words[item]))
            else:
                found_pairs.append((end, pairs[item - count]))

        self._database.scan(text.encode("ascii"), match_event_handler=on_match)
        return Hits(found_words, found_pairs)


def by_sentence(hits: list[tuple[int, Item]], spans: list[tuple[int, int]]) -> list[set[Item]]:
    """The items of `hits` (words or pairs) that end inside each span."""
    found: list[set[Item]] = [set() for _ in spans]
    starts = [start for start, _ in spans]
    for end, word in hits:
        sentence = bisect_right(starts, end - 1) - 1
        if sentence >= 0 and end <= spans[sentence][1]:
            found[sentence].add(word)
    return found


def _standable(word: str) -> bool:
    """Whether a hyperscan pattern can stand for tokens folding to `word` in ASCII text."""
    return bool(_WORD.match(word) or _PUNCT.match(word))


def _compile(words: list[str], pairs: list[Pair]):
    """One block-mode database: ids below len(words) index `words`, the others `pairs`."""
    import hyperscan

    database = hyperscan.Database()
    patterns = [(p, n) for n, w in enumerate(words) for p in _patterns(w)]
    patterns += [(p, len(words) + n) for n, pair in enumerate(pairs) for p in _pair_patterns(pair)]
    database.compile(expressions=[p for p, _ in patterns], ids=[n for _, n in patterns],
                     elements=len(patterns), flags=[hyperscan.HS_FLAG_CASELESS] * len(patterns))
    return database


def _literal(word: str) -> bytes:
    """The text of a token folding to `word` (a backtick folds to an apostrophe)."""
    return b"['`]" if word == "'" else re.escape(word).encode("ascii")


def _patterns(word: str) -> list[bytes]:
    """Where a token equal to `word` can stand in ASCII text.

    A word token ends where word characters end, and starts after a non-word character, except
    right after a number with separators ("3.5km" is "3.5" and "km"; "5km" is one token): hence
    the second form.
    """
    if not _WORD.match(word):
        return [_literal(word)]
    return [rb"\b" + _literal(word) + rb"\b", rb"[.,:][0-9]+" + _literal(word) + rb"\b"]


def _pair_patterns(pair: Pair) -> list[bytes]:
    """Where two adjacent tokens folding to `pair` can stand: the first as in `_patterns`, then
    only white space or control characters, then the second (its end as in `_patterns`)."""
    first, second = pair
    tail = _GAP + _literal(second) + (rb"\b" if _WORD.match(second) else b"")
    return [head + tail for head in _patterns(first)]
