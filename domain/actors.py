"""Who is acting, and what each role may do to an appointment.

The bot and the HTTP API resolve the :class:`Actor` once per request, from whoever
sent it (``domain.queries.identify``), never from the data being acted on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.countries import get_country
from domain.entities import Appointment
from domain.errors import CancellationWindowClosed, InvalidTransition, NotFound, NotRegistered


class Role(StrEnum):
    GUEST = "guest"  # a Telegram user who has not registered yet
    PATIENT = "patient"
    DOCTOR = "doctor"
    ADMIN = "admin"
    SYSTEM = "system"
    #: A clinic's system calling the REST API with a token; ``Actor.id`` is the token's id.
    API = "api"


@dataclass(frozen=True, slots=True)
class Actor:
    role: Role
    id: int | None = None  # patient id, doctor id or Telegram user id of an admin
    #: The Telegram account behind the actor, when there is one; not part of identity.
    telegram_user_id: int | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return self.role if self.id is None else f"{self.role}:{self.id}"

    def patient_id(self) -> int:
        """The acting patient's id; anyone else gets :class:`NotRegistered`."""
        if self.role is not Role.PATIENT or self.id is None:
            raise NotRegistered(str(self.role))
        return self.id


SYSTEM = Actor(Role.SYSTEM)

#: Roles that act for the clinic as a whole: they see every appointment and book for
#: any patient. An API token is the clinic's own system, so it is one of them.
CLINIC_ROLES: frozenset[Role] = frozenset({Role.ADMIN, Role.SYSTEM, Role.API})


def booking_patient(actor: Actor, patient_id: int | None) -> int:
    """Whom a booking is for: a patient books for themselves; the clinic's roles name
    the patient. Anyone else gets :class:`NotRegistered`."""
    if actor.role in CLINIC_ROLES and patient_id is not None:
        return patient_id
    own = actor.patient_id()
    if patient_id not in (None, own):
        raise NotFound("patient")
    return own


def check_visible(actor: Actor, appointment: Appointment) -> None:
    """Patients and doctors see only their own appointments; others' look missing."""
    if actor.role is Role.GUEST:
        raise NotFound("appointment")
    if actor.role is Role.PATIENT and appointment.patient_id != actor.id:
        raise NotFound("appointment")
    if actor.role is Role.DOCTOR and appointment.doctor_id != actor.id:
        raise NotFound("appointment")


def check_movable(actor: Actor, appointment: Appointment, now: datetime) -> None:
    """Raise unless ``actor`` may still cancel or move the appointment's current time.

    Moving a visit gives up its time just as cancelling does, so a patient meets the
    same cancellation window; staff are not held to it.
    """
    if not appointment.is_active:
        raise InvalidTransition(f"{appointment.status} cannot move")
    if actor.role is Role.PATIENT:
        window = get_country(appointment.country).booking.cancellation_window
        if now > appointment.start - window:
            raise CancellationWindowClosed(appointment.reference)
