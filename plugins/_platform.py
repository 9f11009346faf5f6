"""Helpers shared by the platform-safety (SE21-SE23) and emergency-plan (SE31-SE32)
indicators, all built on the public plugin API."""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

__all__ = [
    "MAX_LISTED",
    "as_list",
    "day",
    "keyword_pattern",
    "list_findings",
    "scaled_minimum",
    "share_score",
    "text",
]

#: Findings name at most this many items, then one more finding counts the rest.
MAX_LISTED = 8


def text(value: Any) -> str:
    """A stripped string, or "" for anything that is not a string."""
    return value.strip() if isinstance(value, str) else ""


def day(value: Any) -> date | None:
    """A date from an ISO date or date-time string (or a date), else None."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def share_score(measured: float, target: float) -> float:
    """Partial credit: the measured share over the target share, capped at 1."""
    if target <= 0:
        return 1.0
    return max(0.0, min(1.0, measured / target))


def scaled_minimum(per_year: float, period_days: int) -> int:
    """A yearly minimum scaled to the period's length, rounded up; at least one unless
    the yearly minimum is zero."""
    if per_year <= 0:
        return 0
    return max(1, math.ceil(per_year * period_days / 365 - 1e-9))


def keyword_pattern(words: dict[str, list[str]]) -> re.Pattern[str] | None:
    """One case-insensitive alternation of every keyword of a set (all languages),
    longest first so a long keyword wins over a shorter one it contains."""
    flat = sorted({w.casefold() for ws in words.values() for w in ws if w and w.strip()}, key=len)
    if not flat:
        return None
    return re.compile("|".join(re.escape(w) for w in reversed(flat)))


def list_findings(ctx: Any, items: list[tuple[Any, str]], *, fix: str, more: str) -> None:
    """Report up to :data:`MAX_LISTED` findings ``(location, message)``, then count the rest
    in one finding at the first location."""
    for location, message in items[:MAX_LISTED]:
        ctx.finding(message, at=location, fix=fix)
    if len(items) > MAX_LISTED:
        ctx.finding(f"{len(items) - MAX_LISTED} more {more}", at=items[0][0])
