"""Result objects that leave the engine: captures, matches and events, each serialisable to JSON.

Offsets are code-point offsets into the original input text of the document.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Provenance:
    """Where the rule that produced a match is written."""

    rule: str
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class Capture:
    """A named part of a match: its span, its type and its normalized value."""

    start: int
    end: int
    text: str
    type: str | None = None
    value: Any = None

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"start": self.start, "end": self.end, "text": self.text}
        if self.type is not None:
            out["type"] = self.type
        if self.value is not None:
            out["value"] = _jsonable(self.value)
        return out


@dataclass
class Match:
    """One match of one rule in one document."""

    rule: str
    label: str | None
    start: int
    end: int
    text: str
    captures: dict[str, Capture] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)
    doc: str | None = None
    labels: tuple[str, ...] = ()
    priority: int = 0
    provenance: Provenance | None = None
    sentence: int | None = None

    def to_dict(self) -> dict:
        out: dict[str, Any] = {
            "doc": self.doc,
            "rule": self.rule,
            "label": self.label,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "captures": {name: cap.to_dict() for name, cap in self.captures.items()},
            "fields": _jsonable(self.fields),
        }
        if len(self.labels) > 1:
            out["labels"] = list(self.labels)
        if self.provenance is not None:
            out["source"] = str(self.provenance)
        return out


@dataclass
class Event:
    """An event record assembled from matches: ACLED-style columns plus evidence spans."""

    fields: dict[str, Any]
    evidence: list[Match] = field(default_factory=list)
    doc: str | None = None

    def to_dict(self) -> dict:
        out = {"doc": self.doc, **_jsonable(self.fields)}
        out["evidence"] = [
            {"rule": m.rule, "start": m.start, "end": m.end, "text": m.text} for m in self.evidence
        ]
        return out


@dataclass(frozen=True)
class DocResult:
    """One document's output: its text, matches and events, or the error that stopped it."""

    doc: str | None
    text: str
    matches: list[Match]
    events: Sequence[Event] = ()
    error: str | None = None


    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error is None


def amount(value: Any) -> int | float | None:
    """The number a value stands for: a NUMBER value's `value` (else its `min`), or a number."""
    if isinstance(value, dict):
        value = value.get("value") if value.get("value") is not None else value.get("min")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return None


def _jsonable(value: Any) -> Any:
    """Turn values (dataclasses with to_dict, tuples, sets) into plain JSON-ready data."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_jsonable(v) for v in value)
    return value
