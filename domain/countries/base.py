"""What a country module provides: its zone, holidays, ID format and booking rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError

from domain.errors import InvalidNationalId
from domain.processing import Processing


@dataclass(frozen=True, slots=True)
class NationalIdFormat:
    """A national ID scheme backed by a python-stdnum module."""

    name: str  # what people call it: "DNI", "RUT"
    example: str
    validate_compact: Callable[[str], str]
    format_compact: Callable[[str], str]

    def parse(self, raw: str) -> str:
        """Return the compact, valid form of ``raw`` or raise :class:`InvalidNationalId`."""
        try:
            return self.validate_compact(raw)
        except InvalidChecksum as exc:
            raise InvalidNationalId("checksum") from exc
        except InvalidLength as exc:
            raise InvalidNationalId("length") from exc
        except ValidationError as exc:
            raise InvalidNationalId("format") from exc

    def format(self, compact: str) -> str:
        return self.format_compact(compact)


@dataclass(frozen=True, slots=True)
class BookingRules:
    min_lead: timedelta  # the earliest a slot may start, from now
    horizon: timedelta  # the latest a slot may start, from now
    cancellation_window: timedelta  # a patient may cancel up to this long before the start


@dataclass(frozen=True, slots=True)
class Country:
    code: str  # ISO 3166-1 alpha-2
    name_es: str
    name_en: str
    timezone: ZoneInfo
    default_language: str
    national_id: NationalIdFormat
    booking: BookingRules
    reminder_offsets: tuple[timedelta, ...]
    phone_region: str
    #: The steps a booking goes through after the patient is answered (``domain.steps``).
    processing: Processing = field(default=Processing(()))
    holiday_subdivision: str | None = field(default=None)
    #: Whose public holidays the country keeps (``holidays``' code), if not its own
    #: code; ``""`` for none.
    holiday_calendar: str | None = field(default=None)

    def name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_es

    def is_holiday(self, day: date) -> bool:
        calendar = self.code if self.holiday_calendar is None else self.holiday_calendar
        return day in _holidays(calendar, self.holiday_subdivision, day.year)


@lru_cache(maxsize=64)
def _holidays(code: str, subdivision: str | None, year: int) -> frozenset[date]:
    if not code:
        return frozenset()
    calendar = holidays.country_holidays(code, subdiv=subdivision, years=year)
    return frozenset(calendar.keys())
