"""Booking use cases: free slots, book, reschedule, cancel and status changes.

Each function takes a fresh unit of work and the clock, does one thing in
one transaction, and returns domain objects or raises a domain error.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from domain.availability import Busy, Slot, free_slots, is_free, local_window
from domain.countries import get_country
from domain.entities import Appointment, Doctor, Patient
from domain.errors import (
    CancellationWindowClosed,
    InvalidTransition,
    NotAllowed,
    NotFound,
    PatientOverlap,
    SlotTaken,
    SlotUnavailable,
)
from domain.notifications import (
    Kind,
    Notification,
    plan_reminders,
    rescheduled_notice,
    status_notice,
)
from domain.ports import Clock, UnitOfWork
from domain.status import Status


class Role(StrEnum):
    PATIENT = "patient"
    DOCTOR = "doctor"
    ADMIN = "admin"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Actor:
    role: Role
    id: int | None = None  # patient id, doctor id or Telegram user id of an admin

    def __str__(self) -> str:
        return self.role if self.id is None else f"{self.role}:{self.id}"


@dataclass(frozen=True, slots=True)
class BookCommand:
    patient_id: int
    doctor_id: int
    specialty_id: int
    start: datetime


async def find_free_slots(
    uow: UnitOfWork, clock: Clock, doctor_id: int, first_day: date, last_day: date
) -> list[Slot]:
    """Free slots of one doctor on local days ``first_day``..``last_day``."""
    async with uow:
        doctor = await _doctor(uow, doctor_id)
        country = get_country(doctor.country)
        start, end = local_window(country, first_day, last_day)
        busy = [
            Busy(*span) for span in await uow.appointments.busy_for_doctor(doctor_id, start, end)
        ]
    return free_slots(doctor, country, first_day, last_day, busy=busy, now=clock.now())


async def book(
    uow: UnitOfWork,
    clock: Clock,
    command: BookCommand,
    reminder_offsets: tuple[timedelta, ...] | None = None,
) -> Appointment:
    """Book a free slot, or raise SlotUnavailable, SlotTaken or PatientOverlap.

    ``SlotUnavailable`` means the time was never bookable (hours, holiday,
    lead time); ``SlotTaken`` means another appointment holds it. The read
    here is advisory: the database's partial unique index is what makes two
    bookings of one slot impossible, and a lost race surfaces as ``SlotTaken``
    from the repository or the commit.
    """
    now = clock.now()
    async with uow:
        doctor = await _doctor(uow, command.doctor_id)
        if command.specialty_id not in doctor.specialty_ids:
            raise NotFound("the doctor does not practise this specialty")
        patient = await uow.patients.get(command.patient_id)
        if patient is None:
            raise NotFound("patient")
        country = get_country(doctor.country)
        end = command.start + doctor.slot_length
        slot = is_free(doctor, country, command.start, [], now)
        if slot is None:
            raise SlotUnavailable(command.start.isoformat())
        if await uow.appointments.busy_for_doctor(command.doctor_id, slot.start, end):
            raise SlotTaken(command.start.isoformat())
        if await uow.appointments.active_for_patient(command.patient_id, slot.start, slot.end):
            raise PatientOverlap(command.start.isoformat())
        appointment = Appointment.register(
            patient_id=command.patient_id,
            doctor_id=command.doctor_id,
            specialty_id=command.specialty_id,
            country=country.code,
            start=slot.start,
            end=slot.end,
            at=now,
            actor=str(Actor(Role.PATIENT, command.patient_id)),
        )
        await uow.appointments.add(appointment)
        await _announce(
            uow,
            appointment,
            Actor(Role.PATIENT, patient.id),
            now,
            people=(patient, doctor),
            reminder_offsets=reminder_offsets,
        )
        await uow.commit()
    return appointment


async def cancel(
    uow: UnitOfWork, clock: Clock, appointment_id: uuid.UUID, actor: Actor, reason: str = ""
) -> Appointment:
    """Cancel an appointment; patients only their own and only inside the window."""
    now = clock.now()
    async with uow:
        appointment = await _appointment_for(uow, appointment_id, actor)
        if actor.role is Role.PATIENT:
            window = get_country(appointment.country).booking.cancellation_window
            if now > appointment.start - window:
                raise CancellationWindowClosed(appointment.reference)
        appointment.move_to(Status.CANCELLED, at=now, actor=str(actor), reason=reason)
        await uow.appointments.save(appointment)
        await _announce(uow, appointment, actor, now)
        await uow.commit()
    return appointment


def check_movable(appointment: Appointment, actor: Actor, now: datetime) -> None:
    """Raise unless ``actor`` may still move or cancel the appointment's current time.

    Moving a visit gives up its time just as cancelling does, so a patient
    meets the same cancellation window; staff are not held to it.
    """
    if not appointment.is_active:
        raise InvalidTransition(f"{appointment.status} cannot move")
    if actor.role is Role.PATIENT:
        window = get_country(appointment.country).booking.cancellation_window
        if now > appointment.start - window:
            raise CancellationWindowClosed(appointment.reference)


async def reschedule(
    uow: UnitOfWork,
    clock: Clock,
    appointment_id: uuid.UUID,
    new_start: datetime,
    actor: Actor,
    *,
    reminder_offsets: tuple[timedelta, ...] | None = None,
) -> Appointment:
    """Move an active appointment to another free slot of the same doctor.

    The reference and the status stay. Both countries' doctors confirm new
    appointments, but the status table has no way back from ``assigned``, and
    the new time is one the doctor publishes as bookable; so an accepted visit
    stays accepted and the doctor is told of the move instead, and can still
    cancel it. Rules: the old time obeys the cancellation window (moving gives
    it up, :func:`check_movable`), the new one the working hours, holidays,
    lead time and horizon (``SlotUnavailable``), the doctor's other
    appointments (``SlotTaken``, also from the partial unique index when a
    race is lost at the update or the commit) and the patient's
    (``PatientOverlap``).

    In the same transaction the old reminders are withdrawn, new ones planned
    for the new time, and the patient and the doctor (if linked) told, except
    whoever moved it, who sees the result in their own chat.
    """
    now = clock.now()
    async with uow:
        appointment = await _appointment_for(uow, appointment_id, actor)
        check_movable(appointment, actor, now)
        doctor = await _doctor(uow, appointment.doctor_id)
        patient = await uow.patients.get(appointment.patient_id)
        country = get_country(doctor.country)
        slot = is_free(doctor, country, new_start, [], now)
        if slot is None or slot.start == appointment.start:
            raise SlotUnavailable(new_start.isoformat())
        own = (appointment.start, appointment.end)
        held = await uow.appointments.busy_for_doctor(doctor.id or 0, slot.start, slot.end)
        if [span for span in held if span != own]:
            raise SlotTaken(new_start.isoformat())
        mine = await uow.appointments.active_for_patient(
            appointment.patient_id, slot.start, slot.end
        )
        if [other for other in mine if other.id != appointment.id]:
            raise PatientOverlap(new_start.isoformat())
        appointment.move_time(slot.start, slot.end, at=now, actor=str(actor))
        await uow.appointments.save(appointment)
        await _announce_move(
            uow,
            appointment,
            actor,
            now,
            people=(patient, doctor),
            reminder_offsets=reminder_offsets,
        )
        await uow.commit()
    return appointment


async def change_status(
    uow: UnitOfWork,
    clock: Clock,
    appointment_id: uuid.UUID,
    target: Status,
    *,
    actor: Actor,
    reason: str = "",
) -> Appointment:
    """Move an appointment along the status table on behalf of staff or the system."""
    if actor.role is Role.PATIENT:
        raise NotAllowed("patients only cancel")
    async with uow:
        appointment = await _appointment_for(uow, appointment_id, actor)
        now = clock.now()
        appointment.move_to(target, at=now, actor=str(actor), reason=reason)
        await uow.appointments.save(appointment)
        await _announce(uow, appointment, actor, now)
        await uow.commit()
    return appointment


async def _announce(
    uow: UnitOfWork,
    appointment: Appointment,
    actor: Actor,
    now: datetime,
    *,
    people: tuple[Patient | None, Doctor | None] | None = None,
    reminder_offsets: tuple[timedelta, ...] | None = None,
) -> None:
    """Queue what the people concerned must hear, in the change's own transaction.

    The patient gets reminders for a new appointment; a cancelled or finished
    one withdraws them. Each person concerned, except the one who acted (who
    sees the result in their own chat), gets a status message.
    """
    country = get_country(appointment.country)
    zone = country.timezone
    if people is None:  # not loaded by the caller
        people = (
            await uow.patients.get(appointment.patient_id),
            await uow.doctors.get(appointment.doctor_id),
        )
    patient, doctor = people
    planned: list[Notification] = []
    if patient is not None and appointment.status is Status.REGISTERED:
        offsets = reminder_offsets or country.reminder_offsets
        planned += plan_reminders(appointment, patient.telegram_user_id, offsets, zone, now)
    if not appointment.is_active:
        await uow.notifications.withdraw(appointment.id, Kind.REMINDER)
    recipients = []
    if patient is not None and actor != Actor(Role.PATIENT, patient.id):
        recipients.append(patient.telegram_user_id)
    if doctor is not None and doctor.telegram_user_id and actor != Actor(Role.DOCTOR, doctor.id):
        recipients.append(doctor.telegram_user_id)
    planned += [status_notice(appointment, chat, zone, now) for chat in recipients]
    params: dict[str, str | int] = {
        "reference": appointment.reference,
        "start": int(appointment.start.timestamp()),
        "country": country.code,
        "doctor": doctor.full_name if doctor else "",
    }
    for notification in planned:
        notification.params = dict(params)
    await uow.notifications.add(planned)


async def _announce_move(
    uow: UnitOfWork,
    appointment: Appointment,
    actor: Actor,
    now: datetime,
    *,
    people: tuple[Patient | None, Doctor],
    reminder_offsets: tuple[timedelta, ...] | None,
) -> None:
    """Withdraw the old time's reminders, plan the new time's and tell who must hear."""
    country = get_country(appointment.country)
    zone = country.timezone
    patient, doctor = people
    await uow.notifications.withdraw(appointment.id, Kind.REMINDER)
    # A status message still waiting for the morning must not name the old time.
    await uow.notifications.retime(appointment.id, appointment.start)
    planned: list[Notification] = []
    if patient is not None:
        offsets = reminder_offsets or country.reminder_offsets
        revision = len(appointment.history)
        planned += plan_reminders(
            appointment, patient.telegram_user_id, offsets, zone, now, revision=revision
        )
        if actor != Actor(Role.PATIENT, patient.id):
            planned.append(rescheduled_notice(appointment, patient.telegram_user_id, zone, now))
    if doctor.telegram_user_id and actor != Actor(Role.DOCTOR, doctor.id):
        planned.append(rescheduled_notice(appointment, doctor.telegram_user_id, zone, now))
    params: dict[str, str | int] = {
        "reference": appointment.reference,
        "start": int(appointment.start.timestamp()),
        "country": country.code,
        "doctor": doctor.full_name,
    }
    for notification in planned:
        notification.params = dict(params)
    await uow.notifications.add(planned)


async def _doctor(uow: UnitOfWork, doctor_id: int) -> Doctor:
    doctor = await uow.doctors.get(doctor_id)
    if doctor is None or not doctor.active:
        raise NotFound("doctor")
    return doctor


async def _appointment_for(uow: UnitOfWork, appointment_id: uuid.UUID, actor: Actor) -> Appointment:
    """The appointment, if ``actor`` may act on it; others' look like missing ones."""
    appointment = await uow.appointments.get(appointment_id)
    if appointment is None:
        raise NotFound("appointment")
    if actor.role is Role.PATIENT and appointment.patient_id != actor.id:
        raise NotFound("appointment")
    if actor.role is Role.DOCTOR and appointment.doctor_id != actor.id:
        raise NotFound("appointment")
    return appointment
