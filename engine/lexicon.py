"""Lexicons: term entries folded into one token trie, matched once per document for all types.

A term's key is its folded tokens without hyphens, apostrophes and quote marks, so "Deir Ezzor",
"Deir-Ezzor" and "DEIR EZZOR" share a key, and "Al-'Ajrawi" equals "Al Ajrawi". Per type, the
longest entry wins and spans do not overlap (leftmost, then longest). When two entries of one
type share a key, the first declared is the value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .text import Token, tokenize

# Tokens ignored inside terms: hyphen/space variants and transliteration apostrophes.
JOINERS = frozenset({"-", "'", '"', "`", "\u02bf", "\u02be", "\u02bb", "\u02bc"})
_TERMINAL = ""  # trie key holding the entries that end at a node (no token folds to "")


@dataclass(frozen=True)
class LexEntry:
    """One lexicon entry: its type, canonical name and attributes."""

    type: str
    name: str
    attrs: Mapping[str, Any] = field(default_factory=dict)

    def value(self) -> dict[str, Any]:
        """The value a capture of this entry carries."""
        return {"name": self.name, **self.attrs}


@dataclass(frozen=True)
class LexSpan:
    """A lexicon hit: token range [first, last) of one entry."""

    first: int
    last: int
    entry: LexEntry


def term_key(term: str) -> tuple[str, ...]:
    """The matching key of a term: folded tokens without joiners."""
    return tuple(tok.fold for tok in tokenize(term) if tok.fold not in JOINERS)


class LexiconIndex:
    """A token trie over the terms of every lexicon type of a pack."""

    def __init__(self) -> None:
        self._root: dict = {}
        self.types: set[str] = set()
        self.size = 0
        self.first_words: set[str] = set()

    def add(self, term: str, entry: LexEntry) -> bool:
        """Add one term for an entry; False when the term has no tokens to match."""
        key = term_key(term)
        if not key:
            return False
        node = self._root
        for word in key:
            node = node.setdefault(word, {})
        by_type = node.setdefault(_TERMINAL, {})
        if entry.type not in by_type:
            by_type[entry.type] = entry
            self.size += 1
        self.types.add(entry.type)
        self.first_words.add(key[0])
        return True

    def add_entries(self, entries: Iterable[tuple[str, LexEntry]]) -> None:
        for term, entry in entries:
            self.add(term, entry)

    def find(self, tokens: Sequence[Token], first: int = 0, last: int | None = None
             ) -> list[LexSpan]:
        """All hits in tokens[first:last]: per type leftmost-longest, non-overlapping."""
        last = len(tokens) if last is None else last
        hits = self.find_in_folds([tok.fold for tok in tokens[first:last]])
        return [LexSpan(first + hit.first, first + hit.last, hit.entry) for hit in hits]

    def find_in_folds(self, folds: Sequence[str]) -> list[LexSpan]:
        """The hits of `find` in a run of token folds, indexed from its first."""
        spans: list[LexSpan] = []
        busy_until: dict[str, int] = {}
        root = self._root
        for i, word in enumerate(folds):
            if word not in root or word in JOINERS:
                continue
            for type_name, (end, entry) in self._longest_from(folds, i).items():
                if busy_until.get(type_name, -1) <= i:
                    spans.append(LexSpan(i, end, entry))
                    busy_until[type_name] = end
        return spans

    def _longest_from(self, folds: list[str], start: int) -> dict[str, tuple[int, LexEntry]]:
        """For each type, the longest entry that starts at `start`: end index and entry."""
        found: dict[str, tuple[int, LexEntry]] = {}
        node = self._root
        i = start
        while i < len(folds):
            word = folds[i]
            if word in JOINERS and i > start:
                i += 1
                continue
            node = node.get(word)
            if node is None:
                break
            i += 1
            for type_name, entry in node.get(_TERMINAL, {}).items():
                found[type_name] = (i, entry)
        return found


def lookup_entries(index: LexiconIndex, term: str) -> list[LexEntry]:
    """The entries (of any type) whose term key equals the key of `term`."""
    node = index._root
    for word in term_key(term):
        node = node.get(word)
        if node is None:
            return []
    return list(node.get(_TERMINAL, {}).values())
