"""Normalize dates found in text and resolve relative days against a document date.

`normalize_date` turns a date value (ISO text, "24-11-2024", "11/24/24" with an order hint,
"24 November 2024", "Nov 24, 2024", or a dict with day/month/year parts such as a grammar
returns) into ISO `YYYY-MM-DD`, or None when it is not a real date. `resolve_relative` moves a
document date to the day a text means by "Monday", "yesterday", "last Friday": news reports use
weekday names for the days just past, so "on Monday" is the latest Monday on or before it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

MONTHS = {name: n for n, names in enumerate([
    (), ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
    ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
    ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
    ("december", "dec")]) for name in names}
WEEKDAYS = {name: n for n, names in enumerate([
    ("monday", "mon"), ("tuesday", "tue", "tues"), ("wednesday", "wed"),
    ("thursday", "thu", "thurs"), ("friday", "fri"), ("saturday", "sat"), ("sunday", "sun")])
    for name in names}
RELATIVE = {"today": 0, "tonight": 0, "yesterday": -1, "overnight": 0, "earlier today": 0}

_NUMERIC = re.compile(r"(\d{1,4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,4})")
_WORDY = re.compile(r"(?:(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{2,4}))"
                    r"|(?:([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{2,4}))")


def normalize_date(value: Any, order: str = "dmy") -> str | None:
    """ISO date for a date value, or None; `order` says how to read all-numeric dates."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return _from_parts(value.get("day"), value.get("month"), value.get("year"))
    if not isinstance(value, str):
        return None
    return _from_text(value.strip(), order)


def _from_text(text: str, order: str) -> str | None:
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if iso:
        return _from_parts(iso.group(3), iso.group(2), iso.group(1))
    numeric = _NUMERIC.search(text)
    if numeric:
        a, b, c = numeric.groups()
        if len(a) == 4:
            return _from_parts(c, b, a)
        day, month = (a, b) if order == "dmy" else (b, a)
        return _from_parts(day, month, c)
    wordy = _WORDY.search(text)
    if wordy:
        g = wordy.groups()
        return _from_parts(g[0], g[1], g[2]) if g[0] else _from_parts(g[4], g[3], g[5])
    return None


def _from_parts(day: Any, month: Any, year: Any) -> str | None:
    try:
        d = int(str(day))
        m = int(str(month)) if str(month).isdigit() else MONTHS.get(str(month).lower().rstrip("."))
        y = int(str(year))
    except (TypeError, ValueError):
        return None
    if m is None:
        return None
    if y < 100:
        y += 2000 if y < 70 else 1900
    try:
        return dt.date(y, m, d).isoformat()
    except ValueError:
        return None


def resolve_relative(doc_date: str | None, expression: str | None) -> str | None:
    """The ISO date `expression` ("Monday", "yesterday", "last Friday") means on `doc_date`."""
    if not doc_date or not expression:
        return doc_date
    base = dt.date.fromisoformat(doc_date)
    words = expression.lower().replace("last ", "").strip()
    if words in RELATIVE:
        return (base + dt.timedelta(days=RELATIVE[words])).isoformat()
    weekday = WEEKDAYS.get(words.rstrip("."))
    if weekday is None:
        return doc_date
    back = (base.weekday() - weekday) % 7
    return (base - dt.timedelta(days=back)).isoformat()
