"""Required features of a pattern, and the index that picks candidate rules per sentence.

A feature is a folded word or `#TYPE` (a span of that type is present). For each rule the
compiler derives clauses: sets of features of which at least one must occur in a sentence for
the rule to match there (a sequence requires the clauses of all its required elements,
alternatives the union of their anchors). The index is keyed by each rule's anchor, its rarest
clause, so a sentence looks up only the rules anchored on words it contains; the other clauses
are then checked with set operations before any regex runs, and last the rule's pair clauses
(words it needs side by side, `engine.adjacency`) against the sentence's adjacent token pairs,
computed on demand. A rule without clauses runs on every sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from . import ast
from .adjacency import Pair, PairClause
from .codegen import BUILTIN_TYPES
from .inflect import inflections
from .text import Token, fold, literal_tokens

Features = frozenset[str]
PairSource = Callable[[], "set[Pair]"]  # the sentence's adjacent token pairs, on demand
MacroLookup = Callable[[str], "ast.Node | None"]

COMMON_WORDS = frozenset("""
the a an of in on at to and or for with by from as is are was were be been has have had it
its this that these those he she they we said says after before during into over about than
""".split())


def type_feature(type_name: str) -> str:
    return f"#{type_name}"


def builtin_start(type_name: str) -> str:
    """The start feature of a built-in type (`%NAME`): a token where one of its spans may
    begin (see `builtin_starts_in`). Only `first_features` uses it, never the prefilter."""
    return f"%{type_name}"


# The start feature of the first token of a sentence: a match of `^ ...` begins only there.
SENTENCE_START = "%^"


def builtin_starts_in(type_name: str, tokens: Sequence[Token]) -> list[int]:
    """The indexes of the tokens where a span of a built-in type may begin: a superset of where
    its pattern in `engine.codegen` can begin (a NAME token's text starts with an upper-case
    letter, a WORD token's fold with a letter)."""
    if type_name == "NAME":
        return [n for n, token in enumerate(tokens) if token.norm[:1].isupper()]
    return [n for n, token in enumerate(tokens) if token.fold[:1].isalpha()]


def required_features(node: ast.Node, macro: MacroLookup) -> Features | None:
    """Features of which one must be present for `node` to match; None if unknown."""
    return _REQUIRE[type(node)](node, macro)


def required_clauses(node: ast.Node, macro: MacroLookup) -> tuple[Features, ...]:
    """Every clause `node` needs: from each one, some feature must be present."""
    if isinstance(node, ast.Seq):
        return tuple(c for item in node.items for c in required_clauses(item, macro))
    if isinstance(node, ast.Group):
        return required_clauses(node.body, macro)
    if isinstance(node, ast.Repeat):
        return required_clauses(node.item, macro) if node.low > 0 else ()
    if isinstance(node, ast.Capture) and node.body is not None:
        return required_clauses(node.body, macro)
    if isinstance(node, ast.MacroRef):
        body = macro(node.name)
        return () if body is None else required_clauses(body, macro)
    if isinstance(node, (ast.Word, ast.Phrase)):
        return tuple(frozenset({tok.fold}) for tok in literal_tokens(node.text))
    anchor = required_features(node, macro)
    return (anchor,) if anchor else ()


def _word(node: ast.Word | ast.Phrase, macro: MacroLookup) -> Features | None:
    folds = [tok.fold for tok in literal_tokens(node.text)]
    return frozenset({min(folds, key=_word_cost)}) if folds else None


def _seq(node: ast.Seq, macro: MacroLookup) -> Features | None:
    options = [f for f in (required_features(i, macro) for i in node.items) if f]
    return min(options, key=cost) if options else None


def _alt(node: ast.Alt, macro: MacroLookup) -> Features | None:
    parts = [required_features(o, macro) for o in node.options]
    if any(p is None for p in parts):
        return None
    return frozenset().union(*parts)


def _capture(node: ast.Capture, macro: MacroLookup) -> Features | None:
    if node.body is not None:
        return required_features(node.body, macro)
    if node.type_name in BUILTIN_TYPES:
        return None
    return frozenset({type_feature(node.type_name)})


def _macro(node: ast.MacroRef, macro: MacroLookup) -> Features | None:
    body = macro(node.name)
    return None if body is None else required_features(body, macro)


def _none(node: ast.Node, macro: MacroLookup) -> None:
    return None


_REQUIRE = {
    ast.Word: _word,
    ast.Phrase: _word,
    ast.Inflect: lambda n, m: frozenset(fold(f) for f in inflections(n.lemma)),
    ast.RegexToken: _none,
    ast.AnyToken: _none,
    ast.Skip: _none,
    ast.Anchor: _none,
    ast.Look: _none,
    ast.Not: _none,
    ast.Seq: _seq,
    ast.Alt: _alt,
    ast.Group: lambda n, m: required_features(n.body, m),
    ast.Repeat: lambda n, m: required_features(n.item, m) if n.low > 0 else None,
    ast.Capture: _capture,
    ast.MacroRef: _macro,
}


def _word_cost(word: str) -> float:
    if word in COMMON_WORDS or not word.isalnum():
        return 10.0
    return 1.0 / max(len(word), 1)


def cost(features: Features) -> float:
    """How often a feature set is expected to let a rule through (lower is more selective)."""
    return sum(2.0 if f.startswith("#") else _word_cost(f) for f in features)


@dataclass
class PrefilterIndex:
    """Maps features to the rules that require them; rules without features always run."""

    by_feature: dict[str, list[int]] = field(default_factory=dict)
    always: list[int] = field(default_factory=list)
    clauses: dict[int, tuple[Features, ...]] = field(default_factory=dict)
    required: dict[int, Features] = field(default_factory=dict)
    by_pair: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    pair_words: set[str] = field(default_factory=set)
    rules: set[int] = field(default_factory=set)
    adjacent: dict[int, tuple[PairClause, ...]] = field(default_factory=dict)
    # For texts whose pairs are known at once (see `has_candidate_given`): the pairs of each
    # rule's smallest pair clause (one must be present), and an index of the other rules.
    needed_pairs: set[Pair] = field(default_factory=set)
    unpaired: PrefilterIndex | None = None
    nested: bool = False  # this is an `unpaired` index

    def add(self, rule_index: int, features: Features | None,
            clauses: tuple[Features, ...] = (),
            adjacent: tuple[PairClause, ...] = ()) -> None:
        """Index a rule by its anchor; `clauses` and `adjacent` (pair clauses, see
        `engine.adjacency`) are checked on lookup.

        A rule that requires two or more words is indexed by its two rarest words together,
        so a sentence reaches it only when it holds both; otherwise by its anchor `features`.
        Clauses of one feature are kept as one set of required features (a subset test in C);
        the others are checked one by one, rarest first.
        """
        self.rules.add(rule_index)
        if adjacent:
            self.adjacent[rule_index] = adjacent
            self.needed_pairs.update(min(adjacent, key=len))
        elif not self.nested:
            if self.unpaired is None:
                self.unpaired = PrefilterIndex(nested=True)
            self.unpaired.add(rule_index, features, clauses)
        every = set(clauses) | ({features} if features else set())
        single = frozenset(f for c in every if len(c) == 1 for f in c)
        multiple = tuple(sorted((c for c in every if len(c) > 1), key=cost))
        if single:
            self.required[rule_index] = single
        if multiple:
            self.clauses[rule_index] = multiple
        words = sorted((f for f in single if not f.startswith("#")),
                       key=lambda w: (_word_cost(w), w))
        if len(words) >= 2:
            pair = tuple(sorted(words[:2]))
            self.by_pair.setdefault(pair, []).append(rule_index)
            self.pair_words.update(pair)
        elif not features:
            self.always.append(rule_index)
        else:
            for feature in features:
                self.by_feature.setdefault(feature, []).append(rule_index)

    def _found(self, features: set[str]) -> set[int]:
        found: set[int] = set()
        for rules in self._reached(features):
            found.update(rules)
        return found

    def _reached(self, features: set[str]) -> Iterator[list[int]]:
        """The lists of rules the features present reach, by anchor or by pair, lazily."""
        yield self.always
        lookup = self.by_feature
        for feature in lookup.keys() & features:  # in C, over the smaller of the two
            yield lookup[feature]
        if self.by_pair:
            present = sorted(features & self.pair_words)
            pairs = self.by_pair
            for i, first in enumerate(present):
                for second in present[i + 1:]:
                    rules = pairs.get((first, second))
                    if rules:
                        yield rules

    def _met(self, rule: int, features: set[str], pairs: PairSource | None) -> bool:
        required = self.required.get(rule)
        if required is not None and not required <= features:
            return False
        clauses = self.clauses.get(rule)
        if clauses is not None and not all(not c.isdisjoint(features) for c in clauses):
            return False
        adjacent = self.adjacent.get(rule) if pairs is not None else None
        if adjacent is None:
            return True
        present = pairs()
        return all(not c.isdisjoint(present) for c in adjacent)

    def candidates(self, features: set[str], pairs: PairSource | None = None) -> set[int]:
        """Rules whose every clause is met by the features present (and, given `pairs`, the
        adjacent token pairs of the sentence, computed only when a rule needs them)."""
        met = self._met
        return {r for r in self._found(features) if met(r, features, pairs)}

    def could_reach(self, words: set[str]) -> bool:
        """A quick necessary test of `has_candidate` for a sentence with these words and every
        type: whether they reach any rule at all (most sentences of a text reach none)."""
        if self.always or self._type_anchored():
            return True
        return not self.by_feature.keys().isdisjoint(words) or len(words & self.pair_words) > 1

    def _type_anchored(self) -> bool:
        anchored = self.__dict__.get("_anchored_by_type")
        if anchored is None:
            anchored = self.__dict__["_anchored_by_type"] = any(
                feature.startswith("#") for feature in self.by_feature)
        return anchored

    def has_candidate(self, features: set[str], pairs: PairSource | None = None) -> bool:
        """Whether any rule's every clause is met (stops at the first)."""
        met = self._met
        return any(met(r, features, pairs) for rules in self._reached(features) for r in rules)

    def has_candidate_given(self, features: set[str], pairs: set[Pair]) -> bool:
        """`has_candidate` for a text whose adjacent pairs are known already: when it holds no
        pair that a rule with pair clauses needs (most documents a pack rules out), only the
        rules without pair clauses are looked at."""
        if self.needed_pairs.isdisjoint(pairs):
            return self.unpaired is not None and self.unpaired.has_candidate(features)
        return self.has_candidate(features, lambda: pairs)

def first_features(node: ast.Node, macro: MacroLookup) -> Features | None:
    """Features of which one must be at the first token of every match; None if unknown.

    The matcher tries a rule only at tokens with one of these features instead of scanning
    every position of a sentence.
    """
    if isinstance(node, ast.Seq):
        return _first_of_items(node.items, macro)
    if isinstance(node, ast.Alt):
        parts = [first_features(o, macro) for o in node.options]
        return None if any(p is None for p in parts) else frozenset().union(*parts)
    if isinstance(node, ast.Group):
        return first_features(node.body, macro)
    if isinstance(node, ast.Repeat):
        return first_features(node.item, macro) if node.low > 0 else None
    if isinstance(node, ast.Capture):
        if node.body is not None:
            return first_features(node.body, macro)
        if node.type_name in BUILTIN_TYPES:
            return frozenset({builtin_start(node.type_name)})
        return frozenset({type_feature(node.type_name)})
    if isinstance(node, ast.MacroRef):
        body = macro(node.name)
        return None if body is None else first_features(body, macro)
    if isinstance(node, (ast.Word, ast.Phrase)):
        tokens = literal_tokens(node.text)
        return frozenset({tokens[0].fold}) if tokens else None
    if isinstance(node, ast.Inflect):
        return frozenset(fold(f) for f in inflections(node.lemma))
    return None


def _first_of_items(items: tuple[ast.Node, ...], macro: MacroLookup) -> Features | None:
    if items and isinstance(items[0], ast.Anchor) and \
            items[0].kind is ast.AnchorKind.SENTENCE_START:
        return frozenset({SENTENCE_START})
    found: set[str] = set()
    for item in items:
        if isinstance(item, (ast.Look, ast.Anchor)):
            continue
        inner = item.item if isinstance(item, ast.Repeat) and item.low == 0 else item
        features = first_features(inner, macro)
        if features is None:
            return None
        found |= features
        if _min_tokens(item, macro) > 0:
            return frozenset(found)
    return None


def _min_tokens(node: ast.Node, macro: MacroLookup) -> int:
    from .codegen import min_tokens

    macros = _MacroView(macro)
    return min_tokens(node, macros)


class _MacroView(dict):
    """Lets `min_tokens` look macros up through a lookup function."""

    def __init__(self, macro: MacroLookup):
        super().__init__()
        self._macro = macro

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._macro(name) is not None

    def __getitem__(self, name: str):
        return (self._macro(name), None)
