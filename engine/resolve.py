"""Resolve overlapping matches: which of the matches that compete for the same text are reported.

Matches compete within an overlap group: the matches of one label (a rule without a label is a
group of its own). The group's policy, set with `overlap:` on any of its rules, decides:

- `longest` (the default): the longest match wins, then the higher priority, then the earlier;
- `priority`: the higher priority wins, then the longest, then the earlier;
- `all`: every match is kept.

Matches of different groups never remove each other: a casualty count and the attack it belongs
to are both reported. One rule's own matches never overlap (the matcher scans left to right).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict

from .model import Match

DEFAULT_POLICY = "longest"


def overlap_group(match: Match) -> str:
    """The group a match competes in: its label, or its rule when it has none."""
    return match.label or match.rule


def resolve(matches: list[Match], policies: dict[str, str]) -> list[Match]:
    """The matches that survive their group's policy, in document order."""
    groups: dict[str, list[Match]] = defaultdict(list)
    for match in matches:
        groups[overlap_group(match)].append(match)
    kept: list[Match] = []
    for group, members in groups.items():
        kept.extend(_select(members, policies.get(group, DEFAULT_POLICY)))
    kept.sort(key=lambda m: (m.start, -m.end, m.rule))
    return kept


def _select(members: list[Match], policy: str) -> list[Match]:
    if policy == "all" or len(members) < 2:
        return members
    chosen: list[Match] = []
    starts: list[int] = []  # chosen matches never overlap, so sorted by start they end sorted
    for match in sorted(members, key=_ORDER[policy]):
        at = bisect_right(starts, match.start)
        if at > 0 and chosen[at - 1].end > match.start:
            continue
        if at < len(chosen) and chosen[at].start < match.end:
            continue
        starts.insert(at, match.start)
        chosen.insert(at, match)
    return chosen


_ORDER = {
    "longest": lambda m: (-(m.end - m.start), -m.priority, m.start, m.rule),
    "priority": lambda m: (-m.priority, -(m.end - m.start), m.start, m.rule),
}
