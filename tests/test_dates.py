"""Tests of engine.dates: date normalization (property tests) and relative days."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.dates import MONTHS, normalize_date, resolve_relative

DATES = st.dates(min_value=dt.date(1970, 1, 1), max_value=dt.date(2069, 12, 31))
MONTH_NAMES = {n: max((k for k, v in MONTHS.items() if v == n), key=len) for n in range(1, 13)}


@given(DATES)
def test_iso_round_trips(day: dt.date) -> None:
    assert normalize_date(day.isoformat()) == day.isoformat()


@given(DATES)
def test_day_month_year_with_any_separator(day: dt.date) -> None:
    for sep in "-/.":
        text = f"{day.day:02d}{sep}{day.month:02d}{sep}{day.year}"
        assert normalize_date(text, "dmy") == day.isoformat()


@given(DATES)
def test_month_day_short_year(day: dt.date) -> None:
    text = f"{day.month}/{day.day}/{day.year % 100:02d}"
    assert normalize_date(text, "mdy") == day.isoformat()


@given(DATES)
def test_wordy_dates_both_orders(day: dt.date) -> None:
    name = MONTH_NAMES[day.month].title()
    assert normalize_date(f"{day.day} {name} {day.year}") == day.isoformat()
    assert normalize_date(f"{name[:3]} {day.day}, {day.year}") == day.isoformat()


@given(DATES)
def test_grammar_parts(day: dt.date) -> None:
    parts = {"day": str(day.day), "month": MONTH_NAMES[day.month][:3], "year": str(day.year)}
    assert normalize_date(parts) == day.isoformat()


@given(st.text(alphabet="abcxyz ,", max_size=20))
def test_text_without_digits_is_no_date(text: str) -> None:
    assert normalize_date(text) is None


@pytest.mark.parametrize("text", ["31-02-2020", "00-01-2020", "12-13-2020", "Smarch 3 2020"])
def test_impossible_dates_are_none(text: str) -> None:
    assert normalize_date(text, "dmy") is None


@given(DATES, st.integers(0, 6))
def test_weekday_is_the_latest_on_or_before(day: dt.date, weekday: int) -> None:
    names = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    got = dt.date.fromisoformat(resolve_relative(day.isoformat(), names[weekday]))
    assert got.weekday() == weekday and 0 <= (day - got).days < 7


@pytest.mark.parametrize("expression, expected", [
    ("yesterday", "2024-11-23"), ("today", "2024-11-24"), ("last Friday", "2024-11-22"),
    ("Sunday", "2024-11-24"), ("someday", "2024-11-24"), (None, "2024-11-24"),
])
def test_relative_days(expression, expected) -> None:
    assert resolve_relative("2024-11-24", expression) == expected
