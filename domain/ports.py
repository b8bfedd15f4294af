"""Ports: what the domain needs from the outside world, as Protocols, and ``Deps``.

``storage`` implements the repositories and the unit of work; tests use in-memory
fakes of them. :class:`Deps` bundles what every use case and query takes first.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Protocol, Self

from domain.api_access import ApiToken, StoredResponse
from domain.audit import AuditEntry, AuditFilter, Source
from domain.calendar_feeds import CalendarFeed
from domain.entities import Appointment, ClinicProfile, Doctor, Location, Patient, Specialty
from domain.notifications import Kind, Notification
from domain.privacy import NoticeRecord
from domain.processing import Job
from domain.staff import Invitation, StaffGrant, StaffLink, StaffRole
from domain.statistics import GroupCounts


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class ClinicRepository(Protocol):
    """The clinic's one row: its name and the admins its set-up file names."""

    async def get(self) -> ClinicProfile | None: ...
    async def save(self, profile: ClinicProfile) -> None: ...


class LocationRepository(Protocol):
    async def add(self, location: Location) -> Location: ...
    async def save(self, location: Location) -> None: ...
    async def list_all(self) -> list[Location]:
        """Every location, by id."""
        ...


class SpecialtyRepository(Protocol):
    async def add(self, specialty: Specialty) -> Specialty: ...
    async def save(self, specialty: Specialty) -> None:
        """Store a specialty's changed names (the code is its identity)."""
        ...

    async def get_by_code(self, code: str) -> Specialty | None: ...
    async def list_for_country(self, country: str) -> list[Specialty]: ...
    async def list_all(self) -> list[Specialty]:
        """Every specialty, offered anywhere or not, by id."""
        ...


class DoctorRepository(Protocol):
    async def add(self, doctor: Doctor) -> Doctor: ...
    async def save(self, doctor: Doctor) -> None:
        """Store every field of an existing doctor, its specialties included."""
        ...

    async def get(self, doctor_id: int) -> Doctor | None: ...
    async def list_for(self, country: str, specialty_id: int | None = None) -> list[Doctor]: ...
    async def list_all(self) -> list[Doctor]:
        """Every doctor, active or not, by id."""
        ...


class PatientRepository(Protocol):
    async def add(self, patient: Patient) -> Patient:
        """Store a new patient; raise ``NationalIdTaken`` if another holds their ID."""
        ...

    async def get(self, patient_id: int) -> Patient | None: ...
    async def get_by_telegram_id(self, telegram_user_id: int) -> Patient | None: ...
    async def save(self, patient: Patient) -> None:
        """Store a changed patient; raise ``NationalIdTaken`` as :meth:`add` does."""
        ...

    async def get_many(self, patient_ids: list[int]) -> dict[int, Patient]:
        """The patients with these ids that exist, by id."""
        ...

    async def with_national_id(self, national_ids: list[str]) -> list[Patient]:
        """Patients whose national ID (compact, as stored) is one of ``national_ids``."""
        ...

    async def get_by_national_id(self, country: str, national_id: str) -> Patient | None:
        """The patient of ``country`` holding ``national_id`` (compact), if any."""
        ...


class AppointmentRepository(Protocol):
    async def add(self, appointment: Appointment) -> None:
        """Store a new appointment; raise ``SlotTaken`` if its slot is held."""
        ...

    async def get(self, appointment_id: uuid.UUID) -> Appointment | None: ...
    async def save(self, appointment: Appointment) -> None:
        """Store a changed status or time and the history entries not yet stored.

        Raises :class:`~domain.errors.ConcurrentChange` if the stored status
        or start is no longer the one read in this unit of work.
        """
        ...

    async def active_for_doctor(
        self, doctor_id: int, start: datetime, end: datetime
    ) -> list[Appointment]:
        """Active appointments of a doctor that overlap ``[start, end)``."""
        ...

    async def busy_for_doctors(
        self, doctor_ids: list[int], start: datetime, end: datetime
    ) -> dict[int, list[tuple[datetime, datetime]]]:
        """(start, end) of each doctor's active appointments overlapping ``[start, end)``,
        by doctor id (every id a key)."""
        ...

    async def clashes(
        self, doctor_id: int, patient_id: int, start: datetime, end: datetime
    ) -> list[Appointment]:
        """Active appointments of the doctor or of the patient that overlap ``[start,
        end)``, read at once: what a booking or a move must not collide with."""
        ...

    async def upcoming_for_patient(self, patient_id: int, after: datetime) -> list[Appointment]: ...

    async def get_by_reference(self, reference: str) -> Appointment | None:
        """The appointment with this reference (as stored, e.g. ``K7M2-9QX4``), history included."""
        ...

    async def starting_between(
        self, doctor_ids: list[int], start: datetime, end: datetime
    ) -> list[Appointment]:
        """The doctors' appointments of any status starting in ``[start, end)``, by start."""
        ...


class NotificationRepository(Protocol):
    async def add(self, planned: list[Notification]) -> None:
        """Queue notifications; a dedupe key seen before is skipped, never sent twice."""
        ...

    async def withdraw(self, appointment_id: uuid.UUID, kind: Kind) -> None:
        """Queued notifications of ``kind`` about the appointment are not to be sent."""
        ...

    async def retime(self, appointment_id: uuid.UUID, start: datetime) -> None:
        """Queued notifications about the appointment name ``start`` as its time now."""
        ...

    async def to_chat(self, chat_id: int) -> list[NoticeRecord]:
        """Every notification planned for ``chat_id``, sent or not, oldest first."""
        ...

    async def forget_name(self, appointment_ids: list[uuid.UUID], placeholder: str) -> None:
        """Notifications about these appointments that name their patient (a doctor's
        offer, an assignment) name ``placeholder`` instead."""
        ...

    async def forget_chat(self, chat_id: int, pseudonym: int) -> None:
        """The chat is gone: its queued notifications are withdrawn, and every row that
        named it (its chat and dedupe key) names ``pseudonym`` instead."""
        ...


class JobRepository(Protocol):
    """Bookings' processing jobs (``domain.processing``), one per appointment."""

    async def add(self, job: Job) -> None: ...
    async def get(self, job_id: int) -> Job | None: ...
    async def for_appointment(self, appointment_id: uuid.UUID) -> Job | None: ...
    async def save(self, job: Job) -> None:
        """Store the job's progress, due time and state, its lease dropped.

        Raises :class:`~domain.errors.ConcurrentChange` if the job was saved by someone
        else since it was read in this unit of work (a worker and a doctor's answer).
        """
        ...


class LanguageRepository(Protocol):
    """The language each person chose, by Telegram id: patients, doctors and admins."""

    async def set(self, telegram_user_id: int, language: str) -> None: ...
    async def get(self, telegram_user_id: int) -> str | None: ...
    async def forget(self, telegram_user_id: int) -> None:
        """Delete the account's choice (an erased person's)."""
        ...


class ChatStateRepository(Protocol):
    """The bot's saved conversations and drafts, by Telegram account."""

    async def forget(self, telegram_user_id: int) -> None:
        """Delete every conversation state and draft of the account."""
        ...


class StaffRepository(Protocol):
    """Staff roles by Telegram account; grants and revocations are kept, never deleted."""

    async def link_of(self, telegram_user_id: int) -> StaffLink:
        """The roles the account holds now (one round trip)."""
        ...

    async def grant(self, grant: StaffGrant) -> StaffGrant:
        """Store a grant; a doctor grant also links the doctor's record to the account."""
        ...

    async def revoke(
        self, telegram_user_id: int, role: StaffRole, at: datetime, by: str
    ) -> StaffGrant | None:
        """End the account's active grant of ``role`` (a doctor's also unlinks the record);
        the grant revoked, or ``None`` if there was none."""
        ...

    async def active(self, role: StaffRole) -> list[StaffGrant]:
        """The grants of ``role`` in force, oldest first."""
        ...

    async def doctor_account(self, doctor_id: int) -> int | None:
        """The Telegram account linked to the doctor, if any."""
        ...


class InvitationRepository(Protocol):
    async def add(self, invitation: Invitation) -> Invitation: ...
    async def get_by_hash(self, token_hash: str) -> Invitation | None: ...
    async def mark_used(self, invitation: Invitation) -> bool:
        """Record ``used_at`` and ``used_by``, only if still unused; whether it was."""
        ...


class ApiTokenRepository(Protocol):
    """API tokens by name and by hash; revoked ones are kept, so ids are never reused."""

    async def add(self, token: ApiToken) -> ApiToken:
        """Store a new token; raise ``InvalidInput`` if an active one has its name."""
        ...

    async def get_by_hash(self, token_hash: str) -> ApiToken | None: ...
    async def get_by_name(self, name: str) -> ApiToken | None:
        """The active token with this name, if any."""
        ...

    async def list_all(self) -> list[ApiToken]: ...
    async def save(self, token: ApiToken) -> None:
        """Store ``last_used_at`` and ``revoked_at``."""
        ...

    async def record_use(self, token_id: int, at: datetime) -> None:
        """Set only ``last_used_at``, so a call never undoes a revocation made since."""
        ...


class CalendarFeedRepository(Protocol):
    """Doctors' calendar feeds; revoked ones are kept, with when they were revoked."""

    async def add(self, feed: CalendarFeed) -> CalendarFeed: ...
    async def active_for(self, doctor_id: int) -> CalendarFeed | None: ...
    async def get_by_hash(self, token_hash: str) -> CalendarFeed | None: ...
    async def save(self, feed: CalendarFeed) -> None:
        """Store ``last_used_at`` and ``revoked_at``."""
        ...

    async def record_read(self, feed_id: int, at: datetime) -> None:
        """Set only ``last_used_at``, so a read never undoes a revocation made since."""
        ...


class StoredResponseRepository(Protocol):
    """The API's answers to requests sent with an ``Idempotency-Key``, per token."""

    async def get(self, token_id: int, key: str) -> StoredResponse | None: ...
    async def begin(self, response: StoredResponse) -> None:
        """Hold the key while the request runs; raise ``RequestInProgress`` if another
        transaction holds it already."""
        ...

    async def finish(self, response: StoredResponse) -> None:
        """Store the answer given under a held key."""
        ...


class AuditLog(Protocol):
    """Append-only for the application: there is deliberately no delete, and the one
    update is erasure's (:meth:`pseudonymise`)."""

    async def append(self, entry: AuditEntry) -> None: ...
    async def pseudonymise(self, telegram_user_id: int, pseudonym: int) -> None:
        """An erased person's Telegram account, where entries name it (a guest's actions,
        a ``person`` record), becomes ``pseudonym``; nothing else changes."""
        ...

    async def latest(self, where: AuditFilter) -> list[AuditEntry]:
        """The newest entries first, at most ``where.limit``."""
        ...


class StatisticsRepository(Protocol):
    """Counts computed by the database (``domain.statistics``)."""

    async def counts(
        self, doctor_ids: list[int], start: datetime, end: datetime
    ) -> list[GroupCounts]:
        """The doctors' appointments starting in ``[start, end)``, counted per doctor and
        specialty in one ``GROUP BY``; cancellations by who made them."""
        ...


class UnitOfWork(Protocol):
    """One transaction. Leaving the block without :meth:`commit` rolls back.

    :meth:`commit` raises :class:`~domain.errors.SlotTaken` when another
    transaction took the same doctor's slot first.
    """

    clinic: ClinicRepository
    locations: LocationRepository
    specialties: SpecialtyRepository
    doctors: DoctorRepository
    patients: PatientRepository
    appointments: AppointmentRepository
    notifications: NotificationRepository
    jobs: JobRepository
    languages: LanguageRepository
    chat_state: ChatStateRepository
    staff: StaffRepository
    invitations: InvitationRepository
    audit: AuditLog
    statistics: StatisticsRepository
    api_tokens: ApiTokenRepository
    stored_responses: StoredResponseRepository
    calendar_feeds: CalendarFeedRepository

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        """A fresh unit of work; ``read_only`` ones never take SQLite's write lock."""
        ...


@dataclass(frozen=True, slots=True)
class Deps:
    """What use cases and queries need, built once by the composition root."""

    uow: UnitOfWorkFactory
    clock: Clock
    #: Reminder offsets for every country instead of its own (demo and tests).
    reminder_offsets: tuple[timedelta, ...] | None = None
    #: ``ADMIN_TELEGRAM_IDS``: admins whatever the database says (``domain.staff``).
    admin_ids: frozenset[int] = frozenset()
    #: The front door, written on every audit entry.
    source: Source = Source.BOT
