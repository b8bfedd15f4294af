"""Chile: Santiago time with DST, RUT numbers, 48 h and 3 h reminders."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from stdnum.cl import rut

from domain.countries.base import BookingRules, Country, NationalIdFormat
from domain.processing import Processing
from domain.steps import Assign, Checks

COUNTRY = Country(
    code="CL",
    name_es="Chile",
    name_en="Chile",
    timezone=ZoneInfo("America/Santiago"),
    default_language="es",
    national_id=NationalIdFormat(
        name="RUT",
        example="12.345.678-5",
        validate_compact=rut.validate,
        format_compact=rut.format,
    ),
    booking=BookingRules(
        min_lead=timedelta(hours=3),
        horizon=timedelta(days=90),
        cancellation_window=timedelta(hours=24),
    ),
    reminder_offsets=(timedelta(hours=48), timedelta(hours=3)),
    phone_region="CL",
    processing=Processing((Checks(), Assign())),
)
