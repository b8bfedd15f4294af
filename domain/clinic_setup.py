"""The clinic described whole, as its set-up file says it, and what applying it changes.

A :class:`ClinicSpec` names things by their codes (locations, specialties) and doctors
by name within their country, never by database id, so the same file applies to any
database. :func:`describe` turns the stored directory into a spec (``medbot clinic
export``); :func:`diff` compares a spec with the stored directory (``medbot clinic import
--dry-run`` prints it, and the import applies exactly it).

A spec holds a doctor's weekly hours and time off; dated exceptions of a working plan
are not part of the file, and an import leaves them as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.countries import get_country
from domain.entities import ClinicProfile, Doctor, Location, Specialty
from domain.ports import UnitOfWork
from domain.schedule import DayHours, TimeOff


@dataclass(frozen=True, slots=True)
class LocationSpec:
    code: str
    name: str
    country: str
    address: str
    phone: str
    timezone: str | None = None

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone) if self.timezone else get_country(self.country).timezone


@dataclass(frozen=True, slots=True)
class SpecialtySpec:
    code: str
    name_es: str
    name_en: str


@dataclass(frozen=True, slots=True)
class DoctorSpec:
    name: str
    country: str
    specialties: tuple[str, ...]  # codes, in the file's order
    location: str | None  # a location code; None for a doctor placed only by country
    visit: timedelta
    weekly: Mapping[int, DayHours]  # ISO weekday (1 = Monday) -> hours
    time_off: tuple[TimeOff, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        """How an import recognises a doctor already stored: name and country."""
        return (self.name, self.country)


@dataclass(frozen=True, slots=True)
class ClinicSpec:
    name: str
    admins: tuple[int, ...] = ()
    locations: tuple[LocationSpec, ...] = ()
    specialties: tuple[SpecialtySpec, ...] = ()
    doctors: tuple[DoctorSpec, ...] = ()


@dataclass(frozen=True, slots=True)
class Directory:
    """Everything stored about the clinic's set-up, read in one unit of work."""

    profile: ClinicProfile | None
    locations: list[Location] = field(default_factory=list)
    specialties: list[Specialty] = field(default_factory=list)
    doctors: list[Doctor] = field(default_factory=list)


async def read_directory(uow: UnitOfWork) -> Directory:
    return Directory(
        await uow.clinic.get(),
        await uow.locations.list_all(),
        await uow.specialties.list_all(),
        await uow.doctors.list_all(),
    )


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DEACTIVATE = "deactivate"


@dataclass(frozen=True, slots=True)
class Change:
    action: Action
    kind: str  # "clinic", "location", "specialty" or "doctor"
    key: str  # the code, or the doctor's name and country
    fields: tuple[str, ...] = ()  # what an update changes


def days_off(first: date, last: date, zone: ZoneInfo, reason: str = "") -> TimeOff:
    """Time off for whole local days, ``first`` to ``last`` inclusive."""
    start = datetime.combine(first, time(0), zone)
    return TimeOff(start, datetime.combine(last + timedelta(days=1), time(0), zone), reason)


def local_span(off: TimeOff, zone: ZoneInfo) -> tuple[date, date] | tuple[datetime, datetime]:
    """Time off as the file says it: whole days (first, last) when it is whole local days,
    else the two local wall-clock instants (naive)."""
    start, end = off.start.astimezone(zone), off.end.astimezone(zone)
    first, after = start.date(), end.date()
    whole = days_off(first, after - timedelta(days=1), zone) if after > first else None
    if whole is not None and (off.start, off.end) == (whole.start, whole.end):
        return first, after - timedelta(days=1)
    return start.replace(tzinfo=None), end.replace(tzinfo=None)


def describe(directory: Directory) -> ClinicSpec:
    """The stored clinic as a spec: every location and specialty, the active doctors."""
    locations = {loc.id: loc for loc in directory.locations}
    codes = {s.id: s.code for s in directory.specialties}
    profile = directory.profile or ClinicProfile("")
    return ClinicSpec(
        name=profile.name,
        admins=profile.admin_telegram_ids,
        locations=tuple(_location_spec(loc) for loc in directory.locations),
        specialties=tuple(
            SpecialtySpec(s.code, s.name_es, s.name_en) for s in directory.specialties
        ),
        doctors=tuple(_doctor_spec(d, locations, codes) for d in directory.doctors if d.active),
    )


def diff(directory: Directory, wanted: ClinicSpec, *, prune: bool = False) -> list[Change]:
    """What applying ``wanted`` to the stored clinic creates, updates and deactivates."""
    current = describe(Directory(directory.profile, directory.locations, directory.specialties))
    changes: list[Change] = []
    profile = ClinicProfile(wanted.name, wanted.admins)
    if directory.profile is None:
        changes.append(Change(Action.CREATE, "clinic", wanted.name))
    elif directory.profile != profile:
        fields = _changed(directory.profile, profile, ("name", "admin_telegram_ids"))
        changes.append(Change(Action.UPDATE, "clinic", wanted.name, fields))
    changes += _compare("location", current.locations, wanted.locations)
    changes += _compare("specialty", current.specialties, wanted.specialties)
    locations = {loc.id: loc for loc in directory.locations}
    codes = {s.id: s.code for s in directory.specialties}
    stored = {(d.full_name, d.country): d for d in directory.doctors}
    for spec in wanted.doctors:
        doctor = stored.get(spec.key)
        if doctor is None:
            changes.append(Change(Action.CREATE, "doctor", _doctor_key(spec.key)))
            continue
        fields = _changed(_doctor_spec(doctor, locations, codes), _sorted(spec), _DOCTOR_FIELDS)
        if not doctor.active:
            fields = ("active", *fields)
        if fields:
            changes.append(Change(Action.UPDATE, "doctor", _doctor_key(spec.key), fields))
    if prune:
        keep = {spec.key for spec in wanted.doctors}
        changes += [
            Change(Action.DEACTIVATE, "doctor", _doctor_key(key))
            for key, doctor in stored.items()
            if doctor.active and key not in keep
        ]
    return changes


def absent_doctors(directory: Directory, wanted: ClinicSpec) -> list[Doctor]:
    """Active stored doctors the spec does not name: what ``--prune`` deactivates."""
    keep = {spec.key for spec in wanted.doctors}
    return [d for d in directory.doctors if d.active and (d.full_name, d.country) not in keep]


_DOCTOR_FIELDS = ("specialties", "location", "visit", "weekly", "time_off")


def _sorted(spec: DoctorSpec) -> DoctorSpec:
    return replace(spec, specialties=tuple(sorted(spec.specialties)))


def _doctor_key(key: tuple[str, str]) -> str:
    return f"{key[0]} ({key[1]})"


def _changed(old: object, new: object, names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(n for n in names if getattr(old, n) != getattr(new, n))


def _compare(
    kind: str,
    current: tuple[LocationSpec, ...] | tuple[SpecialtySpec, ...],
    wanted: tuple[LocationSpec, ...] | tuple[SpecialtySpec, ...],
) -> list[Change]:
    by_code = {item.code: item for item in current}
    changes = []
    for item in wanted:
        old = by_code.get(item.code)
        if old is None:
            changes.append(Change(Action.CREATE, kind, item.code))
        elif old != item:
            names = tuple(n for n in item.__slots__ if n != "code")
            changes.append(Change(Action.UPDATE, kind, item.code, _changed(old, item, names)))
    return changes


def _location_spec(loc: Location) -> LocationSpec:
    return LocationSpec(loc.code, loc.name, loc.country, loc.address, loc.phone, loc.timezone)


def _doctor_spec(
    doctor: Doctor, locations: Mapping[int | None, Location], codes: Mapping[int | None, str]
) -> DoctorSpec:
    location = locations.get(doctor.location_id) if doctor.location_id else None
    return DoctorSpec(
        name=doctor.full_name,
        country=doctor.country,
        specialties=tuple(sorted(codes[s] for s in doctor.specialty_ids)),
        location=location.code if location else None,
        visit=doctor.slot_length,
        weekly=dict(sorted(doctor.plan.weekly.items())),
        time_off=doctor.plan.time_off,
    )
