"""The clinic's statistics for a period: what the database counts, and how it adds up.

The period selects appointments by their visit time, in each country's zone. The
database groups them by doctor and specialty (``StatisticsRepository.counts``, one
``GROUP BY``); those few rows are then added up here by country, location, doctor and
specialty. Offered slots come from the doctors' plans (``domain.availability``), so
the fill rate is the slots held (booked and not cancelled or rejected) over them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from enum import StrEnum

from domain.entities import Doctor, Location, Specialty


class Period(StrEnum):
    THIS_WEEK = "w"  # Monday to Sunday
    LAST_7_DAYS = "7d"  # today and the six days before
    THIS_MONTH = "m"  # the whole calendar month
    LAST_MONTH = "lm"


class Dimension(StrEnum):
    COUNTRY = "country"
    LOCATION = "location"
    DOCTOR = "doctor"
    SPECIALTY = "specialty"


def period_days(period: Period, today: date) -> tuple[date, date]:
    """The first and last local day of ``period`` as seen on ``today``."""
    if period is Period.THIS_WEEK:
        monday = today - timedelta(days=today.weekday())
        return monday, monday + timedelta(days=6)
    if period is Period.LAST_7_DAYS:
        return today - timedelta(days=6), today
    first_of_month = today.replace(day=1)
    if period is Period.THIS_MONTH:
        next_month = (first_of_month + timedelta(days=32)).replace(day=1)
        return first_of_month, next_month - timedelta(days=1)
    last_of_previous = first_of_month - timedelta(days=1)
    return last_of_previous.replace(day=1), last_of_previous


@dataclass(frozen=True, slots=True)
class Counts:
    """Appointments whose visit falls in the period, by what became of them."""

    booked: int = 0  # every one, whatever its status
    held: int = 0  # those holding or having held their slot: not cancelled, not rejected
    cancelled_by_patient: int = 0
    cancelled_by_admin: int = 0
    cancelled_by_doctor: int = 0
    cancelled_by_system: int = 0
    no_shows: int = 0
    completed: int = 0

    @property
    def cancelled(self) -> int:
        return (
            self.cancelled_by_patient
            + self.cancelled_by_admin
            + self.cancelled_by_doctor
            + self.cancelled_by_system
        )

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


@dataclass(frozen=True, slots=True)
class GroupCounts:
    """One row of the database's ``GROUP BY doctor, specialty``."""

    doctor_id: int
    specialty_id: int
    counts: Counts


def fill_rate(held: int, offered: int) -> float | None:
    """Held slots over offered ones; ``None`` when nothing was offered."""
    return held / offered if offered else None


@dataclass(slots=True)
class Statistics:
    first_day: date
    last_day: date
    total: Counts = field(default_factory=Counts)
    offered: int = 0
    #: Per dimension, the counts of each key: a country code, a location id (None: no
    #: location), a doctor id or a specialty id.
    by: dict[Dimension, dict[object, Counts]] = field(default_factory=dict)
    #: Offered slots per key, for every dimension but specialty (a doctor of two
    #: specialties offers the same slot to both).
    offered_by: dict[Dimension, dict[object, int]] = field(default_factory=dict)
    doctors: dict[int, Doctor] = field(default_factory=dict)
    locations: dict[int, Location] = field(default_factory=dict)
    specialties: dict[int, Specialty] = field(default_factory=dict)


def add_up(
    stats: Statistics, rows: Iterable[GroupCounts], offered_by_doctor: dict[int, int]
) -> Statistics:
    """Fill ``stats`` from the database's rows and each doctor's offered slots."""
    for dimension in Dimension:
        stats.by.setdefault(dimension, {})
        stats.offered_by.setdefault(dimension, {})
    for row in rows:
        doctor = stats.doctors.get(row.doctor_id)
        keys = {
            Dimension.COUNTRY: doctor.country if doctor else "",
            Dimension.LOCATION: doctor.location_id if doctor else None,
            Dimension.DOCTOR: row.doctor_id,
            Dimension.SPECIALTY: row.specialty_id,
        }
        stats.total += row.counts
        for dimension, key in keys.items():
            found = stats.by[dimension]
            found[key] = found.get(key, Counts()) + row.counts
    for doctor_id, offered in offered_by_doctor.items():
        doctor = stats.doctors[doctor_id]
        stats.offered += offered
        for dimension, key in (
            (Dimension.COUNTRY, doctor.country),
            (Dimension.LOCATION, doctor.location_id),
            (Dimension.DOCTOR, doctor_id),
        ):
            into = stats.offered_by[dimension]
            into[key] = into.get(key, 0) + offered
    return stats
