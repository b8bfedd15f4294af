"""The admin's appointments, look-ups and statistics: rules, audit and arithmetic."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from bot.telegram import callbacks as cb
from domain.actors import Actor, Role
from domain.appointment_lines import parse_reference
from domain.errors import InvalidSearch, NotAllowed, NotFound
from domain.queries import DayQuery, appointment_audit, clinic_day, clinic_statistics
from domain.statistics import Counts, Period, period_days
from domain.usecases.booking import BookCommand, book
from domain.usecases.lookup import find_appointments, open_appointment, patient_audit
from tests.unit.fakes import FakeDatabase, seed_clinic

ADMIN = Actor(Role.ADMIN, 900, 900)
TUESDAY_10 = datetime(2026, 5, 5, 15, 0, tzinfo=UTC)  # 10:00 in Lima


@pytest.fixture
async def clinic(db: FakeDatabase) -> dict[str, int]:
    return await seed_clinic(db)


async def booked(deps, clinic, who: str = "ana"):  # type: ignore[no-untyped-def]
    command = BookCommand(clinic["doctor"], clinic["specialty"], TUESDAY_10)
    return await book(deps, Actor(Role.PATIENT, clinic[who]), command)


@pytest.mark.parametrize(
    ("period", "first", "last"),
    [
        (Period.THIS_WEEK, date(2026, 5, 4), date(2026, 5, 10)),
        (Period.LAST_7_DAYS, date(2026, 4, 30), date(2026, 5, 6)),
        (Period.THIS_MONTH, date(2026, 5, 1), date(2026, 5, 31)),
        (Period.LAST_MONTH, date(2026, 4, 1), date(2026, 4, 30)),
    ],
)
def test_each_period_covers_its_calendar_days(period: Period, first: date, last: date) -> None:
    assert period_days(period, date(2026, 5, 6)) == (first, last)  # a Wednesday


def test_last_month_in_january_is_last_years_december() -> None:
    assert period_days(Period.LAST_MONTH, date(2027, 1, 15)) == (
        date(2026, 12, 1),
        date(2026, 12, 31),
    )


@pytest.mark.parametrize("typed", ["K7M2-9QX4", "k7m2 9qx4", " K7M29QX4 "])
def test_a_typed_reference_is_read_as_stored(typed: str) -> None:
    assert parse_reference(typed) == "K7M2-9QX4"


@pytest.mark.parametrize("typed", ["K7M2-9QX", "K7M2-9QX0", "hola", "K7L2-9QX4"])
def test_what_no_reference_can_be_is_not_read_as_one(typed: str) -> None:
    assert parse_reference(typed) is None


def test_counts_add_up_field_by_field() -> None:
    total = Counts(booked=2, cancelled_by_admin=1) + Counts(booked=1, cancelled_by_patient=1)

    assert (total.booked, total.cancelled) == (3, 2)


async def test_opening_an_appointment_leaves_an_audit_entry_naming_the_admin(
    deps, db, clinic
) -> None:
    appointment = await booked(deps, clinic)

    line = await open_appointment(deps, ADMIN, appointment.id)

    assert (line.patient_name, line.doctor_name) == ("Ana", "Dr. Uno")
    entry = db.audit[-1]
    assert (entry.action, entry.actor_role, entry.actor_id) == ("appointment.viewed", "admin", 900)
    assert (entry.record_id, entry.patient_id) == (str(appointment.id), clinic["ana"])


async def test_a_reference_finds_its_appointment_and_is_audited(deps, db, clinic) -> None:
    appointment = await booked(deps, clinic)

    found = await find_appointments(deps, ADMIN, appointment.reference.lower())

    assert [x.appointment.id for x in found.lines] == [appointment.id]
    assert db.audit[-1].action == "appointment.viewed"


async def test_a_national_id_finds_the_patients_appointments_and_is_audited(
    deps, db, clinic
) -> None:
    appointment = await booked(deps, clinic, "ben")

    found = await find_appointments(deps, ADMIN, "45678912")

    assert found.patient is not None
    assert found.patient.full_name == "Ben"
    assert [x.appointment.id for x in found.lines] == [appointment.id]
    entry = db.audit[-1]
    assert (entry.action, entry.record_type, entry.record_id) == (
        "patient.looked_up",
        "patient",
        str(clinic["ben"]),
    )
    assert "45678912" not in repr(db.audit)


async def test_typing_neither_a_reference_nor_a_national_id_is_refused_and_not_audited(
    deps, db, clinic
) -> None:
    with pytest.raises(InvalidSearch):
        await find_appointments(deps, ADMIN, "hello there")

    assert db.audit == []


async def test_an_unknown_national_id_is_not_found_and_leaves_no_audit(deps, db, clinic) -> None:
    with pytest.raises(NotFound):
        await find_appointments(deps, ADMIN, "12345678")  # valid, but nobody's here

    assert db.audit == []


@pytest.mark.parametrize("role", [Role.PATIENT, Role.DOCTOR, Role.GUEST, Role.SYSTEM])
async def test_only_admins_look_up_list_or_count(deps, db, clinic, role: Role) -> None:
    someone = Actor(role, 1, 1)
    with pytest.raises(NotAllowed):
        await open_appointment(deps, someone, uuid.uuid4())
    with pytest.raises(NotAllowed):
        await find_appointments(deps, someone, "10117410")
    with pytest.raises(NotAllowed):
        await clinic_day(deps, someone, DayQuery(TUESDAY_10.date()))
    with pytest.raises(NotAllowed):
        await clinic_statistics(deps, someone, Period.THIS_WEEK)
    with pytest.raises(NotAllowed):
        await patient_audit(deps, someone, "10117410")
    with pytest.raises(NotAllowed):
        await appointment_audit(deps, someone, "K7M2-9QX4")
    assert db.audit == []


async def test_the_audit_of_a_typed_reference_lists_that_appointments_entries(deps, clinic) -> None:
    appointment = await booked(deps, clinic)

    entries = await appointment_audit(deps, ADMIN, appointment.reference)

    assert [e.action for e in entries] == ["appointment.booked"]


async def test_fake_statistics_count_as_the_sql_does(deps, clinic) -> None:
    await booked(deps, clinic)

    stats = await clinic_statistics(deps, ADMIN, Period.THIS_WEEK)

    assert stats.total == Counts(booked=1, held=1)
    assert stats.offered == 16 * 5


def test_admin_buttons_fit_telegrams_64_bytes_and_read_back() -> None:
    appointment_id = uuid.uuid4()
    moved = (appointment_id, TUESDAY_10)

    assert cb.ADMIN_MOVE_TO.unpack(cb.ADMIN_MOVE_TO.pack(moved)) == moved
    assert cb.ADMIN_MARK.unpack(cb.ADMIN_MARK.pack((appointment_id, "no_show"))) == (
        appointment_id,
        "no_show",
    )
    assert cb.ADMIN_MARK.unpack(f"adm:ap:k:{appointment_id.hex}:cancelled") is None
    assert cb.ADMIN_DAY_OF.unpack("adm:ap:d:3:20260230") is None
    assert cb.ADMIN_STATS.unpack("adm:sx:w:doctor") == ("w", "doctor")
