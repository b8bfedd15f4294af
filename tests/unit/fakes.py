"""In-memory fakes of the domain's ports, faithful enough to catch rule bugs."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from types import TracebackType
from typing import Self

from domain.audit import AuditEntry, AuditFilter, Source
from domain.entities import Appointment, ClinicProfile, Doctor, Location, Patient, Specialty
from domain.errors import ConcurrentChange, NationalIdTaken, SlotTaken
from domain.notifications import Delivery, Kind, Notification
from domain.ports import (
    AppointmentRepository,
    AuditLog,
    ChatStateRepository,
    ClinicRepository,
    Deps,
    DoctorRepository,
    InvitationRepository,
    JobRepository,
    LocationRepository,
    NotificationRepository,
    PatientRepository,
    SpecialtyRepository,
    StaffRepository,
    StatisticsRepository,
)
from domain.privacy import NoticeRecord
from domain.processing import Job
from domain.schedule import TimeRange, weekdays_plan
from domain.staff import Invitation, StaffGrant, StaffLink, StaffRole
from domain.statistics import Counts, GroupCounts
from domain.status import Status


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, now: datetime) -> None:
        self._now = now.astimezone(UTC)


@dataclass
class FakeDatabase:
    clinic: ClinicProfile | None = None
    locations: dict[int, Location] = field(default_factory=dict)
    specialties: dict[int, Specialty] = field(default_factory=dict)
    doctors: dict[int, Doctor] = field(default_factory=dict)
    patients: dict[int, Patient] = field(default_factory=dict)
    appointments: dict[uuid.UUID, Appointment] = field(default_factory=dict)
    notifications: list[Notification] = field(default_factory=list)
    #: Withdrawn notifications keep their dedupe keys, as the outbox's rows do.
    withdrawn: list[Notification] = field(default_factory=list)
    #: Chosen languages by Telegram id.
    languages: dict[int, str] = field(default_factory=dict)
    #: Every staff grant, revoked ones included.
    staff: list[StaffGrant] = field(default_factory=list)
    invitations: dict[int, Invitation] = field(default_factory=dict)
    #: Committed audit entries, oldest first.
    audit: list[AuditEntry] = field(default_factory=list)
    #: Processing jobs by id.
    jobs: dict[int, Job] = field(default_factory=dict)
    #: The bot's saved conversation data, by Telegram id.
    chat_state: dict[int, dict[str, object]] = field(default_factory=dict)


class _Clinic:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    async def get(self) -> ClinicProfile | None:
        return self.db.clinic

    async def save(self, profile: ClinicProfile) -> None:
        self.db.clinic = profile


class _Locations:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    async def add(self, location: Location) -> Location:
        stored = replace(location, id=len(self.db.locations) + 1)
        self.db.locations[stored.id or 0] = stored
        return replace(stored)

    async def save(self, location: Location) -> None:
        self.db.locations[location.id or 0] = replace(location)

    async def list_all(self) -> list[Location]:
        return [replace(v) for _, v in sorted(self.db.locations.items())]


class _Specialties:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    async def add(self, specialty: Specialty) -> Specialty:
        stored = replace(specialty, id=len(self.db.specialties) + 1)
        self.db.specialties[stored.id or 0] = stored
        return stored

    async def save(self, specialty: Specialty) -> None:
        self.db.specialties[specialty.id or 0] = replace(specialty)

    async def get_by_code(self, code: str) -> Specialty | None:
        return next((s for s in self.db.specialties.values() if s.code == code), None)

    async def list_all(self) -> list[Specialty]:
        return [replace(v) for _, v in sorted(self.db.specialties.items())]

    async def list_for_country(self, country: str) -> list[Specialty]:
        ids = {i for d in self.db.doctors.values() if d.country == country for i in d.specialty_ids}
        return [s for s in self.db.specialties.values() if s.id in ids]


class _Doctors:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    async def add(self, doctor: Doctor) -> Doctor:
        stored = replace(doctor, id=len(self.db.doctors) + 1)
        self.db.doctors[stored.id or 0] = stored
        return stored

    async def save(self, doctor: Doctor) -> None:
        self.db.doctors[doctor.id or 0] = replace(doctor)

    async def get(self, doctor_id: int) -> Doctor | None:
        return self.db.doctors.get(doctor_id)

    async def list_all(self) -> list[Doctor]:
        return [replace(v) for _, v in sorted(self.db.doctors.items())]

    async def list_for(self, country: str, specialty_id: int | None = None) -> list[Doctor]:
        return [
            d
            for d in self.db.doctors.values()
            if d.country == country and (specialty_id is None or specialty_id in d.specialty_ids)
        ]


class _Patients:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    async def add(self, patient: Patient) -> Patient:
        stored = replace(patient, id=len(self.db.patients) + 1)
        self._check_unique(stored)
        self.db.patients[stored.id or 0] = stored
        return stored

    def _check_unique(self, patient: Patient) -> None:
        """The database's unique index on (national ID, country)."""
        key = (patient.country, patient.national_id)
        if any(
            (p.country, p.national_id) == key and p.id != patient.id
            for p in self.db.patients.values()
        ):
            raise NationalIdTaken(patient.country)

    async def get(self, patient_id: int) -> Patient | None:
        return self.db.patients.get(patient_id)

    async def get_by_telegram_id(self, telegram_user_id: int) -> Patient | None:
        found = (p for p in self.db.patients.values() if p.telegram_user_id == telegram_user_id)
        return next(found, None)

    async def save(self, patient: Patient) -> None:
        self._check_unique(patient)
        self.db.patients[patient.id or 0] = patient

    async def get_many(self, patient_ids: list[int]) -> dict[int, Patient]:
        return {i: self.db.patients[i] for i in patient_ids if i in self.db.patients}

    async def with_national_id(self, national_ids: list[str]) -> list[Patient]:
        return [p for p in self.db.patients.values() if p.national_id in national_ids]

    async def get_by_national_id(self, country: str, national_id: str) -> Patient | None:
        found = (
            p
            for p in self.db.patients.values()
            if (p.country, p.national_id) == (country, national_id)
        )
        return next(found, None)


class _Appointments:
    def __init__(self, pending: dict[uuid.UUID, Appointment], db: FakeDatabase) -> None:
        self.pending = pending
        self.db = db

    async def add(self, appointment: Appointment) -> None:
        self.pending[appointment.id] = appointment

    async def get(self, appointment_id: uuid.UUID) -> Appointment | None:
        found = self.db.appointments.get(appointment_id)
        return copy.deepcopy(found)

    async def save(self, appointment: Appointment) -> None:
        self.pending[appointment.id] = appointment

    def _active(self) -> list[Appointment]:
        return [a for a in self.db.appointments.values() if a.is_active]

    async def active_for_doctor(
        self, doctor_id: int, start: datetime, end: datetime
    ) -> list[Appointment]:
        return [a for a in self._active() if a.doctor_id == doctor_id and a.overlaps(start, end)]

    async def busy_for_doctors(
        self, doctor_ids: list[int], start: datetime, end: datetime
    ) -> dict[int, list[tuple[datetime, datetime]]]:
        return {
            d: [(a.start, a.end) for a in await self.active_for_doctor(d, start, end)]
            for d in doctor_ids
        }

    async def clashes(
        self, doctor_id: int, patient_id: int, start: datetime, end: datetime
    ) -> list[Appointment]:
        return [
            a
            for a in self._active()
            if (a.doctor_id == doctor_id or a.patient_id == patient_id) and a.overlaps(start, end)
        ]

    async def upcoming_for_patient(self, patient_id: int, after: datetime) -> list[Appointment]:
        mine = [a for a in self.db.appointments.values() if a.patient_id == patient_id]
        return sorted((a for a in mine if a.start >= after), key=lambda a: a.start)

    async def get_by_reference(self, reference: str) -> Appointment | None:
        found = (a for a in self.db.appointments.values() if a.reference == reference)
        return copy.deepcopy(next(found, None))

    async def starting_between(
        self, doctor_ids: list[int], start: datetime, end: datetime
    ) -> list[Appointment]:
        found = [
            a
            for a in self.db.appointments.values()
            if a.doctor_id in doctor_ids and start <= a.start < end
        ]
        return sorted(found, key=lambda a: (a.start, a.doctor_id))


class _Statistics:
    """Counts the way the SQL does, from the committed appointments."""

    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    async def counts(
        self, doctor_ids: list[int], start: datetime, end: datetime
    ) -> list[GroupCounts]:
        groups: dict[tuple[int, int], Counts] = {}
        for a in self.db.appointments.values():
            if a.doctor_id not in doctor_ids or not start <= a.start < end:
                continue
            key = (a.doctor_id, a.specialty_id)
            groups[key] = groups.get(key, Counts()) + _counts_of(a)
        return [GroupCounts(d, s, c) for (d, s), c in sorted(groups.items())]


def _counts_of(a: Appointment) -> Counts:
    by = next((c.actor for c in a.history if c.to_status is Status.CANCELLED), "")
    cancelled = a.status is Status.CANCELLED
    return Counts(
        booked=1,
        held=int(a.status not in (Status.CANCELLED, Status.REJECTED)),
        cancelled_by_patient=int(cancelled and by.startswith("patient")),
        cancelled_by_admin=int(cancelled and by.startswith("admin")),
        cancelled_by_doctor=int(cancelled and by.startswith("doctor")),
        cancelled_by_system=int(cancelled and by.split(":")[0] not in _PEOPLE),
        no_shows=int(a.status is Status.NO_SHOW),
        completed=int(a.status is Status.COMPLETED),
    )


_PEOPLE = ("patient", "admin", "doctor")


class _Notifications:
    def __init__(self, pending: list[Notification], db: FakeDatabase) -> None:
        self.pending = pending
        self.db = db

    async def add(self, planned: list[Notification]) -> None:
        self.pending.extend(planned)

    async def withdraw(self, appointment_id: uuid.UUID, kind: Kind) -> None:
        gone = [n for n in self.db.notifications if n.appointment_id == appointment_id]
        gone = [n for n in gone if n.kind == kind]
        self.db.withdrawn.extend(gone)
        self.db.notifications = [n for n in self.db.notifications if n not in gone]

    async def retime(self, appointment_id: uuid.UUID, start: datetime) -> None:
        for n in self.db.notifications:
            if n.appointment_id == appointment_id and "start" in n.params:
                n.params = {**n.params, "start": int(start.timestamp())}

    async def to_chat(self, chat_id: int) -> list[NoticeRecord]:
        """Queued rows read as queued, withdrawn ones as withdrawn (the fake sends none)."""
        rows = [(n, Delivery.QUEUED) for n in self.db.notifications]
        rows += [(n, Delivery.WITHDRAWN) for n in self.db.withdrawn]
        return [
            NoticeRecord(n.kind, n.template, n.appointment_id, n.due_at, state, None)  # type: ignore[arg-type]
            for n, state in sorted(rows, key=lambda r: r[0].due_at)
            if n.chat_id == chat_id
        ]

    async def forget_name(self, appointment_ids: list[uuid.UUID], placeholder: str) -> None:
        for n in self.db.notifications + self.db.withdrawn:
            if n.appointment_id in appointment_ids and "patient" in n.params:
                n.params = {**n.params, "patient": placeholder}

    async def forget_chat(self, chat_id: int, pseudonym: int) -> None:
        gone = [n for n in self.db.notifications if n.chat_id == chat_id]
        self.db.withdrawn.extend(gone)
        self.db.notifications = [n for n in self.db.notifications if n not in gone]
        for n in self.db.withdrawn:
            if n.chat_id == chat_id:
                n.chat_id = pseudonym
                n.dedupe_key = n.dedupe_key.replace(f":{chat_id}", f":{pseudonym}")


class _Languages:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    async def set(self, telegram_user_id: int, language: str) -> None:
        self.db.languages[telegram_user_id] = language

    async def get(self, telegram_user_id: int) -> str | None:
        return self.db.languages.get(telegram_user_id)

    async def forget(self, telegram_user_id: int) -> None:
        self.db.languages.pop(telegram_user_id, None)


class _ChatState:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    async def forget(self, telegram_user_id: int) -> None:
        self.db.chat_state.pop(telegram_user_id, None)


class _Staff:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    def _in_force(self, telegram_user_id: int, role: StaffRole) -> StaffGrant | None:
        found = (
            g
            for g in self.db.staff
            if g.telegram_user_id == telegram_user_id and g.role is role and g.revoked_at is None
        )
        return next(found, None)

    async def link_of(self, telegram_user_id: int) -> StaffLink:
        doctor = next(
            (d.id for d in self.db.doctors.values() if d.telegram_user_id == telegram_user_id),
            None,
        )
        return StaffLink(self._in_force(telegram_user_id, StaffRole.ADMIN) is not None, doctor)

    async def grant(self, grant: StaffGrant) -> StaffGrant:
        if self._in_force(grant.telegram_user_id, grant.role) is not None:
            raise AssertionError("the partial unique index refuses a second grant in force")
        stored = replace(grant, id=len(self.db.staff) + 1)
        self.db.staff.append(stored)
        if grant.role is StaffRole.DOCTOR:
            doctor = self.db.doctors[grant.doctor_id or 0]
            doctor.telegram_user_id = grant.telegram_user_id
        return stored

    async def revoke(
        self, telegram_user_id: int, role: StaffRole, at: datetime, by: str
    ) -> StaffGrant | None:
        found = self._in_force(telegram_user_id, role)
        if found is not None:
            found.revoked_at, found.revoked_by = at, by
        if role is StaffRole.DOCTOR:
            for doctor in self.db.doctors.values():
                if doctor.telegram_user_id == telegram_user_id:
                    doctor.telegram_user_id = None
        return found

    async def active(self, role: StaffRole) -> list[StaffGrant]:
        return [g for g in self.db.staff if g.role is role and g.revoked_at is None]

    async def doctor_account(self, doctor_id: int) -> int | None:
        doctor = self.db.doctors.get(doctor_id)
        return doctor.telegram_user_id if doctor else None


class _Invitations:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    async def add(self, invitation: Invitation) -> Invitation:
        stored = replace(invitation, id=len(self.db.invitations) + 1)
        self.db.invitations[stored.id or 0] = stored
        return replace(stored)

    async def get_by_hash(self, token_hash: str) -> Invitation | None:
        found = (i for i in self.db.invitations.values() if i.token_hash == token_hash)
        stored = next(found, None)
        return replace(stored) if stored else None

    async def mark_used(self, invitation: Invitation) -> bool:
        stored = self.db.invitations[invitation.id or 0]
        if stored.used_at is not None:
            return False
        stored.used_at, stored.used_by = invitation.used_at, invitation.used_by
        return True


class _Audit:
    """Entries become visible on commit, as in a transaction; no update, no delete."""

    def __init__(self, pending: list[AuditEntry], db: FakeDatabase) -> None:
        self.pending = pending
        self.db = db

    async def append(self, entry: AuditEntry) -> None:
        self.pending.append(entry)

    async def latest(self, where: AuditFilter) -> list[AuditEntry]:
        def matches(e: AuditEntry) -> bool:
            wanted = {
                "record_type": where.record_type,
                "record_id": where.record_id,
                "patient_id": where.patient_id,
                "actor_role": where.actor_role,
                "actor_id": where.actor_id,
            }
            return all(v is None or getattr(e, k) == v for k, v in wanted.items())

        return [e for e in reversed(self.db.audit) if matches(e)][: where.limit]

    async def pseudonymise(self, telegram_user_id: int, pseudonym: int) -> None:
        def renamed(e: AuditEntry) -> AuditEntry:
            if e.actor_role == "guest" and e.actor_id == telegram_user_id:
                e = replace(e, actor_id=pseudonym)
            if e.record_type == "person" and e.record_id == str(telegram_user_id):
                e = replace(e, record_id=str(pseudonym))
            return e

        self.db.audit = [renamed(e) for e in self.db.audit]


class _Jobs:
    """Jobs are stored on commit; a save of a job changed since it was read fails."""

    def __init__(self, pending: dict[int, Job], db: FakeDatabase) -> None:
        self.pending = pending
        self.db = db
        self.read: dict[int, Job] = {}

    async def add(self, job: Job) -> None:
        job.id = max([0, *self.db.jobs, *self.pending]) + 1
        self.pending[job.id] = job

    async def get(self, job_id: int) -> Job | None:
        found = self.db.jobs.get(job_id)
        if found is not None:
            self.read[job_id] = copy.deepcopy(found)
        return copy.deepcopy(found)

    async def for_appointment(self, appointment_id: uuid.UUID) -> Job | None:
        found = next((j for j in self.db.jobs.values() if j.appointment_id == appointment_id), None)
        return None if found is None else await self.get(found.id or 0)

    async def save(self, job: Job) -> None:
        if self.read.get(job.id or 0) != self.db.jobs.get(job.id or 0):
            raise ConcurrentChange(f"job {job.id}")
        self.pending[job.id or 0] = job


class FakeUnitOfWork:
    """Changes to appointments become visible only on commit, like a transaction."""

    clinic: ClinicRepository
    locations: LocationRepository
    specialties: SpecialtyRepository
    doctors: DoctorRepository
    patients: PatientRepository
    appointments: AppointmentRepository
    notifications: NotificationRepository
    jobs: JobRepository
    chat_state: ChatStateRepository
    staff: StaffRepository
    invitations: InvitationRepository
    audit: AuditLog
    statistics: StatisticsRepository

    def __init__(self, db: FakeDatabase) -> None:
        self.db = db
        self.clinic = _Clinic(db)
        self.locations = _Locations(db)
        self._pending: dict[uuid.UUID, Appointment] = {}
        self.specialties = _Specialties(db)
        self.doctors = _Doctors(db)
        self.patients = _Patients(db)
        self.appointments = _Appointments(self._pending, db)
        self._planned: list[Notification] = []
        self.notifications = _Notifications(self._planned, db)
        self._jobs: dict[int, Job] = {}
        self.jobs = _Jobs(self._jobs, db)
        self.languages = _Languages(db)
        self.chat_state = _ChatState(db)
        self.staff = _Staff(db)
        self.invitations = _Invitations(db)
        self._audited: list[AuditEntry] = []
        self.audit = _Audit(self._audited, db)
        self.statistics = _Statistics(db)
        self.committed = False

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.rollback()

    async def commit(self) -> None:
        for appointment in self._pending.values():
            if appointment.is_active and any(
                other.id != appointment.id
                and other.is_active
                and other.doctor_id == appointment.doctor_id
                and other.start == appointment.start
                for other in self.db.appointments.values()
            ):
                raise SlotTaken(appointment.start.isoformat())
        self.db.appointments.update(copy.deepcopy(self._pending))
        known = {n.dedupe_key for n in self.db.notifications + self.db.withdrawn}
        self.db.notifications += [n for n in self._planned if n.dedupe_key not in known]
        self.db.audit += self._audited
        self.db.jobs.update(copy.deepcopy(self._jobs))
        self._jobs.clear()
        self._pending.clear()
        self._planned.clear()
        self._audited.clear()
        self.committed = True

    async def rollback(self) -> None:
        self._jobs.clear()
        self._pending.clear()
        self._planned.clear()
        self._audited.clear()


def fake_deps(
    db: FakeDatabase,
    clock: FakeClock,
    reminder_offsets: tuple[timedelta, ...] | None = None,
    *,
    admin_ids: frozenset[int] = frozenset(),
    source: Source = Source.BOT,
) -> Deps:
    """``Deps`` whose every unit of work is a fresh fake over the shared ``db``."""

    def uow(*, read_only: bool = False) -> FakeUnitOfWork:
        return FakeUnitOfWork(db)

    return Deps(uow, clock, reminder_offsets, admin_ids, source)


async def seed_clinic(db: FakeDatabase, doctor_chat: int | None = None) -> dict[str, int]:
    """A cardiologist in Peru (weekdays 9-18, lunch 13-14) and two patients, Ana and Ben;
    their ids by name."""
    uow = FakeUnitOfWork(db)
    cardio = await uow.specialties.add(Specialty(None, "cardiology", "Cardiología", "Cardiology"))
    plan = weekdays_plan(time(9), time(18), TimeRange(time(13), time(14)))
    doctor = await uow.doctors.add(
        Doctor(None, "Dr. Uno", "PE", (cardio.id or 0,), plan, telegram_user_id=doctor_chat)
    )
    ana = await uow.patients.add(Patient(None, 101, "Ana", "10117410", "+51987654321", "es", "PE"))
    ben = await uow.patients.add(Patient(None, 102, "Ben", "45678912", "+51987654322", "en", "PE"))
    return {"specialty": cardio.id or 0, "doctor": doctor.id or 0, "ana": ana.id or 0,
            "ben": ben.id or 0}  # fmt: skip
