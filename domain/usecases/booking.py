"""Booking: a registered patient takes one free slot of a doctor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.actors import Actor, booking_patient
from domain.audit import Action
from domain.availability import is_free
from domain.countries import get_country
from domain.entities import Appointment
from domain.errors import NotFound, PatientOverlap, SlotTaken, SlotUnavailable
from domain.ports import Deps
from domain.privacy import is_erased
from domain.usecases.processing import start_processing
from domain.usecases.shared import active_doctor, announce, audit_appointment


@dataclass(frozen=True, slots=True)
class BookCommand:
    doctor_id: int
    specialty_id: int
    start: datetime
    #: Whom it is for, when the clinic books (an admin, the API); a patient books for themselves.
    patient_id: int | None = None


async def book(deps: Deps, actor: Actor, command: BookCommand) -> Appointment:
    """Book a free slot for the acting patient, or for the patient the clinic names (an
    admin, the API): stored ``registered``, with the job that processes it by its
    country's steps (``domain.processing``).

    ``SlotUnavailable``: the time was never bookable (hours, holiday, lead time).
    ``SlotTaken``: another appointment holds it; the read here is advisory, the
    database's partial unique index makes a lost race surface as ``SlotTaken`` too.
    ``PatientOverlap``: the patient already has a visit then.
    """
    patient_id = booking_patient(actor, command.patient_id)
    now = deps.clock.now()
    async with deps.uow() as uow:
        doctor = await active_doctor(uow, command.doctor_id)
        if command.specialty_id not in doctor.specialty_ids:
            raise NotFound("the doctor does not practise this specialty")
        patient = await uow.patients.get(patient_id)
        if patient is None or is_erased(patient):  # an erased one has no chat to tell
            raise NotFound("patient")
        country = get_country(doctor.country)
        slot = is_free(doctor, country, command.start, [], now)
        if slot is None:
            raise SlotUnavailable(command.start.isoformat())
        clashes = await uow.appointments.clashes(
            command.doctor_id, patient_id, slot.start, slot.end
        )
        if any(a.doctor_id == command.doctor_id for a in clashes):
            raise SlotTaken(command.start.isoformat())
        if clashes:
            raise PatientOverlap(command.start.isoformat())
        appointment = Appointment.register(
            patient_id=patient_id,
            doctor_id=command.doctor_id,
            specialty_id=command.specialty_id,
            country=country.code,
            start=slot.start,
            end=slot.end,
            at=now,
            actor=str(actor),
        )
        await uow.appointments.add(appointment)
        await uow.jobs.add(start_processing(appointment, now))  # its country's steps follow
        await announce(uow, deps, actor, appointment, people=(patient, doctor), now=now)
        await audit_appointment(uow, deps, actor, Action.BOOKED, appointment)
        await uow.commit()
    return appointment
