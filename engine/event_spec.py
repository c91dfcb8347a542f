"""The `events:` section of a pack as settings: what the compiler checks, what assembly reads.

Kept apart from `engine.events` (the assembly itself, run after matching) so that the compile
stage can check a pack's settings without depending on a later stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .model import Match
from .yaml_reader import plain


@dataclass(frozen=True)
class EventSpec:
    """The `events:` section of a pack, with defaults."""

    mentions: tuple[str, ...] = ("Event",)
    facts: tuple[str, ...] = ()
    standalone: tuple[str, ...] = ()
    document: tuple[str, ...] = ()
    window: int = 2
    merge_by: tuple[str, ...] = ("event_type", "location")
    max_fields: tuple[str, ...] = ("fatalities",)
    date_order: str = "dmy"
    context: tuple[ContextRule, ...] = ()
    carry: tuple[tuple[str, str], ...] = ()
    lookahead: int = 0
    rank: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    context_yields: tuple[str, ...] = ()
    standalone_context: bool = False
    fact_merge_by: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, sections: list[dict]) -> EventSpec:
        merged: dict[str, Any] = {}
        for section in sections:
            merged.update(plain(section))
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in merged.items()
                  if k in cls.__dataclass_fields__}
        values["context"] = tuple(ContextRule.from_config(c) for c in values.get("context", ()))
        values["carry"] = tuple((str(k), str(v)) for k, v in dict(values.get("carry", {})).items())
        values["rank"] = tuple((str(k), tuple(v)) for k, v in dict(values.get("rank", {})).items())
        return cls(**values)


@dataclass(frozen=True)
class ContextRule:
    """One `context` entry: facts of `label` fill a mention of their sentence lacking `key`."""

    label: str
    key: str
    prefer: str = "after"
    fields: tuple[str, ...] | None = None

    @classmethod
    def from_config(cls, config: dict) -> ContextRule:
        fields = config.get("fields")
        return cls(str(config["label"]), str(config["key"]), str(config.get("prefer", "after")),
                   tuple(fields) if fields is not None else None)

    def pick(self, mention: Match, candidates: list[Match], others: list[int]
             ) -> Match | None:
        """The fact this rule takes for `mention` among its sentence's `candidates`.

        `others` are the starts of the sentence's other mentions: a fact belongs to the nearest
        mention before it, so a mention takes no fact that another mention stands closer to.
        """
        usable = [c for c in candidates if c.fields.get(self.key) is not None and c is not mention]
        after = [c for c in usable if c.start >= mention.start
                 and not any(mention.start < o <= c.start for o in others)]
        before = [c for c in usable if c.start < mention.start
                  and not any(o <= c.start for o in others if o < mention.start)]
        first = after[:1] if self.prefer == "after" else before[-1:]
        second = before[-1:] if self.prefer == "after" else after[:1]
        chosen = first or second
        return chosen[0] if chosen else None

    def copy(self, fact: Match, target: dict[str, Any]) -> None:
        """Fill `target`'s missing fields from the fact (only this rule's fields)."""
        keys = self.fields if self.fields is not None else tuple(fact.fields)
        for key in keys:
            if target.get(key) is None and fact.fields.get(key) is not None:
                target[key] = fact.fields[key]
