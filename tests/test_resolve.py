"""Tests of the resolve stage: which overlapping matches survive, per overlap policy, as a table.

A match is written `rule:label:start-end:priority`; a row lists the matches found, the policies
of the groups, and the matches kept (in document order).
"""

from __future__ import annotations

import itertools
import time

import pytest

from engine.model import Match
from engine.resolve import overlap_group, resolve


def m(spec: str) -> Match:
    """A match from `rule:label:start-end:priority` (label may be empty, priority omitted)."""
    rule, label, span, *rest = spec.split(":")
    start, end = (int(x) for x in span.split("-"))
    return Match(rule=rule, label=label or None, start=start, end=end, text="x" * (end - start),
                 priority=int(rest[0]) if rest else 0)


def key(match: Match) -> str:
    return f"{match.rule}:{match.label or ''}:{match.start}-{match.end}:{match.priority}"


ROWS = [
    # (id, matches, policies, kept)
    ("no-overlap-all-kept", ["a:K:0-5:0", "b:K:6-9:0"], {}, ["a:K:0-5:0", "b:K:6-9:0"]),
    ("touching-is-not-overlap", ["a:K:0-5:0", "b:K:5-9:0"], {}, ["a:K:0-5:0", "b:K:5-9:0"]),
    ("longest-by-default", ["a:K:0-5:9", "b:K:0-9:0"], {}, ["b:K:0-9:0"]),
    ("longest-then-priority", ["a:K:0-5:1", "b:K:2-7:3"], {}, ["b:K:2-7:3"]),
    ("longest-then-earlier", ["a:K:2-7:0", "b:K:0-5:0"], {"K": "longest"}, ["b:K:0-5:0"]),
    ("longest-then-rule-name", ["b:K:0-5:0", "a:K:0-5:0"], {}, ["a:K:0-5:0"]),
    ("priority-beats-length", ["a:K:0-5:9", "b:K:0-9:0"], {"K": "priority"}, ["a:K:0-5:9"]),
    ("priority-then-longest", ["a:K:0-5:1", "b:K:3-10:1"], {"K": "priority"}, ["b:K:3-10:1"]),
    ("all-keeps-everything", ["a:K:0-5:9", "b:K:0-9:0", "c:K:2-3:0"], {"K": "all"},
     ["b:K:0-9:0", "a:K:0-5:9", "c:K:2-3:0"]),
    ("groups-do-not-compete", ["a:K:0-5:0", "b:L:0-9:0"], {}, ["b:L:0-9:0", "a:K:0-5:0"]),
    ("unlabelled-rule-is-own-group", ["a::0-5:0", "b::0-9:0"], {}, ["b::0-9:0", "a::0-5:0"]),
    ("unlabelled-rule-competes-with-itself", ["a::0-5:0", "a::3-9:0"], {}, ["a::3-9:0"]),
    ("chain-keeps-non-overlapping-ends", ["a:K:0-4:0", "b:K:3-10:0", "c:K:9-13:0"], {},
     ["b:K:3-10:0"]),
    ("chain-of-shorter-around-longest", ["a:K:0-4:0", "b:K:5-12:0", "c:K:12-14:0",
                                         "d:K:3-6:0"], {}, ["a:K:0-4:0", "b:K:5-12:0",
                                                            "c:K:12-14:0"]),
    ("policy-per-group", ["a:K:0-5:9", "b:K:0-9:0", "c:L:0-5:9", "d:L:0-9:0"],
     {"K": "priority"}, ["d:L:0-9:0", "a:K:0-5:9"]),
    ("nested-inside-longer", ["a:K:2-4:0", "b:K:0-9:0"], {}, ["b:K:0-9:0"]),
    ("empty", [], {}, []),
]


@pytest.mark.parametrize(("matches", "policies", "kept"), [r[1:] for r in ROWS],
                         ids=[r[0] for r in ROWS])
def test_policies(matches: list[str], policies: dict[str, str], kept: list[str]) -> None:
    assert [key(x) for x in resolve([m(s) for s in matches], policies)] == kept


def test_result_is_in_document_order() -> None:
    found = [m("a:K:20-25"), m("b:L:0-3"), m("c:M:10-12"), m("d:N:0-8")]
    assert [key(x) for x in resolve(found, {})] == [
        "d:N:0-8:0", "b:L:0-3:0", "c:M:10-12:0", "a:K:20-25:0"]


def test_overlap_group_is_label_else_rule() -> None:
    assert overlap_group(m("r:Kill:0-1")) == "Kill"
    assert overlap_group(m("r::0-1")) == "r"


def naive(found: list[Match], policy: str) -> list[str]:
    """The policy spelled out: best first, keep what overlaps nothing kept (one group)."""
    order = {"longest": lambda x: (x.start - x.end, -x.priority, x.start, x.rule),
             "priority": lambda x: (-x.priority, x.start - x.end, x.start, x.rule)}[policy]
    chosen: list[Match] = []
    for match in sorted(found, key=order):
        if all(match.end <= c.start or c.end <= match.start for c in chosen):
            chosen.append(match)
    return sorted(key(c) for c in chosen)


@pytest.mark.parametrize("policy", ["longest", "priority"])
def test_agrees_with_the_spelled_out_policy(policy: str) -> None:
    found = [m(f"r{i % 7}:K:{(i * 37) % 500}-{(i * 37) % 500 + 1 + i % 9}:{i % 4}")
             for i in range(400)]
    assert sorted(key(x) for x in resolve(found, {"K": policy})) == naive(found, policy)


def test_many_matches_resolve_quickly() -> None:
    found = [m(f"r{i % 7}:K:{i}-{i + 3 + i % 4}:{i % 5}") for i in range(0, 60_000, 2)]
    started = time.perf_counter()
    kept = resolve(found, {})
    assert time.perf_counter() - started < 1.0
    assert all(a.end <= b.start for a, b in itertools.pairwise(kept))
