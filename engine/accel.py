"""The optional accelerator: find the prefilter's words in a whole document in one hyperscan pass.

Which sentences a pack can match depends only on which of its prefilter words (the words its
rules require) each sentence holds. The pure-Python path folds every token of every sentence to
find out; with hyperscan installed (`pip install "rulecraft[fast]"`), one scan of the document
finds just those words, at C speed. Results are identical: a hyperscan hit stands for the word
it finds, the scan is used only for ASCII text (where a token's fold is its lower case), and a
word hyperscan could miss (one that is not plain ASCII) disables the accelerator for the pack.
A compiled database is kept in the compile cache (`engine.cache.memo`), so a process that loads
a cached pack does not compile it again.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable

_WORD = re.compile(r"[A-Za-z0-9_]+\Z")
_PUNCT = re.compile(r"[!-/:-@\[-`{-~]\Z")


def available() -> bool:
    """Whether hyperscan can be imported."""
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        return False
    return True


class WordFinder:
    """A hyperscan database of a pack's prefilter words."""

    def __init__(self, words: list[str], database) -> None:
        self.words = words
        self._database = database

    @classmethod
    def build(cls, vocabulary: Iterable[str]) -> WordFinder | None:
        """A finder for these words, or None without hyperscan or for words it cannot stand for."""
        words = sorted(set(vocabulary))
        if not words or not available() or not all(_WORD.match(w) or _PUNCT.match(w)
                                                   for w in words):
            return None
        import hyperscan

        from .cache import memo

        key = f"{hyperscan.__version__}|" + "\n".join(words)
        serialized = memo("words", key, lambda: hyperscan.dumpb(_compile(words)))
        try:
            database = hyperscan.loadb(serialized, hyperscan.HS_MODE_BLOCK)
            database.scratch = hyperscan.Scratch(database)  # a loaded database has none
        except hyperscan.error:  # a database from another build or platform
            database = _compile(words)
        return cls(words, database)

    def hits(self, text: str) -> list[tuple[int, str]] | None:
        """(end offset, word) of each prefilter word in the text, in one scan; None when the
        text is not plain ASCII."""
        if not text.isascii():
            return None
        found: list[tuple[int, str]] = []
        words = self.words

        def on_match(word_id: int, _from: int, end: int, _flags: int, _context) -> None:
            found.append((end, words[word_id]))

        self._database.scan(text.encode("ascii"), match_event_handler=on_match)
        return found


def by_sentence(hits: list[tuple[int, str]], spans: list[tuple[int, int]]) -> list[set[str]]:
    """The words of `hits` that lie inside each span."""
    found: list[set[str]] = [set() for _ in spans]
    starts = [start for start, _ in spans]
    for end, word in hits:
        sentence = bisect_right(starts, end - 1) - 1
        if sentence >= 0 and end <= spans[sentence][1]:
            found[sentence].add(word)
    return found


def _compile(words: list[str]):
    """One block-mode database: pattern ids are indexes into `words`."""
    import hyperscan

    database = hyperscan.Database()
    patterns = [(p, n) for n, w in enumerate(words) for p in _patterns(w)]
    database.compile(expressions=[p for p, _ in patterns], ids=[n for _, n in patterns],
                     elements=len(patterns), flags=[hyperscan.HS_FLAG_CASELESS] * len(patterns))
    return database


def _patterns(word: str) -> list[bytes]:
    """Where a token equal to `word` can stand in ASCII text.

    A word token ends where word characters end, and starts after a non-word character, except
    right after a number with separators ("3.5km" is "3.5" and "km"): hence the digit form.
    """
    escaped = re.escape(word).encode("ascii")
    if not _WORD.match(word):
        return [escaped]
    return [rb"\b" + escaped + rb"\b", rb"[0-9]" + escaped + rb"\b"]
