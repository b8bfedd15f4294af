"""The read side: who is acting, the clinic's directory, open slots, a patient's visits,
the audit trail.

Each query opens a read-only unit of work, so it never waits for SQLite's write lock.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from domain.actors import CLINIC_ROLES, Actor, Role, check_movable, check_visible
from domain.agenda import Agenda, AgendaLine, AgendaPeriod, agenda_days, marks_allowed
from domain.appointment_lines import AppointmentLine, check_clinic_admin, parse_reference
from domain.audit import AuditEntry, AuditFilter
from domain.availability import Busy, Slot, free_slots, local_window, offered_slots
from domain.countries import get_country
from domain.entities import Appointment, Doctor, Location, Specialty
from domain.errors import InvalidSearch, InvalidTransition, NotAllowed, NotFound
from domain.ports import Deps, UnitOfWork
from domain.staff import Identity, StaffGrant, StaffRole
from domain.statistics import GroupCounts, Period, Statistics, add_up, period_days
from domain.status import Status


async def identify(deps: Deps, telegram_user_id: int) -> Actor:
    """The one actor behind a Telegram account: ADMIN, else DOCTOR (the linked doctor's
    id), else PATIENT, else GUEST (``Identity.actor``; each command picks its own role
    from :func:`identity`)."""
    return (await identity(deps, telegram_user_id)).actor


async def identity(deps: Deps, telegram_user_id: int) -> Identity:
    """Every role of a Telegram account, read fresh: the patient it registered as, the
    doctor linked to it, and whether it is an admin (in the database or by
    ``ADMIN_TELEGRAM_IDS``)."""
    async with deps.uow(read_only=True) as uow:
        patient = await uow.patients.get_by_telegram_id(telegram_user_id)
        link = await uow.staff.link_of(telegram_user_id)
    admin = link.admin or telegram_user_id in deps.admin_ids
    return Identity(telegram_user_id, patient, link.doctor_id, admin)


async def national_id_is_free(deps: Deps, actor: Actor, country: str, national_id: str) -> bool:
    """Whether the acting Telegram account may register with this national ID (compact):
    no other patient of ``country`` holds it. Advisory, asked while the person types;
    :func:`domain.usecases.registration.register` decides, behind a unique index."""
    async with deps.uow(read_only=True) as uow:
        holder = await uow.patients.get_by_national_id(country, national_id)
    return holder is None or holder.telegram_user_id == actor.telegram_user_id


async def booking_is_open(deps: Deps) -> bool:
    """Whether any doctor is active; with none, the clinic has not been set up yet."""
    async with deps.uow(read_only=True) as uow:
        return any(d.active for d in await uow.doctors.list_all())


async def specialties_in(deps: Deps, country: str) -> list[Specialty]:
    async with deps.uow(read_only=True) as uow:
        return await uow.specialties.list_for_country(country)


async def doctors_for(deps: Deps, country: str, specialty_id: int) -> list[Doctor]:
    async with deps.uow(read_only=True) as uow:
        return [d for d in await uow.doctors.list_for(country, specialty_id) if d.active]


@dataclass(frozen=True, slots=True)
class SlotQuery:
    country: str
    specialty_id: int
    doctor_id: int | None  # None: any doctor of the specialty ("first available")
    first_day: date
    last_day: date


@dataclass(frozen=True, slots=True)
class DoctorSlot:
    doctor_id: int
    slot: Slot


async def open_slots(deps: Deps, query: SlotQuery) -> list[DoctorSlot]:
    """Free slots of one doctor, or of every doctor of the specialty.

    With several doctors, each time is offered once, by the doctor listed first.
    """
    async with deps.uow(read_only=True) as uow:
        return await slots_in(uow, deps.clock.now(), query)


async def slots_in(uow: UnitOfWork, now: datetime, query: SlotQuery) -> list[DoctorSlot]:
    """:func:`open_slots` inside a unit of work already open (a processing step's)."""
    rules = get_country(query.country)
    first_day, last_day = query.first_day, query.last_day
    start, end = local_window(rules, first_day, last_day)
    doctors = await uow.doctors.list_for(query.country, query.specialty_id)
    doctors = [d for d in doctors if d.active]
    if query.doctor_id is not None:
        doctors = [d for d in doctors if d.id == query.doctor_id]
    spans = await uow.appointments.busy_for_doctors([d.id or 0 for d in doctors], start, end)
    found: dict[object, DoctorSlot] = {}
    for doctor in doctors:
        busy = [Busy(*span) for span in spans[doctor.id or 0]]
        for slot in free_slots(doctor, rules, first_day, last_day, busy=busy, now=now):
            found.setdefault(slot.start, DoctorSlot(doctor.id or 0, slot))
    return sorted(found.values(), key=lambda s: s.slot.start)


async def upcoming_visits(deps: Deps, actor: Actor) -> list[tuple[Appointment, Doctor | None]]:
    """The acting patient's appointments from now on, with their doctors, soonest first."""
    patient_id = actor.patient_id()
    async with deps.uow(read_only=True) as uow:
        appointments = await uow.appointments.upcoming_for_patient(patient_id, deps.clock.now())
        doctors = {d: await uow.doctors.get(d) for d in {a.doctor_id for a in appointments}}
    return [(a, doctors[a.doctor_id]) for a in appointments]


async def own_active_appointment(
    deps: Deps, actor: Actor, appointment_id: uuid.UUID
) -> tuple[Appointment, Doctor | None]:
    """An active appointment the actor may act on, with its doctor.

    Raises ``NotFound`` for someone else's and ``InvalidTransition`` for one no longer
    active, so a stale button gets the same answer wherever it was tapped.
    """
    async with deps.uow(read_only=True) as uow:
        appointment = await uow.appointments.get(appointment_id)
        if appointment is None:
            raise NotFound("appointment")
        check_visible(actor, appointment)
        doctor = await uow.doctors.get(appointment.doctor_id)
    if not appointment.is_active:
        raise InvalidTransition(f"{appointment.status} is not active")
    return appointment, doctor


async def movable_appointment(
    deps: Deps, actor: Actor, appointment_id: uuid.UUID
) -> tuple[Appointment, Doctor]:
    """An appointment the actor may still move, with its doctor, who must still practise.

    Raises what :func:`own_active_appointment` raises, ``NotFound`` for a doctor no
    longer active, and ``CancellationWindowClosed`` when the visit is too close.
    """
    appointment, doctor = await own_active_appointment(deps, actor, appointment_id)
    if doctor is None or not doctor.active:
        raise NotFound("doctor")
    check_movable(actor, appointment, deps.clock.now())
    return appointment, doctor


async def audit_trail(deps: Deps, actor: Actor, where: AuditFilter) -> list[AuditEntry]:
    """The latest audit entries matching ``where``, newest first: for admins only."""
    if actor.role not in (Role.ADMIN, Role.SYSTEM):
        raise NotAllowed("only admins read the audit")
    async with deps.uow(read_only=True) as uow:
        return await uow.audit.latest(where)


async def staff_members(deps: Deps, actor: Actor, role: StaffRole) -> list[StaffGrant]:
    """The grants of ``role`` in force (admins from the database, linked doctors with
    the doctor each is), oldest first: for admins only. ``deps.admin_ids`` are not
    listed; they are the operator's setting."""
    if actor.role not in (Role.ADMIN, Role.SYSTEM):
        raise NotAllowed("only admins list the staff")
    async with deps.uow(read_only=True) as uow:
        return await uow.staff.active(role)


async def clinic_doctors(deps: Deps, actor: Actor) -> list[Doctor]:
    """Every doctor of the clinic, active or not, in the order they were added: admins only."""
    if actor.role not in CLINIC_ROLES:
        raise NotAllowed("only admins list every doctor")
    async with deps.uow(read_only=True) as uow:
        return sorted(await uow.doctors.list_all(), key=lambda d: d.id or 0)


@dataclass(frozen=True, slots=True)
class Catalog:
    """The clinic's specialties and locations, each in the order they were added."""

    specialties: list[Specialty]
    locations: list[Location]


async def clinic_catalog(deps: Deps, actor: Actor) -> Catalog:
    """Every specialty and location, offered anywhere or not: admins only."""
    if actor.role not in CLINIC_ROLES:
        raise NotAllowed("only admins list the catalog")
    async with deps.uow(read_only=True) as uow:
        return Catalog(await uow.specialties.list_all(), await uow.locations.list_all())


async def clinic_locations(deps: Deps, actor: Actor) -> list[Location]:
    """Every location, by id: admins only."""
    check_clinic_admin(actor)
    async with deps.uow(read_only=True) as uow:
        return await uow.locations.list_all()


@dataclass(frozen=True, slots=True)
class DayQuery:
    day: date  # a local day, in each doctor's country's zone
    location_id: int | None = None  # None: every location
    doctor_id: int | None = None  # None: every doctor (of the location)


async def clinic_day(deps: Deps, actor: Actor, query: DayQuery) -> list[AppointmentLine]:
    """A day's appointments of any status at a location or of a doctor, by time: admins
    only. Names only; opening one (``usecases.lookup.open_appointment``) is audited."""
    check_clinic_admin(actor)
    async with deps.uow(read_only=True) as uow:
        doctors = {
            d.id or 0: d
            for d in await uow.doctors.list_all()
            if query.doctor_id in (None, d.id) and query.location_id in (None, d.location_id)
        }
        found: list[Appointment] = []
        for country, ids in _by_country(doctors.values()).items():
            start, end = local_window(get_country(country), query.day, query.day)
            found += await uow.appointments.starting_between(ids, start, end)
        patients = await uow.patients.get_many(sorted({a.patient_id for a in found}))
    return [
        AppointmentLine(
            a,
            patients[a.patient_id].full_name if a.patient_id in patients else "",
            doctors[a.doctor_id].full_name,
        )
        for a in sorted(found, key=lambda a: (a.start, a.doctor_id))
    ]


async def doctor_agenda(deps: Deps, actor: Actor, period: AgendaPeriod) -> Agenda:
    """The acting doctor's own visits of any status over ``period``, in their country's
    days, by time, each with its patient's name and whether the patient said "I'll
    attend". Like an admin's day list (:func:`clinic_day`) it shows names only, the
    doctor's own patients', so it is not audited; each visit's record is read once."""
    if actor.role is not Role.DOCTOR or actor.id is None:
        raise NotAllowed("only doctors have an agenda")
    now = deps.clock.now()
    async with deps.uow(read_only=True) as uow:
        doctor = await uow.doctors.get(actor.id)
        if doctor is None:
            raise NotFound("doctor")
        rules = get_country(doctor.country)
        first, last = agenda_days(period, now.astimezone(rules.timezone).date())
        start, end = local_window(rules, first, last)
        listed = await uow.appointments.starting_between([actor.id], start, end)
        # The list has no history; the "I'll attend" mark is in it (active visits only).
        found = [(await uow.appointments.get(a.id) if a.is_active else a) or a for a in listed]
        ahead = await uow.appointments.starting_between(
            [actor.id], now, now + rules.booking.horizon
        )
        awaiting = [a for a in ahead if a.status is Status.PENDING]
        patients = await uow.patients.get_many(sorted({a.patient_id for a in found + awaiting}))
    lines = [
        AgendaLine(
            a,
            patients[a.patient_id].full_name if a.patient_id in patients else "",
            a.will_attend,
            marks_allowed(a, now),
        )
        for a in found
    ]
    waiting = [
        AgendaLine(
            a, patients[a.patient_id].full_name if a.patient_id in patients else "", False, ()
        )
        for a in awaiting
    ]
    return Agenda(first, last, lines, waiting)


async def clinic_statistics(deps: Deps, actor: Actor, period: Period) -> Statistics:
    """Bookings, cancellations by whom, no-shows and fill rates over ``period``, counted by
    the database (``domain.statistics``): admins only. The period's days are those of the
    first doctor's country; each country's appointments are counted in its own zone."""
    check_clinic_admin(actor)
    now = deps.clock.now()
    async with deps.uow(read_only=True) as uow:
        doctors = sorted(await uow.doctors.list_all(), key=lambda d: d.id or 0)
        first, last = period_days(period, now.astimezone(_zone_of(doctors)).date())
        stats = Statistics(
            first,
            last,
            doctors={d.id or 0: d for d in doctors},
            locations={loc.id or 0: loc for loc in await uow.locations.list_all()},
            specialties={s.id or 0: s for s in await uow.specialties.list_all()},
        )
        rows: list[GroupCounts] = []
        for country, ids in _by_country(doctors).items():
            start, end = local_window(get_country(country), first, last)
            rows += await uow.statistics.counts(ids, start, end)
    offered = {
        d.id or 0: offered_slots(d, get_country(d.country), first, last)
        for d in doctors
        if d.active
    }
    return add_up(stats, rows, offered)


async def appointment_audit(
    deps: Deps, actor: Actor, typed_reference: str, limit: int = 15
) -> list[AuditEntry]:
    """The latest audit entries about the appointment with the typed reference: admins
    only. Raises ``InvalidSearch`` for what is not a reference, ``NotFound`` for an
    unknown one."""
    check_clinic_admin(actor)
    reference = parse_reference(typed_reference)
    if reference is None:
        raise InvalidSearch("not a reference")
    async with deps.uow(read_only=True) as uow:
        appointment = await uow.appointments.get_by_reference(reference)
        if appointment is None:
            raise NotFound("appointment")
        where = AuditFilter(record_type="appointment", record_id=str(appointment.id), limit=limit)
        return await uow.audit.latest(where)


async def clinic_today(deps: Deps) -> tuple[date, ZoneInfo]:
    """Today, and the zone it is today in: the first doctor's country's (UTC with none)."""
    async with deps.uow(read_only=True) as uow:
        zone = _zone_of(sorted(await uow.doctors.list_all(), key=lambda d: d.id or 0))
    return deps.clock.now().astimezone(zone).date(), zone


def _zone_of(doctors: list[Doctor]) -> ZoneInfo:
    return get_country(doctors[0].country).timezone if doctors else ZoneInfo("UTC")


def _by_country(doctors: Iterable[Doctor]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for doctor in doctors:
        found.setdefault(doctor.country, []).append(doctor.id or 0)
    return found
