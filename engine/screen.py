"""Which text of a document a pack could match: the prefilter's questions, asked of one text.

Before anything is split or tokenized: could any rule match anywhere in the document, judged by
its words and word pairs with every type assumed present? (With the accelerator the words and
pairs are its hits, which then serve the sentences too; without it, `SkipGate` says when asking
pays.) Then per sentence: its words (the accelerator's hits of the pack's vocabulary; else, in
ASCII text, its plain words, see `engine.plain_words`; else every token fold: the candidates are
the same, or a few more from plain words), its adjacent token pairs (the accelerator's hits, or
adjacent plain words, or token folds, found on demand), whether it is active (some rule could
match there, given the lexicon types its folds hold; those hits then serve the matcher), and,
once its typed spans are known, the candidate rules. Results never depend on any of this, only
the cost (`tests/test_prefilter.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

from .accel import Hits, by_sentence
from .adjacency import Pair
from .compile import CompiledPack
from .lexicon import LexSpan
from .prefilter import PrefilterIndex, type_feature
from .text import token_fold_list, token_fold_lists


class SkipGate:
    """Whether the document-level test is worth asking without the accelerator.

    From token folds the test costs about half of what it saves on a document it rules out,
    from plain words (`engine.plain_words`) about 40%, so it pays only when that much text is
    ruled out (a pack of selective rules). The gate counts, per pack and process, the share of
    checked text that was ruled out; below `rate`, only one document in `PROBE` is checked, to
    notice when the text changes.
    """

    WARMUP, PROBE, WINDOW = 16, 64, 4_000_000
    FOLDS_RATE, PLAIN_RATE = 0.5, 0.4

    def __init__(self, rate: float = FOLDS_RATE) -> None:
        self.rate = rate
        self.documents = self.checked = self.ruled_out = 0

    @staticmethod
    def key(plain: bool) -> str:
        """The pack's process-state key of the gate of one kind of test."""
        return "skip_gate_plain" if plain else "skip_gate_folds"

    def should_check(self) -> bool:
        self.documents += 1
        return (self.documents <= self.WARMUP or self.ruled_out >= self.rate * self.checked
                or self.documents % self.PROBE == 0)

    def record(self, size: int, ruled_out: bool) -> None:
        self.checked += size
        self.ruled_out += size if ruled_out else 0
        if self.checked > self.WINDOW:  # recent text weighs more
            self.checked //= 2
            self.ruled_out //= 2


class Screen:
    """The prefilter's view of one document: `rules_out_document`, then `sentence_words` for
    its sentence spans, `active_sentences` and `candidates`."""

    def __init__(self, pack: CompiledPack, text: str) -> None:
        self.pack = pack
        self.text = text
        self._finder = pack.word_finder()
        self._plain = None if self._finder else pack.plain_words()
        self._hits: Hits | None = None  # the accelerator's words and pairs
        self._blanked: str | None = None  # the text for plain words (ASCII, `_plain` set)
        if self._plain is not None:
            self._blanked = self._plain.blank(text)
        self._spans: list[tuple[int, int]] = []
        self._folds: list[list[str]] | None = None  # token folds per sentence, when computed
        self._runs: list[list[str]] | None = None  # plain word runs per sentence
        self._sentence_fold_cache: dict[int, list[str]] = {}
        self._pairs: dict[int, set[Pair]] = {}
        self._pair_hits: list[set[Pair]] | None = None  # the accelerator's pairs per sentence
        self._lexicon_hits: dict[int, list[LexSpan]] = {}

    # ---- the whole document ------------------------------------------------------------
    def rules_out_document(self) -> bool:
        """Whether no rule can match anywhere in the text (asked when it pays)."""
        if self._finder is not None:
            return not self._document_may_match()
        plain = self._blanked is not None
        gate = self.pack.process_state(SkipGate.key(plain), lambda: SkipGate(
            SkipGate.PLAIN_RATE if plain else SkipGate.FOLDS_RATE))
        if not gate.should_check():
            return False
        ruled_out = not self._document_may_match()
        gate.record(len(self.text), ruled_out)
        return ruled_out

    def _document_may_match(self) -> bool:
        self._hits = self._finder.hits(self.text) if self._finder else None
        if self._hits is None and self._blanked is not None:
            return self._plain_document_may_match()
        if self._hits is not None:
            words = {word for _, word in self._hits.words}
            pairs = {pair for _, pair in self._hits.pairs}
        else:
            folds = token_fold_list(self.text)
            words, pairs = set(folds), set(pairwise(folds))
        features = words | self.pack.type_features
        return self.document_rule_may_match(features) or any(
            stage.sentence_index.has_candidate_given(features, pairs)
            for stage in self.pack.stages)

    def _plain_document_may_match(self) -> bool:
        """The document-level test from plain words; pairs are found only if a rule asks."""
        runs = self._blanked.split()
        features = self._plain.words(runs, self.text) | self.pack.type_features
        if self.document_rule_may_match(features):
            return True
        found: list[set[Pair]] = []

        def pairs() -> set[Pair]:
            if not found:
                found.append(self._plain.pairs_of_pair_words(runs) if self._plain.pairs_from_runs
                             else set(pairwise(token_fold_list(self.text))))
            return found[0]

        return any(stage.sentence_index.has_candidate(features, pairs)
                   for stage in self.pack.stages)

    def document_rule_may_match(self, features: set[str]) -> bool:
        """Whether a document-scope rule could match a text holding these features."""
        rules = self.pack.rules
        return any(rules[i].features is None or rules[i].features & features
                   for stage in self.pack.stages for i in stage.document_rules)

    # ---- sentences ---------------------------------------------------------------------
    def sentence_words(self, spans: list[tuple[int, int]], exhaustive: bool = False
                       ) -> list[set[str]]:
        """The words of each sentence that the prefilter looks at (all token folds when
        `exhaustive`, for explaining; the accelerator's hits when it has them)."""
        self._spans = spans
        if self._finder is not None and not exhaustive:
            if self._hits is None:
                self._hits = self._finder.hits(self.text)
            if self._hits is not None:
                return by_sentence(self._hits.words, spans)
        if self._blanked is not None and not exhaustive:
            blanked = self._blanked
            self._runs = runs = [blanked[start:end].split() for start, end in spans]
            if not self._plain.punctuation:
                return [set(words) for words in runs]
            text, words = self.text, self._plain.words
            return [words(found, text[start:end])
                    for found, (start, end) in zip(runs, spans, strict=True)]
        self._folds = token_fold_lists(self.text, spans)
        return [set(folds) for folds in self._folds]

    def active_sentences(self, features: list[set[str]]) -> list[int]:
        """Sentences where some rule of some stage could match, were every type present there
        but the lexicon types, which a sentence's folds show (looked up only if that matters).

        Only these sentences are tokenized, and lexicons, grammars and token classes are looked
        up only there, so text that no rule could touch costs little more than finding its
        sentences and words.
        """
        types = self.pack.type_features
        if any(stage.document_rules for stage in self.pack.stages) and \
                self.document_rule_may_match(set().union(*features) | types):
            return list(range(len(features)))
        lexicon = self.pack.lexicon_features
        reach = [stage.sentence_index.could_reach for stage in self.pack.stages]
        return [n for n, words in enumerate(features)
                if any(could_reach(words) for could_reach in reach)
                and self._may_match(words | types, n)
                and (not lexicon or self._may_match(
                    words | (types - lexicon) | self._lexicon_types(n), n))]

    def _may_match(self, features: set[str], sentence: int) -> bool:
        pairs = self._pair_source(sentence)
        if self._hits is not None and self._folds is None:  # the accelerator's pairs: at hand
            known = pairs()
            return any(stage.sentence_index.has_candidate_given(features, known)
                       for stage in self.pack.stages)
        return any(stage.sentence_index.has_candidate(features, pairs)
                   for stage in self.pack.stages)

    def _lexicon_types(self, sentence: int) -> set[str]:
        """The features of the lexicon types with a hit in a sentence."""
        return {type_feature(hit.entry.type) for hit in self.lexicon_hits(sentence)}

    def lexicon_hits(self, sentence: int) -> list[LexSpan]:
        """The lexicon hits of a sentence, token indexes counted from its first token (found
        from its folds once, for the screen and the matcher both)."""
        hits = self._lexicon_hits.get(sentence)
        if hits is None:
            folds = self._sentence_folds(sentence)
            hits = self._lexicon_hits[sentence] = self.pack.lexicon.find_in_folds(folds)
        return hits

    def _sentence_folds(self, sentence: int) -> list[str]:
        """The token folds of a sentence (folded on first demand when not all were)."""
        if self._folds is not None:
            return self._folds[sentence]
        folds = self._sentence_fold_cache.get(sentence)
        if folds is None:
            folds = self._sentence_fold_cache[sentence] = token_fold_list(
                self.text, *self._spans[sentence])
        return folds

    def candidates(self, index: PrefilterIndex, sentence: int, features: set[str]) -> set[int]:
        """The rules of one stage that could match a sentence holding `features`."""
        return index.candidates(features, self._pair_source(sentence))

    def _pair_source(self, index: int) -> Callable[[], set[Pair]]:
        """The adjacent token pairs of a sentence, found on first demand."""
        def pairs() -> set[Pair]:
            found = self._pairs.get(index)
            if found is None:
                found = self._pairs[index] = self._sentence_pairs(index)
            return found

        return pairs

    def _sentence_pairs(self, index: int) -> set[Pair]:
        if self._hits is not None and self._folds is None:
            if self._pair_hits is None:
                self._pair_hits = by_sentence(self._hits.pairs, self._spans)
            return self._pair_hits[index]
        if self._runs is not None and self._plain.pairs_from_runs:
            return self._plain.pairs(self._runs[index])
        return set(pairwise(self._sentence_folds(index)))
