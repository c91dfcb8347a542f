"""The prefilter changes speed, never results: a pruned run equals an exhaustive one.

Random packs are drawn from a pool of patterns covering every language form; random texts are
drawn from a soup of words those patterns care about. For each pair, the matches of the normal
run (sentences pruned, rules picked by required words, programs tried only where their first
token can be) equal those of the exhaustive run (every rule tried everywhere).
"""

from __future__ import annotations

import functools
import random
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
from engine.prefilter import first_features, required_clauses
from engine.screen import SkipGate
from engine.word_sources import FoldSource, PlainSource

FIXTURES = Path(__file__).parent / "fixtures" / "prefilter"
POOL = [
    "{n:NUMBER} {v:VICTIM} @DIED",
    "{v:VICTIM} (were | was)? @DIED ... in {p:PLACE}",
    "{a:ACTOR} (struck | hit~ | pounded) ...{0,3} {p:PLACE}?",
    "killing {n:NUMBER} {v:VICTIM}?",
    "(?<! no) casualties",
    "{p:PLACE[kind=city]} (?= ,)",
    "!(no | not) {v:VICTIM} fled",
    "^ {p:PLACE} :",
    "toll (rose | climbed) to {n:NUMBER} $",
    "/[0-9]{4}/ attacks?",
    "{w:WORD} {v:VICTIM} @DIED",
    "{x:NAME} said",
    "_ {p:PLACE} _",
    "({a:ACTOR} ...)? @DIED",
    "at least {n:NUMBER} (civilians | soldiers)",
    "(Russian jets | the army) (have)? (?= struck | pounded) (struck | pounded) {p:PLACE}?",
    "(death)? toll (of {v:VICTIM})? (rose | climbed)",
]
CASCADE = [
    ("Kill", "{k:Kill} ... {p:PLACE}"),
    ("Strike", "{s:Strike} (and | ,) {k:Kill}"),
]
SOUP = ["Hama", "Deir", "Ezzor", "Syria", "killed", "died", "slain", "were", "was", "12", "two",
        "hundred", "civilians", "soldiers", "people", "children", "Russian", "jets", "struck",
        "hits", "pounded", "in", "no", "casualties", "fled", ",", ".", ":", "toll", "rose", "to",
        "2016", "attacks", "said", "Ahmed", "Saleh", "the", "army", "rebels", "\n\n", "killing",
        "Deir-Ezzor", "about", "at", "least", "and", "have", "death", "of", "climbed"]


# Pieces that match the pool's word sequences, so that texts often hold their adjacent pairs.
PHRASES = ["at least 12 civilians", "civilians were killed in Hama", "toll rose to two",
           "death toll of soldiers climbed", "Russian jets have struck Hama", "the army pounded",
           "no casualties", "12 people died", "rebels fled", "Ahmed Saleh said",
           # where plain words (`engine.plain_words`) hold more than the tokens
           "3.5km", "2.5killed in", "killed5", "don't", "U.S. jets", "Hama`s", "were_killed"]
TEXT_SOUP = SOUP + PHRASES

# Rules that need words (no rule anchored on a type alone, no cascade): packs of these let the
# document-level test rule texts out.
SELECTIVE = [p for p in POOL if not p.startswith(("{p:PLACE", "^", "_", "/"))]


def _pack_yaml(seed: int) -> str:
    rng = random.Random(seed)
    selective = seed >= 4
    lines = ["rules:"]
    for n, pattern in enumerate(rng.sample(SELECTIVE if selective else POOL, 8)):
        label = "Kill" if "@DIED" in pattern else rng.choice(["Strike", "Other"])
        lines += [f"  - name: r{n}", f"    label: {label}", f"    pattern: {pattern!r}",
                  f"    priority: {rng.randint(0, 3)}"]
        if rng.random() < 0.2:
            lines.append("    overlap: all" if label == "Other" else "    scope: sentence")
    for n, (label, pattern) in enumerate([] if selective else CASCADE):
        lines += [f"  - name: c{n}", f"    label: Cascade{label}", f"    pattern: {pattern!r}"]
    lines += ["  - name: doc", "    scope: document", "    pattern: 'rebels ... fled'"]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def packs(tmp_path_factory) -> list[engine.Pack]:
    loaded = []
    for seed in range(6):  # 4 and 5 are selective
        folder = tmp_path_factory.mktemp(f"pack{seed}")
        shutil.copy(FIXTURES / "lexicons.yaml", folder / "lexicons.yaml")
        (folder / "rules.yaml").write_text(_pack_yaml(seed), encoding="utf-8")
        loaded.append(engine.load(folder, cache=False))
    return loaded


class _AlwaysCheck(SkipGate):
    """A gate that always tries the document-level test (the real one may stop trying)."""

    def should_check(self) -> bool:
        return True


def _pure_packs(packs, plain_words: bool) -> list[engine.Pack]:
    """The same packs on the pure-Python path, always asking the document-level test (which
    uses word pairs there); without plain words, words come from token folds only."""
    loaded = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RULECRAFT_NO_ACCEL", "1")
        for pack in packs:
            pure = engine.load(pack.path, cache=False)
            assert pure.compiled.word_finder() is None
            if not plain_words:
                pure.compiled.process_state("plain_words", lambda: None)
            for source in (PlainSource, FoldSource):
                pure.compiled.process_state(source.gate_key, _AlwaysCheck)
            loaded.append(pure)
    return loaded


@pytest.fixture(scope="module")
def pure_packs(packs) -> list[engine.Pack]:
    return _pure_packs(packs, plain_words=True)


@pytest.fixture(scope="module")
def folds_packs(packs) -> list[engine.Pack]:
    return _pure_packs(packs, plain_words=False)


def _summary(run) -> list[tuple]:
    return [(m.rule, m.start, m.end, repr(m.fields)) for m in run.matches]


# pure: with the document test, from plain words where the text is ASCII; folds: never plain
@pytest.mark.parametrize("group", ["packs", "pure_packs", "folds_packs"])
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(st.sampled_from(TEXT_SOUP), min_size=1, max_size=60),
       which=st.integers(0, 5))
def test_pruned_run_equals_exhaustive_run(request, group: str, words: list[str],
                                          which: int) -> None:
    pack = request.getfixturevalue(group)[which]
    text = " ".join(words)
    assert _summary(pack.run(text)) == _summary(pack.run(text, exhaustive=True))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(st.sampled_from(TEXT_SOUP), min_size=1, max_size=40),
       which=st.integers(0, 5), types=st.booleans())
def test_candidates_given_pairs_equal_candidates_with_pairs_on_demand(packs, words, which,
                                                                      types) -> None:
    from itertools import pairwise

    from engine.text import token_fold_list

    compiled = packs[which].compiled
    folds = token_fold_list(" ".join(words))
    features = set(folds) | (set(compiled.type_features) if types else set())
    pairs = set(pairwise(folds))
    for stage in compiled.stages:
        index = stage.sentence_index
        assert index.has_candidate_given(features, pairs) == index.has_candidate(
            features, lambda: pairs)


def test_the_document_test_rules_texts_out(packs, pure_packs) -> None:
    """Guard against a vacuous property: some packs rule some soup texts out, on both paths."""
    texts = ["the army said", "Killed were the civilians , no toll", "about at least and"]
    for group in (packs, pure_packs):
        assert any(pack.run(text).skipped for pack in group for text in texts)


def test_the_pool_exercises_the_prefilter(packs) -> None:
    """Guard against a vacuous property: most rules have clauses and first features."""
    compiled = packs[0].compiled
    look = lambda name: compiled.macros.get(name, (None,))[0]  # noqa: E731
    rules = compiled.rules
    assert sum(bool(required_clauses(r.syntax(), look)) for r in rules) >= len(rules) - 2
    assert sum(first_features(r.syntax(), look) is not None for r in rules) >= len(rules) // 2
    text = "About 12 civilians were killed in Hama. Russian jets struck Syria, no casualties."
    assert packs[0].extract(text)
    assert sum(bool(r.adjacent) for p in packs for r in p.compiled.rules) >= 4


@pytest.mark.parametrize("pattern, first", [
    ("^ {p:PLACE} :", {"%^"}),
    ("^ (the)? army said", {"%^"}),
    ("{x:NAME} said", {"%NAME"}),
    ("(?<! no) {w:WORD} killed", {"%WORD"}),
    ("(the | {x:NAME}) said", {"the", "%NAME"}),
    ("(the)? ^ army", {"the", "army"}),  # `^` not first: the words around it
])
def test_start_features_of_anchors_and_built_in_types(pattern: str, first) -> None:
    from engine.parse import parse_pattern

    found = first_features(parse_pattern(pattern), lambda name: None)
    assert found == (None if first is None else frozenset(first))


def test_rules_starting_with_anchors_or_names_are_tried_only_where_they_can_start(
        make_pack) -> None:
    from engine.match import DocumentRun

    pack = make_pack("""
rules:
  - {name: opening, label: A, pattern: "^ (the)? army said"}
  - {name: speaker, label: B, pattern: "{x:NAME} said"}
""").compiled
    text = "The army said so. Later the army said more, and Ahmed said nothing."
    tried: list[tuple[str, int]] = []
    run = DocumentRun(pack, text)
    original = run._regex_matches

    def spy(rule, enc):
        for pos in enc.starts_of(rule.first):
            tried.append((rule.name, enc.first_token + enc.cell_starts.index(pos)))
        return original(rule, enc)

    run._regex_matches = spy
    matches = [(m.rule, m.text) for m in run.run()]
    assert matches == [("rules.opening", "The army said"), ("rules.speaker", "Ahmed said")]
    starts = {name: sorted(run.tokens[i].text for n, i in tried if n == f"rules.{name}")
              for name in ("opening", "speaker")}
    assert starts == {"opening": ["Later", "The"], "speaker": ["Ahmed", "Later", "The"]}


TEXT_PIECES = ["Hama", "U.S.", "3.5", "1,200", "km", "F-16", "'s", "\u2019", ".", "?", "!", " ",
               "\n", "\n\n", "Deir-Ezzor", "\u00ad", "e\u0301", "\u2026", "\"", "(", ")", "Mr.",
               "The", "they", "\u0661\u066c\u0662", "\U0001F4A5", "\t", "\x1d", "said."]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(TEXT_PIECES), max_size=40))
def test_tokenizing_sentence_by_sentence_equals_tokenizing_the_whole(pieces: list[str]) -> None:
    from engine.sentence_spans import sentence_spans
    from engine.text import token_fold_list, token_fold_lists, tokenize

    text = "".join(pieces)
    whole = tokenize(text)
    spans = sentence_spans(text)
    assert [t for a, b in spans for t in tokenize(text, a, b)] == whole
    per_sentence = [[t.fold for t in tokenize(text, a, b)] for a, b in spans]
    assert [token_fold_list(text, a, b) for a, b in spans] == per_sentence
    assert token_fold_lists(text, spans) == per_sentence  # lexicon hits are found in these


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(st.sampled_from(SOUP + ["3.5km", "killed5", "5killed", "IN"]),
                      min_size=1, max_size=50), which=st.integers(0, 3))
def test_accelerator_finds_the_same_candidates(packs, words, which) -> None:
    pytest.importorskip("hyperscan", reason="the accelerator needs hyperscan (extra 'fast')")
    from engine.match import DocumentRun

    pack = packs[which].compiled
    text = " ".join(words)
    assert pack.word_finder() is not None
    fast = DocumentRun(pack, text)
    with pytest.MonkeyPatch.context() as patch:  # the fixture would stay set across examples
        patch.setenv("RULECRAFT_NO_ACCEL", "1")
        _forget_word_finder(pack)
        try:
            assert pack.word_finder() is None
            plain = DocumentRun(pack, text)  # plain words, where the pack's words allow
            pack.__dict__["_process_state"]["plain_words"] = None
            slow = DocumentRun(pack, text)  # token folds
        finally:
            _forget_word_finder(pack)
            pack.__dict__["_process_state"].pop("plain_words", None)
    assert fast.active == slow.active  # the same words and pairs: the same sentences
    assert set(fast.active) <= set(plain.active)  # plain words may hold more ("5killed")
    assert _summary_of(fast) == _summary_of(slow) == _summary_of(plain)


HIT_WORDS = ["killed", "in", "hama", "'", "s", ",", "were", "5", "km", "_", "the"]
HIT_PIECES = ["Killed", "killed", "in", "IN", "Hama", "hama's", "`s", "'", "s", ",", "were",
              "5", "3.5", "km", "5km", "_", "the", "x", " ", "  ", "\n", "\t", "\x1d", "\x7f",
              ".", "-", "(", "2016", "1,200"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(HIT_PIECES), max_size=30))
def test_accelerator_hits_hold_every_word_and_pair_of_each_sentence(pieces) -> None:
    """Per sentence, the finder reports every vocabulary word and pair its tokens hold."""
    pytest.importorskip("hyperscan", reason="the accelerator needs hyperscan (extra 'fast')")
    from itertools import pairwise

    from engine.accel import by_sentence
    from engine.sentence_spans import sentence_spans
    from engine.text import token_fold_list

    pairs = [(a, b) for a in HIT_WORDS for b in HIT_WORDS]
    finder = _finder(tuple(HIT_WORDS), tuple(pairs))
    text = "".join(pieces)
    spans = sentence_spans(text)
    hits = finder.hits(text)
    for (start, end), words, found_pairs in zip(spans, by_sentence(hits.words, spans),
                                                by_sentence(hits.pairs, spans), strict=True):
        folds = token_fold_list(text, start, end)
        assert {f for f in folds if f in HIT_WORDS} <= words
        assert set(pairwise(folds)) & set(pairs) <= found_pairs


@functools.cache
def _finder(words: tuple[str, ...], pairs: tuple[tuple[str, str], ...]):
    from engine.accel import WordFinder

    return WordFinder.build(words, pairs)


def _forget_word_finder(pack) -> None:
    """Drop the finder this process built, so the next use builds it under the current env."""
    pack.__dict__.get("_process_state", {}).pop("word_finder", None)


def _summary_of(run) -> list[tuple]:
    run.run()
    return _summary(run)


def test_accelerator_declines_words_it_cannot_stand_for() -> None:
    from engine.accel import WordFinder

    assert WordFinder.build(["1,200"]) is None
    assert WordFinder.build(["ḥalab"]) is None


def test_exhaustive_mode_tries_every_rule_of_a_stage(packs) -> None:
    """Rules indexed by a pair of words are tried too when the prefilter is off."""
    for pack in packs:
        for stage in pack.compiled.stages:
            indexed = set(stage.sentence_index.always).union(
                *stage.sentence_index.by_feature.values(), *stage.sentence_index.by_pair.values())
            sentence_rules = {i for i in stage.rules if i not in stage.document_rules}
            assert stage.sentence_index.rules == indexed == sentence_rules


def test_accelerator_database_comes_from_the_cache_once_built(tmp_path, monkeypatch) -> None:
    pytest.importorskip("hyperscan", reason="the accelerator needs hyperscan (extra 'fast')")
    import pickle

    from engine.accel import WordFinder, by_sentence

    monkeypatch.setenv("RULECRAFT_CACHE_DIR", str(tmp_path))
    text, spans = "Killed near Hama. Calm in Homs.", [(0, 17), (18, 31)]
    words, pairs = ["killed", "hama", "homs"], [("in", "homs")]
    built = WordFinder.build(words, pairs)
    entries = list(tmp_path.glob("words-*.pickle"))
    assert len(entries) == 1
    loaded = WordFinder.build(words[::-1], pairs)  # the same words: the cached database
    expected = [{"killed", "hama"}, {"homs"}]
    assert by_sentence(loaded.hits(text).words, spans) == expected
    assert by_sentence(built.hits(text).words, spans) == expected
    assert by_sentence(loaded.hits(text).pairs, spans) == [set(), {("in", "homs")}]
    assert len(list(tmp_path.glob("words-*.pickle"))) == 1
    WordFinder.build(words)  # other pairs: another database
    assert len(list(tmp_path.glob("words-*.pickle"))) == 2
    entries[0].write_bytes(pickle.dumps(b"not a database"))  # a broken entry is compiled again
    rebuilt = WordFinder.build(words, pairs)
    assert by_sentence(rebuilt.hits(text).words, spans) == expected
