"""The clinic, its locations, specialties, doctors, patients and appointments."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.errors import InvalidTransition
from domain.schedule import WorkingPlan
from domain.status import ACTIVE_STATUSES, Status, check_transition

DEFAULT_SLOT = timedelta(minutes=30)
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: easy to read aloud
#: How a history entry for a move begins: "rescheduled from <old start, UTC ISO 8601>".
RESCHEDULED_REASON = "rescheduled from"
#: The reason of the history entry that records a patient's "I'll attend".
WILL_ATTEND_REASON = "patient will attend"
#: How a history entry for a change of doctor begins: "handed over from doctor:<id>".
HANDED_OVER_REASON = "handed over from"


@dataclass(frozen=True, slots=True)
class ClinicProfile:
    """The one clinic a medbot serves: its name and the admins the set-up file names."""

    name: str
    #: Telegram ids of the admins named in the set-up file; an import makes them admins.
    admin_telegram_ids: tuple[int, ...] = ()


@dataclass(slots=True)
class Location:
    """A place where doctors see patients; ``code`` is how the set-up file names it."""

    id: int | None
    code: str
    name: str
    country: str
    address: str
    phone: str
    #: An IANA zone when the location's differs from its country's, else None.
    timezone: str | None = None


@dataclass(slots=True)
class Specialty:
    id: int | None
    code: str
    name_es: str
    name_en: str

    def name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_es


@dataclass(slots=True)
class Doctor:
    id: int | None
    full_name: str
    country: str
    specialty_ids: tuple[int, ...]
    plan: WorkingPlan
    slot_length: timedelta = DEFAULT_SLOT
    telegram_user_id: int | None = None
    active: bool = True
    location_id: int | None = None


@dataclass(slots=True)
class Patient:
    id: int | None
    telegram_user_id: int
    full_name: str
    national_id: str
    phone: str
    language: str
    country: str
    privacy_accepted_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StatusChange:
    at: datetime
    from_status: Status | None
    to_status: Status
    actor: str
    reason: str = ""


def new_reference() -> str:
    """A short code a patient can read to a receptionist, e.g. ``K7M2-9QX4``."""
    chars = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


@dataclass(slots=True)
class Appointment:
    id: uuid.UUID
    reference: str
    patient_id: int
    doctor_id: int
    specialty_id: int
    country: str
    start: datetime
    end: datetime
    status: Status
    history: list[StatusChange] = field(default_factory=list)

    @classmethod
    def register(
        cls,
        *,
        patient_id: int,
        doctor_id: int,
        specialty_id: int,
        country: str,
        start: datetime,
        end: datetime,
        at: datetime,
        actor: str,
    ) -> Appointment:
        appointment = cls(
            id=uuid.uuid4(),
            reference=new_reference(),
            patient_id=patient_id,
            doctor_id=doctor_id,
            specialty_id=specialty_id,
            country=country,
            start=start,
            end=end,
            status=Status.REGISTERED,
        )
        appointment.history.append(StatusChange(at, None, Status.REGISTERED, actor))
        return appointment

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def will_attend(self) -> bool:
        """Whether the patient said "I'll attend" for the visit's current time (a move
        since then asks anew)."""
        said = False
        for change in self.history:
            if change.reason == WILL_ATTEND_REASON:
                said = True
            elif change.reason.startswith(RESCHEDULED_REASON):
                said = False
        return said

    def confirm_attendance(self, *, at: datetime, actor: str) -> bool:
        """Record the patient's "I'll attend", as a history entry from the status to itself
        (as :meth:`move_time` records a move); ``False`` if it was already recorded.
        Raises :class:`~domain.errors.InvalidTransition` for a visit no longer active."""
        if not self.is_active:
            raise InvalidTransition(f"{self.status} is not active")
        if self.will_attend:
            return False
        self.history.append(StatusChange(at, self.status, self.status, actor, WILL_ATTEND_REASON))
        return True

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return start < self.end and self.start < end

    def move_to(self, target: Status, *, at: datetime, actor: str, reason: str = "") -> None:
        """Change status, or raise :class:`~domain.errors.InvalidTransition`."""
        check_transition(self.status, target)
        self.history.append(StatusChange(at, self.status, target, actor, reason))
        self.status = target

    def note(self, reason: str, *, at: datetime, actor: str) -> None:
        """A history entry that changes no status: a processing step, a doctor's answer."""
        self.history.append(StatusChange(at, self.status, self.status, actor, reason))

    def hand_over(self, doctor_id: int, *, at: datetime, actor: str) -> None:
        """Give the visit to another doctor at the same time, recording who had it."""
        self.note(f"{HANDED_OVER_REASON} doctor:{self.doctor_id}", at=at, actor=actor)
        self.doctor_id = doctor_id

    def move_time(self, start: datetime, end: datetime, *, at: datetime, actor: str) -> None:
        """Move the visit to ``[start, end)``, keeping its status.

        The history is a status history; a move is recorded in it as a change
        from the status to itself whose reason names the old time in UTC, so an
        admin reading it sees when, by whom and from when the visit was moved.
        """
        reason = f"{RESCHEDULED_REASON} {self.start.isoformat()}"
        self.history.append(StatusChange(at, self.status, self.status, actor, reason))
        self.start, self.end = start, end
