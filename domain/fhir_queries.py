"""What the FHIR R4 endpoints read (``docs/fhir.md``), read-only and for the clinic's roles.

A FHIR search answers with its ``total``, so :func:`every_appointment` reads every
appointment the search matches rather than one page; the range it covers is bounded
(366 days).
:func:`doctor_free_slots` is ``open_slots`` for one doctor between two instants.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from domain.actors import Actor
from domain.appointment_lines import check_clinic_admin
from domain.appointment_search import AppointmentSearch, matching_appointments
from domain.availability import Slot
from domain.countries import get_country
from domain.entities import Appointment, Doctor
from domain.ports import Deps
from domain.queries import SlotQuery, open_slots


async def every_appointment(
    deps: Deps, actor: Actor, search: AppointmentSearch
) -> list[Appointment]:
    """Every appointment the search matches, by (start, id), read once."""
    return await matching_appointments(deps, actor, replace(search, after=None))


async def doctor_free_slots(
    deps: Deps, actor: Actor, doctor: Doctor, start: datetime, end: datetime
) -> list[Slot]:
    """The doctor's free slots starting in ``[start, end)``, as the bot offers them; none
    for a doctor no longer active. Every specialty of a doctor has the same slots."""
    check_clinic_admin(actor)
    if not doctor.active or not doctor.specialty_ids or doctor.id is None or end <= start:
        return []
    zone = get_country(doctor.country).timezone
    first_day = start.astimezone(zone).date()
    last_day = (end - timedelta(microseconds=1)).astimezone(zone).date()
    query = SlotQuery(doctor.country, doctor.specialty_ids[0], doctor.id, first_day, last_day)
    return [s.slot for s in await open_slots(deps, query) if start <= s.slot.start < end]
