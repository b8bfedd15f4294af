"""Notifications: what to tell whom and when, planned in the same transaction as the change.

Rows are written by the use cases and delivered later by the bot's outbox sender
(a transactional outbox). Planning here is pure: a :class:`Change` goes in, a
:class:`Plan` comes out, with reminder times, quiet hours and dedupe keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.actors import Actor, Role
from domain.countries import get_country
from domain.entities import Appointment, Doctor, Patient
from domain.status import Status

QUIET_START = time(21, 0)
QUIET_END = time(8, 0)
#: Status changes that go out even in quiet hours: the visit will not happen.
URGENT_STATUSES = frozenset({Status.CANCELLED, Status.REJECTED})


class Kind(StrEnum):
    STATUS = "status"
    REMINDER = "reminder"
    ALERT = "alert"
    CALENDAR = "calendar"  # an .ics of the visit (domain/calendar_files.py)


class Delivery(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"
    WITHDRAWN = "withdrawn"  # planned, then made pointless (a cancelled appointment's reminder)


@dataclass(slots=True)
class Notification:
    chat_id: int
    kind: Kind
    template: str
    due_at: datetime
    dedupe_key: str
    appointment_id: object | None = None  # uuid.UUID
    params: dict[str, str | int] = field(default_factory=dict)
    urgent: bool = False
    id: int | None = None


def in_quiet_hours(at: datetime, zone: ZoneInfo) -> bool:
    local = at.astimezone(zone).time()
    return local >= QUIET_START or local < QUIET_END


def before_quiet_hours(at: datetime, zone: ZoneInfo) -> datetime:
    """``at``, or the last minute before the quiet hours it falls in began."""
    if not in_quiet_hours(at, zone):
        return at
    local = at.astimezone(zone)
    day = local.date() if local.time() >= QUIET_START else local.date() - timedelta(days=1)
    start = datetime.combine(day, QUIET_START, zone)
    return start - timedelta(minutes=1)


def after_quiet_hours(at: datetime, zone: ZoneInfo) -> datetime:
    """``at``, or the end of the quiet hours it falls in."""
    if not in_quiet_hours(at, zone):
        return at
    local = at.astimezone(zone)
    day = local.date() + timedelta(days=1) if local.time() >= QUIET_START else local.date()
    return datetime.combine(day, QUIET_END, zone)


def plan_reminders(
    appointment: Appointment,
    chat_id: int,
    offsets: tuple[timedelta, ...],
    zone: ZoneInfo,
    now: datetime,
    *,
    revision: int | None = None,
) -> list[Notification]:
    """One reminder per offset, moved out of quiet hours; none already in the past.

    A rescheduled appointment passes its ``revision`` (its history length), so
    that moving it back to a time it had before plans fresh reminders instead
    of meeting the withdrawn rows' dedupe keys.
    """
    suffix = "" if revision is None else f":r{revision}"
    planned = []
    for offset in offsets:
        due = before_quiet_hours(appointment.start - offset, zone)
        if due <= now:
            continue
        planned.append(
            Notification(
                chat_id=chat_id,
                kind=Kind.REMINDER,
                template="notify.reminder",
                due_at=due,
                dedupe_key=(
                    f"{appointment.id}:reminder:{int(offset.total_seconds())}"
                    f":{int(appointment.start.timestamp())}{suffix}"
                ),
                appointment_id=appointment.id,
            )
        )
    return planned


def status_notice(
    appointment: Appointment, chat_id: int, zone: ZoneInfo, now: datetime
) -> Notification:
    """Tell ``chat_id`` the appointment's new status; non-urgent ones wait for the morning."""
    urgent = appointment.status in URGENT_STATUSES
    return Notification(
        chat_id=chat_id,
        kind=Kind.STATUS,
        template=f"notify.status.{appointment.status}",
        due_at=now if urgent else after_quiet_hours(now, zone),
        dedupe_key=(
            f"{appointment.id}:status:{appointment.status}:{len(appointment.history)}:{chat_id}"
        ),
        appointment_id=appointment.id,
        urgent=urgent,
    )


def rescheduled_notice(
    appointment: Appointment, chat_id: int, zone: ZoneInfo, now: datetime
) -> Notification:
    """Tell ``chat_id`` the visit moved; it waits for the morning like any non-urgent news."""
    return Notification(
        chat_id=chat_id,
        kind=Kind.STATUS,
        template="notify.rescheduled",
        due_at=after_quiet_hours(now, zone),
        dedupe_key=f"{appointment.id}:rescheduled:{len(appointment.history)}:{chat_id}",
        appointment_id=appointment.id,
    )


@dataclass(frozen=True, slots=True)
class Change:
    """An appointment just created, moved or given a new status, and who did it."""

    appointment: Appointment
    actor: Actor
    patient: Patient | None
    doctor: Doctor | None
    now: datetime
    moved: bool = False  # a new time, not a new status
    reminder_offsets: tuple[timedelta, ...] | None = None  # else the country's own
    #: The phone of the doctor's location: a patient whose visit the clinic called off
    #: is told it, with the reason and a button to book again.
    clinic_phone: str = ""


@dataclass(slots=True)
class Plan:
    """What to queue, and what already queued about the appointment no longer holds."""

    notifications: list[Notification]
    withdraw_reminders: bool = False
    retime: bool = False  # queued messages must name the appointment's new time


def plan(change: Change) -> Plan:
    """What the people concerned must hear about ``change``.

    The patient gets reminders for a new or moved appointment; a cancelled or finished
    one withdraws them. Each person concerned, except the one who acted (who sees the
    result in their own chat), is told the new status or the new time.
    """
    appointment, patient, doctor, now = (
        change.appointment,
        change.patient,
        change.doctor,
        change.now,
    )
    country = get_country(appointment.country)
    zone = country.timezone
    offsets = change.reminder_offsets or country.reminder_offsets
    told = []
    if patient is not None and change.actor != Actor(Role.PATIENT, patient.id):
        told.append(patient.telegram_user_id)
    if (
        doctor is not None
        and doctor.telegram_user_id
        and change.actor != Actor(Role.DOCTOR, doctor.id)
        and (change.moved or appointment.status is not Status.REGISTERED)
    ):  # a new booking reaches its doctor through processing: an offer, or its assignment
        told.append(doctor.telegram_user_id)
    planned: list[Notification] = []
    if change.moved:
        # A moved visit may come back to a time it had: the revision keeps keys fresh.
        if patient is not None:
            revision = len(appointment.history)
            planned += plan_reminders(
                appointment, patient.telegram_user_id, offsets, zone, now, revision=revision
            )
        planned += [rescheduled_notice(appointment, chat, zone, now) for chat in told]
        result = Plan(planned, withdraw_reminders=True, retime=True)
    else:
        if patient is not None and appointment.status is Status.REGISTERED:
            planned += plan_reminders(appointment, patient.telegram_user_id, offsets, zone, now)
        planned += [status_notice(appointment, chat, zone, now) for chat in told]
        result = Plan(planned, withdraw_reminders=not appointment.is_active)
    params: dict[str, str | int] = {
        "reference": appointment.reference,
        "start": int(appointment.start.timestamp()),
        "country": country.code,
        "doctor": doctor.full_name if doctor else "",
    }
    if change.clinic_phone:  # a reminder past the cancellation window shows it
        params["phone"] = change.clinic_phone
    for notification in planned:
        notification.params = dict(params)
    if patient is not None and called_off_by_staff(change):
        _tell_how_to_rebook(planned, patient.telegram_user_id, change)
    return result


def called_off_by_staff(change: Change) -> bool:
    """A visit cancelled or rejected by someone other than its patient."""
    return change.appointment.status in URGENT_STATUSES and change.actor.role is not Role.PATIENT


def _tell_how_to_rebook(planned: list[Notification], chat_id: int, change: Change) -> None:
    reason = change.appointment.history[-1].reason if change.appointment.history else ""
    for notification in planned:
        if notification.chat_id == chat_id and notification.kind is Kind.STATUS:
            notification.params["rebook"] = 1
            if reason:
                notification.params["reason"] = reason


def parse_offsets(text: str) -> tuple[timedelta, ...]:
    """``"24h,2h"`` or ``"90s"`` or ``"2m"`` → offsets, largest first."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    offsets = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        number, unit = part[:-1], part[-1:]
        if unit not in units or not number.isdigit() or int(number) == 0:
            raise ValueError(part)
        offsets.append(timedelta(seconds=int(number) * units[unit]))
    if not offsets:
        raise ValueError(text)
    return tuple(sorted(offsets, reverse=True))
