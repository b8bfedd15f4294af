"""Mexico: Mexico City time (no DST since 2022), CURP numbers, 24 h and 2 h reminders."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from stdnum.mx import curp

from domain.actors import Role
from domain.countries.base import BookingRules, Country, NationalIdFormat
from domain.processing import Processing
from domain.steps import Checks, Confirm

COUNTRY = Country(
    code="MX",
    name_es="México",
    name_en="Mexico",
    timezone=ZoneInfo("America/Mexico_City"),
    default_language="es",
    national_id=NationalIdFormat(
        name="CURP",
        example="GAMA900115MDFRRN00",
        validate_compact=curp.validate,  # upper-cased, without spaces or dashes
        format_compact=str,
    ),
    booking=BookingRules(
        min_lead=timedelta(hours=4),
        horizon=timedelta(days=45),
        cancellation_window=timedelta(hours=6),
    ),
    reminder_offsets=(timedelta(hours=24), timedelta(hours=2)),
    phone_region="MX",
    processing=Processing(
        (
            Checks(),
            Confirm(
                by=Role.ADMIN,
                within=timedelta(hours=4),
                before_visit=timedelta(hours=2),
                reassign=False,
            ),
        )
    ),
)
