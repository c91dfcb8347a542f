"""Rulecraft: a rule language and engine for extracting structured events from news text."""

__version__ = "0.1.0"
