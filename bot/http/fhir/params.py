"""Search parameters as FHIR writes them: dates with prefixes (``ge2026-05-04``),
references (``Practitioner/1``), token lists (``booked,pending``), and the page
(``_count``, ``_cursor``). Anything else is refused with 400 (docs/fhir.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from multidict import MultiMapping

from bot.http.fhir.outcomes import SearchInvalid

PAGE_DEFAULT, PAGE_MAX = 50, 200
#: Parameters every search takes besides its own.
COMMON = frozenset({"_count", "_cursor"})
_PREFIX = re.compile(r"^(eq|ge|gt|le|lt)?(\d{4}-\d{2}-\d{2})(T.+)?$")


@dataclass(frozen=True, slots=True)
class Window:
    """Instants ``[start, end)``; ``None`` is open on that side."""

    start: datetime | None = None
    end: datetime | None = None

    def bounded(self, default_start: datetime, longest: timedelta) -> tuple[datetime, datetime]:
        """Both ends: a missing start is ``default_start`` (or ``longest`` before the end),
        a missing end ``longest`` after the start. 400 beyond ``longest``."""
        start, end = self.start, self.end
        if start is None:
            start = default_start if end is None else end - longest
        if end is None:
            end = start + longest
        if end - start > longest:
            raise SearchInvalid(f"a range of at most {longest.days} days")
        return start, end

    def holds(self, instant: datetime) -> bool:
        return (self.start is None or self.start <= instant) and (
            self.end is None or instant < self.end
        )


def check_known(query: MultiMapping[str], names: frozenset[str]) -> None:
    unknown = sorted(set(query) - names - COMMON)
    if unknown:
        raise SearchInvalid(f"unsupported search parameters: {', '.join(unknown)}")


def window(values: list[str]) -> Window:
    """Every value narrows: ``date=ge2026-05-04&date=le2026-05-10`` is both days and
    those between. A day is its UTC day; a dateTime names its second."""
    start: datetime | None = None
    end: datetime | None = None
    for value in values:
        prefix, low, high = _interval(value)
        if prefix in ("ge", "eq"):
            start = low if start is None else max(start, low)
        if prefix == "gt":
            start = high if start is None else max(start, high)
        if prefix in ("le", "eq"):
            end = high if end is None else min(end, high)
        if prefix == "lt":
            end = low if end is None else min(end, low)
    return Window(start, end)


def _interval(value: str) -> tuple[str, datetime, datetime]:
    match = _PREFIX.match(value)
    if match is None:
        raise SearchInvalid(f"not a FHIR date: {value!r}")
    prefix, day, clock = match.groups()
    try:
        if clock is None:
            low = datetime.combine(date.fromisoformat(day), datetime.min.time(), UTC)
            return prefix or "eq", low, low + timedelta(days=1)
        instant = datetime.fromisoformat(day + clock.replace("Z", "+00:00"))
    except ValueError:
        raise SearchInvalid(f"not a FHIR date: {value!r}") from None
    if instant.tzinfo is None:
        raise SearchInvalid(f"a dateTime needs its zone: {value!r}")
    instant = instant.astimezone(UTC)
    return prefix or "eq", instant, instant + timedelta(seconds=1)


def one(query: MultiMapping[str], name: str) -> str | None:
    values = query.getall(name, [])
    if len(values) > 1:
        raise SearchInvalid(f"{name} is given twice")
    return values[0] if values else None


def reference(value: str, *kinds: str) -> tuple[str, int]:
    """``Practitioner/1`` as (``Practitioner``, 1); a bare id when one kind is allowed."""
    kind, _, ident = value.rpartition("/")
    if not kind and len(kinds) == 1:
        kind = kinds[0]
    kind = kind.rsplit("/", 1)[-1]  # an absolute URL names the type last but one
    if kind not in kinds or not ident.isdigit() or "," in value:
        raise SearchInvalid(f"expected a reference to {' or '.join(kinds)}: {value!r}")
    return kind, int(ident)


def tokens(query: MultiMapping[str], name: str, allowed: frozenset[str]) -> frozenset[str] | None:
    """The comma-separated codes of ``name`` (any of them matches); None if absent."""
    raw = one(query, name)
    if raw is None:
        return None
    codes = frozenset(c.strip() for c in raw.split(",") if c.strip())
    wrong = sorted(codes - allowed)
    if wrong or not codes:
        raise SearchInvalid(f"{name} is one of {', '.join(sorted(allowed))}")
    return codes


def page_size(query: MultiMapping[str]) -> int:
    raw = one(query, "_count")
    if raw is None:
        return PAGE_DEFAULT
    if not raw.isdigit() or not 1 <= int(raw) <= PAGE_MAX:
        raise SearchInvalid(f"_count is 1 to {PAGE_MAX}")
    return int(raw)
