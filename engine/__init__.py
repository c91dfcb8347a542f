"""Rulecraft: a rule language and engine for extracting structured events from news text."""

__version__ = "0.1.0"

from .errors import InputError, MatchTimeout, RulecraftError, RuleError, RuleErrors  # noqa: E402
from .model import Capture, DocResult, Event, Match  # noqa: E402
from .pack import Pack, load  # noqa: E402

__all__ = [
    "Capture", "DocResult", "Event", "InputError", "Match", "MatchTimeout", "Pack",
    "RuleError", "RuleErrors", "RulecraftError", "load",
]
