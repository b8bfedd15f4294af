"""Calendar files: when a patient is due an ``.ics`` of their visit, decided purely.

A visit the clinic has confirmed (``assigned``) becomes an event in the patient's
calendar. A move sends the same event again with a higher SEQUENCE, and a cancellation
a cancelling one; every version shares one UID, so a calendar updates the event it
holds instead of adding another. A patient may ask for a confirmed visit's file again
(``/my``): the same version, sent once more at once. The domain only queues the row
(``kind=calendar``); the bot renders the file when it sends it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum

from domain.entities import Appointment
from domain.notifications import Kind, Notification
from domain.status import Status


class Method(StrEnum):
    """iTIP's METHOD: the event is new or changed, or it is called off."""

    REQUEST = "REQUEST"
    CANCEL = "CANCEL"


TEMPLATES = {Method.REQUEST: "calendar.request", Method.CANCEL: "calendar.cancel"}


@dataclass(frozen=True, slots=True)
class Place:
    """Where the visit is and what it is for, as the file shows it."""

    name: str = ""
    address: str = ""
    phone: str = ""
    specialty_es: str = ""
    specialty_en: str = ""


def was_assigned(appointment: Appointment) -> bool:
    return any(change.to_status is Status.ASSIGNED for change in appointment.history)


def calendar_due(appointment: Appointment, *, moved: bool) -> Method | None:
    """Which file the patient needs after this change: an event when the visit is
    confirmed or a confirmed one moves, a cancellation when a confirmed one is called
    off; else none (a booking not yet confirmed is in no calendar)."""
    last = appointment.history[-1] if appointment.history else None
    if appointment.status is Status.ASSIGNED:
        just_assigned = last is not None and last.from_status is not Status.ASSIGNED
        return Method.REQUEST if moved or just_assigned else None
    if appointment.status is Status.CANCELLED and was_assigned(appointment):
        return Method.CANCEL
    return None


def calendar_file(
    appointment: Appointment,
    chat_id: int,
    method: Method,
    place: Place,
    *,
    doctor: str,
    due_at: datetime,
) -> Notification:
    """The row that sends ``chat_id`` the visit's file. Its SEQUENCE is the history's
    length, which every move and status change raises."""
    sequence = len(appointment.history)
    minutes = int((appointment.end - appointment.start).total_seconds() // 60)
    return Notification(
        chat_id=chat_id,
        kind=Kind.CALENDAR,
        template=TEMPLATES[method],
        due_at=due_at,
        dedupe_key=f"{appointment.id}:calendar:{method.value}:{sequence}:{chat_id}",
        appointment_id=appointment.id,
        params={
            "reference": appointment.reference,
            "start": int(appointment.start.timestamp()),
            "minutes": minutes,
            "country": appointment.country,
            "doctor": doctor,
            "sequence": sequence,
            "place": place.name,
            "address": place.address,
            "phone": place.phone,
            "specialty_es": place.specialty_es,
            "specialty_en": place.specialty_en,
        },
        urgent=method is Method.CANCEL,
    )


def asked_again(row: Notification, asked_at: datetime) -> Notification:
    """``row`` once more, because the patient asked for it at ``asked_at``: due then and
    urgent, keyed by the automatic row's key and the time of asking. The automatic row
    keeps its own key, so planning it twice still queues it once, while each later
    request is a row of its own; two taps within one second are one request. The time is
    written with letters (``20260504T130000Z``) so that no key part reads as a chat id,
    which erasure replaces with a pseudonym."""
    stamp = asked_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    key = f"{row.dedupe_key}:again:{stamp}"
    return replace(row, due_at=asked_at, urgent=True, dedupe_key=key)
