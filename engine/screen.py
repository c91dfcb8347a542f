"""Which text of a document a pack could match: the prefilter's questions, asked of one text.

Before anything is split or tokenized: could any rule match anywhere in the document, judged by
its words and word pairs with every type assumed present? (With the accelerator the words and
pairs are its hits, which then serve the sentences too; without it, `SkipGate` says when asking
pays.) Then per sentence: its words and adjacent word pairs (from the cheapest of the sources in
`engine.word_sources`: the accelerator's hits, plain words or token folds), whether it is active
(some rule could match there, given the lexicon types its folds hold; those hits then serve the
matcher), and, once its typed spans are known, the candidate rules. Results never depend on any
of this, only the cost (`tests/test_prefilter.py`).
"""

from __future__ import annotations

from collections.abc import Callable

from .adjacency import Pair
from .compile import CompiledPack
from .lexicon import LexSpan
from .prefilter import PrefilterIndex, type_feature
from .word_sources import word_source


class SkipGate:
    """Whether the document-level test is worth asking without the accelerator.

    From token folds the test costs about half of what it saves on a document it rules out,
    from plain words about 40% (each source's `gate_rate`), so it pays only when that much text
    is ruled out (a pack of selective rules). The gate counts, per pack, process and source, the
    share of checked text that was ruled out; below the rate, only one document in `PROBE` is
    checked, to notice when the text changes.
    """

    WARMUP, PROBE, WINDOW = 16, 64, 4_000_000

    def __init__(self, rate: float = 0.5) -> None:
        self.rate = rate
        self.documents = self.checked = self.ruled_out = 0

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
    its sentence spans, `active_sentences` and `candidates`. `exhaustive` (for explaining)
    looks at every token fold."""

    def __init__(self, pack: CompiledPack, text: str, exhaustive: bool = False) -> None:
        self.pack = pack
        self.text = text
        self._source = word_source(text, pack.word_finder(), pack.plain_words(), exhaustive)
        self._pairs: dict[int, set[Pair]] = {}
        self._lexicon_hits: dict[int, list[LexSpan]] = {}

    # ---- the whole document ------------------------------------------------------------
    def rules_out_document(self) -> bool:
        """Whether no rule can match anywhere in the text (asked when it pays)."""
        source = self._source
        if source.gate_key is None:
            return not self._document_may_match()
        gate = self.pack.process_state(source.gate_key, lambda: SkipGate(source.gate_rate))
        if not gate.should_check():
            return False
        ruled_out = not self._document_may_match()
        gate.record(len(self.text), ruled_out)
        return ruled_out

    def _document_may_match(self) -> bool:
        words, pairs = self._source.document()
        features = words | self.pack.type_features
        return self.document_rule_may_match(features) or self._has_candidate(features, pairs)

    def document_rule_may_match(self, features: set[str]) -> bool:
        """Whether a document-scope rule could match a text holding these features."""
        rules = self.pack.rules
        return any(rules[i].features is None or rules[i].features & features
                   for stage in self.pack.stages for i in stage.document_rules)

    # ---- sentences ---------------------------------------------------------------------
    def sentence_words(self, spans: list[tuple[int, int]]) -> list[set[str]]:
        """The words of each sentence that the prefilter looks at (perhaps with others)."""
        return self._source.sentences(spans)

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
        return self._has_candidate(features, self._pair_source(sentence))

    def _has_candidate(self, features: set[str], pairs: Callable[[], set[Pair]]) -> bool:
        """Whether some rule of some stage could match a text with these features and pairs
        (pairs known up front are asked about at once)."""
        if self._source.pairs_known:
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
            folds = self._source.folds(sentence)
            hits = self._lexicon_hits[sentence] = self.pack.lexicon.find_in_folds(folds)
        return hits

    def candidates(self, index: PrefilterIndex, sentence: int, features: set[str]) -> set[int]:
        """The rules of one stage that could match a sentence holding `features`."""
        return index.candidates(features, self._pair_source(sentence))

    def _pair_source(self, index: int) -> Callable[[], set[Pair]]:
        """The adjacent token pairs of a sentence, found on first demand."""
        def pairs() -> set[Pair]:
            found = self._pairs.get(index)
            if found is None:
                found = self._pairs[index] = self._source.sentence_pairs(index)
            return found

        return pairs
