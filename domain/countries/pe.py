"""Peru: Lima time all year, DNI numbers, 24 h and 2 h reminders."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from stdnum.pe import cui

from domain.actors import Role
from domain.countries.base import BookingRules, Country, NationalIdFormat
from domain.processing import Processing
from domain.steps import Checks, Confirm


def _validate_dni(raw: str) -> str:
    # A DNI is the 8-digit CUI; people sometimes add the check character
    # printed on the card, which cui validates and we then drop.
    return cui.validate(raw)[:8]


COUNTRY = Country(
    code="PE",
    name_es="Perú",
    name_en="Peru",
    timezone=ZoneInfo("America/Lima"),
    default_language="es",
    national_id=NationalIdFormat(
        name="DNI", example="45678912", validate_compact=_validate_dni, format_compact=str
    ),
    booking=BookingRules(
        min_lead=timedelta(hours=2),
        horizon=timedelta(days=60),
        cancellation_window=timedelta(hours=12),
    ),
    reminder_offsets=(timedelta(hours=24), timedelta(hours=2)),
    phone_region="PE",
    processing=Processing(
        (
            Checks(),
            Confirm(by=Role.DOCTOR, within=timedelta(hours=2), before_visit=timedelta(hours=1)),
        )
    ),
)
