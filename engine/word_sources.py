"""Where the screen gets a text's prefilter words and adjacent word pairs: three sources.

* `FoldSource`: every token fold (any text; what `explain` shows).
* `PlainSource`: plain words (`engine.plain_words`), ASCII text without the accelerator: the
  same words and pairs and perhaps a few more, found in C.
* `HitSource`: the accelerator's hits (`engine.accel`), ASCII text: the pack's words and pairs,
  all found by one scan, so the pairs are known up front (`pairs_known`).

Each answers for the whole text (`document`) and, once the sentences are known, per sentence
(`sentences`, `sentence_pairs`); `folds` gives a sentence's exact token folds, which the lexicon
lookup needs. Sets may hold more than the words the prefilter asks about, never fewer.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

from .accel import Hits, WordFinder, by_sentence
from .adjacency import Pair
from .plain_words import PlainWords
from .text import token_fold_list, token_fold_lists

PairSource = Callable[[], set[Pair]]


class FoldSource:
    """Every token fold of the text."""

    pairs_known = False
    gate_key, gate_rate = "skip_gate_folds", 0.5  # see `engine.screen.SkipGate`

    def __init__(self, text: str) -> None:
        self.text = text
        self._spans: list[tuple[int, int]] = []
        self._folds: list[list[str]] | None = None  # per sentence, when all were folded
        self._fold_cache: dict[int, list[str]] = {}  # per sentence, folded on demand

    def document(self) -> tuple[set[str], PairSource]:
        folds = token_fold_list(self.text)
        return set(folds), _once(lambda: set(pairwise(folds)))

    def sentences(self, spans: list[tuple[int, int]]) -> list[set[str]]:
        self._spans = spans
        self._folds = token_fold_lists(self.text, spans)
        return [set(folds) for folds in self._folds]

    def sentence_pairs(self, index: int) -> set[Pair]:
        return set(pairwise(self.folds(index)))

    def folds(self, index: int) -> list[str]:
        """The token folds of a sentence."""
        if self._folds is not None:
            return self._folds[index]
        folds = self._fold_cache.get(index)
        if folds is None:
            folds = self._fold_cache[index] = token_fold_list(self.text, *self._spans[index])
        return folds


class PlainSource(FoldSource):
    """Plain words of ASCII text; token folds only for the sentences that need them."""

    gate_key, gate_rate = "skip_gate_plain", 0.4

    def __init__(self, text: str, plain: PlainWords, blanked: str) -> None:
        super().__init__(text)
        self._plain = plain
        self._blanked = blanked
        self._runs: list[list[str]] = []

    def document(self) -> tuple[set[str], PairSource]:
        runs = self._blanked.split()
        pairs = (_once(lambda: self._plain.pairs_of_pair_words(runs))
                 if self._plain.pairs_from_runs
                 else _once(lambda: set(pairwise(token_fold_list(self.text)))))
        return self._plain.words(runs, self.text), pairs

    def sentences(self, spans: list[tuple[int, int]]) -> list[set[str]]:
        self._spans, blanked = spans, self._blanked
        self._runs = runs = [blanked[start:end].split() for start, end in spans]
        if not self._plain.punctuation:
            return [set(words) for words in runs]
        text, words = self.text, self._plain.words
        return [words(found, text[start:end])
                for found, (start, end) in zip(runs, spans, strict=True)]

    def sentence_pairs(self, index: int) -> set[Pair]:
        if self._plain.pairs_from_runs:
            return self._plain.pairs(self._runs[index])
        return super().sentence_pairs(index)


class HitSource(FoldSource):
    """The accelerator's hits in ASCII text, found by one scan on first use."""

    pairs_known = True
    gate_key = gate_rate = None  # the document test is always asked: its hits serve on

    def __init__(self, text: str, finder: WordFinder) -> None:
        super().__init__(text)
        self._finder = finder
        self._found: Hits | None = None
        self._pair_hits: list[set[Pair]] | None = None

    @property
    def _hits(self) -> Hits:
        if self._found is None:
            self._found = self._finder.hits(self.text)
        return self._found

    def document(self) -> tuple[set[str], PairSource]:
        pairs = {pair for _, pair in self._hits.pairs}
        return {word for _, word in self._hits.words}, lambda: pairs

    def sentences(self, spans: list[tuple[int, int]]) -> list[set[str]]:
        self._spans = spans
        return by_sentence(self._hits.words, spans)

    def sentence_pairs(self, index: int) -> set[Pair]:
        if self._pair_hits is None:
            self._pair_hits = by_sentence(self._hits.pairs, self._spans)
        return self._pair_hits[index]


def word_source(text: str, finder: WordFinder | None, plain: PlainWords | None,
                exhaustive: bool = False) -> FoldSource:
    """The cheapest source for a text: hits, plain words, else token folds (always token
    folds when `exhaustive`)."""
    if exhaustive or not text.isascii():
        return FoldSource(text)
    if finder is not None:
        return HitSource(text, finder)
    if plain is not None:
        return PlainSource(text, plain, PlainWords.blank(text))
    return FoldSource(text)


def _once(make: Callable[[], set[Pair]]) -> PairSource:
    """A pair source that makes its set on first call."""
    made: list[set[Pair]] = []

    def pairs() -> set[Pair]:
        if not made:
            made.append(make())
        return made[0]

    return pairs
