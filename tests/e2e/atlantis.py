"""Atlantis, a made-up country kept in a test-only module: its own zone, national ID,
booking rules, reminders and processing steps, one of them its own. Nothing else in
medbot knows of it; ``domain.countries.load`` adds it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from stdnum.ar import dni

from domain.countries import BookingRules, Country, NationalIdFormat
from domain.processing import Advance, Outcome, Processing
from domain.steps import Assign, Checks
from domain.usecases.processing import StepContext


@dataclass(frozen=True, slots=True)
class Triage:
    """A nurse looks at every booking before it is assigned: recorded, then on."""

    name: str = "triage"

    async def run(self, ctx: StepContext) -> Outcome:
        await ctx.record("appointment.triaged", reason="triaged by the nurse")
        return Advance()

    async def undo(self, ctx: StepContext) -> None:
        """Triage changed nothing to take back."""


COUNTRY = Country(
    code="XA",
    name_es="Atlántida",
    name_en="Atlantis",
    timezone=ZoneInfo("Atlantic/Azores"),
    default_language="es",
    national_id=NationalIdFormat(
        name="DNA", example="20123456", validate_compact=dni.validate, format_compact=dni.format
    ),
    booking=BookingRules(
        min_lead=timedelta(hours=1),
        horizon=timedelta(days=20),
        cancellation_window=timedelta(hours=3),
    ),
    reminder_offsets=(timedelta(hours=12),),
    phone_region="AR",
    processing=Processing((Checks(), Triage(), Assign())),
    holiday_calendar="",  # Atlantis keeps no public holidays
)
