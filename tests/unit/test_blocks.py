"""A doctor's own blocks of time: a break within a day or a day off, what they take away
from patients, and who may add or remove them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from domain.actors import Actor, Role
from domain.availability import free_slots, is_free
from domain.blocks import end_times, start_times, whole_day, within_day, working_days
from domain.countries import get_country
from domain.entities import Doctor
from domain.errors import InvalidSetup, NotAllowed, NotFound
from domain.schedule import DayHours, TimeOff, TimeRange, WorkingPlan, weekdays_plan
from domain.usecases.booking import BookCommand, book
from domain.usecases.hours import add_time_off, remove_time_off, schedule_of
from tests.unit.fakes import FakeDatabase, seed_clinic

CHILE = get_country("CL")
PERU = get_country("PE")
SANTIAGO, LIMA = CHILE.timezone, PERU.timezone
TUESDAY = date(2026, 5, 5)
TUESDAY_10_LIMA = datetime(2026, 5, 5, 15, 0, tzinfo=UTC)
NOW = datetime(2026, 5, 4, 13, 0, tzinfo=UTC)  # Monday, 08:00 in Lima
ADMIN = Actor(Role.ADMIN, 900, 900)
STEP_LATER = timedelta(minutes=30)
NINE_TO_SIX = DayHours(TimeRange(time(9), time(18)), (TimeRange(time(13), time(14)),))


def doctor_with(*blocks: TimeOff, country: str = "CL") -> Doctor:
    weekly = weekdays_plan(time(9), time(18), TimeRange(time(13), time(14))).weekly
    plan = WorkingPlan(weekly=weekly, time_off=blocks)
    return Doctor(1, "Dra. Prueba", country, (1,), plan)


def local_starts(doctor: Doctor, day: date = TUESDAY) -> list[str]:
    country = get_country(doctor.country)
    now = datetime.combine(day - timedelta(days=1), time(), UTC)
    slots = free_slots(doctor, country, day, day, busy=(), now=now)
    return [s.start.astimezone(country.timezone).strftime("%H:%M") for s in slots]


def test_a_break_within_a_day_takes_away_only_the_slots_inside_it() -> None:
    blocked = within_day(TUESDAY, time(15), time(17), SANTIAGO, NOW)

    offered = local_starts(doctor_with(blocked))

    assert offered[offered.index("14:00") :] == ["14:00", "14:30", "17:00", "17:30"]
    assert not {"15:00", "15:30", "16:00", "16:30"} & set(offered)
    assert offered[:2] == ["09:00", "09:30"]


def test_a_break_that_starts_inside_a_slot_takes_that_whole_slot_away() -> None:
    blocked = TimeOff(
        datetime.combine(TUESDAY, time(10, 15), SANTIAGO),
        datetime.combine(TUESDAY, time(10, 45), SANTIAGO),
    )

    offered = local_starts(doctor_with(blocked))

    assert "10:00" not in offered
    assert "10:30" not in offered
    assert {"09:30", "11:00"} <= set(offered)


def test_is_free_refuses_a_slot_inside_a_break_and_accepts_the_one_right_after() -> None:
    doctor = doctor_with(within_day(TUESDAY, time(15), time(17), LIMA, NOW), country="PE")
    at = datetime.combine(TUESDAY, time(16, 30), LIMA).astimezone(UTC)

    assert is_free(doctor, PERU, at, busy=(), now=NOW) is None
    assert is_free(doctor, PERU, at + timedelta(minutes=30), busy=(), now=NOW) is not None


def test_a_break_on_one_day_leaves_the_same_hours_of_other_days_offered() -> None:
    doctor = doctor_with(within_day(TUESDAY, time(9), time(12), SANTIAGO, NOW))

    assert "09:00" not in local_starts(doctor, TUESDAY)
    assert "09:00" in local_starts(doctor, TUESDAY + timedelta(days=1))


def test_a_whole_day_off_runs_midnight_to_midnight_even_on_santiagos_25_hour_day() -> None:
    dst_ends = date(2026, 4, 4)  # a Saturday: at its midnight Santiago goes back to 23:00

    off = whole_day(dst_ends, SANTIAGO, NOW - timedelta(days=60))

    assert off.end.astimezone(UTC) - off.start.astimezone(UTC) == timedelta(hours=25)
    assert off.end.astimezone(SANTIAGO) == datetime(2026, 4, 5, tzinfo=SANTIAGO)


def test_a_block_that_has_ended_or_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(InvalidSetup, match="time_off_past"):
        whole_day(date(2026, 5, 3), LIMA, NOW)
    with pytest.raises(InvalidSetup, match="time_off_past"):
        within_day(date(2026, 5, 4), time(7), time(8), LIMA, NOW)
    with pytest.raises(InvalidSetup, match="ends_before_start"):
        within_day(TUESDAY, time(15), time(15), LIMA, NOW)

    assert whole_day(date(2026, 5, 4), LIMA, NOW).end > NOW  # today is still blockable


def test_times_offered_follow_the_days_hours_in_half_hours_and_skip_what_has_passed() -> None:
    monday = date(2026, 5, 4)
    at_ten = datetime.combine(monday, time(10, 10), LIMA)

    assert start_times(monday, NINE_TO_SIX, LIMA, at_ten)[:2] == [time(10), time(10, 30)]
    assert start_times(TUESDAY, NINE_TO_SIX, LIMA, at_ten)[-1] == time(17, 30)
    assert end_times(NINE_TO_SIX, time(17)) == [time(17, 30), time(18)]
    closes_off_grain = DayHours(TimeRange(time(9), time(10, 45)))
    assert end_times(closes_off_grain, time(10)) == [time(10, 30), time(10, 45)]


def test_only_working_days_that_are_not_holidays_can_be_blocked() -> None:
    may_day_week = working_days(doctor_with().plan, PERU, date(2026, 4, 27), date(2026, 5, 3))

    assert may_day_week == [date(2026, 4, d) for d in (27, 28, 29, 30)]  # 1 May is a holiday


@pytest.fixture
async def clinic(db: FakeDatabase) -> dict[str, int]:
    return await seed_clinic(db)


def as_doctor(clinic: dict[str, int]) -> Actor:
    return Actor(Role.DOCTOR, clinic["doctor"])


async def test_a_doctors_block_is_marked_as_theirs_audited_and_returns_the_visits_it_covers(
    db, deps, clinic
) -> None:
    command = BookCommand(clinic["doctor"], clinic["specialty"], TUESDAY_10_LIMA)
    booked = await book(deps, Actor(Role.PATIENT, clinic["ana"]), command)

    off = within_day(TUESDAY, time(9, 30), time(11), LIMA, NOW)
    stranded = await add_time_off(deps, as_doctor(clinic), clinic["doctor"], off)

    [stored] = db.doctors[clinic["doctor"]].plan.time_off
    assert stored.by_doctor
    assert [a.id for a in stranded] == [booked.id]
    [entry] = [e for e in db.audit if e.action == "doctor.time_off_added"]
    assert (entry.actor_role, entry.actor_id) == ("doctor", clinic["doctor"])


async def test_a_doctor_may_not_block_another_doctors_time_and_a_patient_none(deps, clinic) -> None:
    off = whole_day(TUESDAY, LIMA, NOW)
    with pytest.raises(NotAllowed):
        await add_time_off(deps, Actor(Role.DOCTOR, clinic["doctor"] + 1), clinic["doctor"], off)
    with pytest.raises(NotAllowed):
        await add_time_off(deps, Actor(Role.PATIENT, clinic["ana"]), clinic["doctor"], off)
    with pytest.raises(NotAllowed):
        await schedule_of(deps, Actor(Role.PATIENT, clinic["ana"]), clinic["doctor"])


async def test_a_block_forged_into_the_past_is_refused_by_the_use_case(deps, clinic) -> None:
    past = TimeOff(NOW - timedelta(hours=3), NOW - timedelta(hours=1))

    with pytest.raises(InvalidSetup, match="time_off_past"):
        await add_time_off(deps, as_doctor(clinic), clinic["doctor"], past)


async def test_a_doctor_removes_their_own_block_but_not_the_clinics_which_an_admin_may(
    db, deps, clinic
) -> None:
    doctor = as_doctor(clinic)
    mine = within_day(TUESDAY, time(15), time(17), LIMA, NOW)
    clinics = whole_day(date(2026, 5, 7), LIMA, NOW)
    await add_time_off(deps, doctor, clinic["doctor"], mine)
    await add_time_off(deps, ADMIN, clinic["doctor"], clinics)

    with pytest.raises(NotAllowed):
        await remove_time_off(deps, doctor, clinic["doctor"], clinics.start, clinics.end)
    await remove_time_off(deps, doctor, clinic["doctor"], mine.start, mine.end)
    await remove_time_off(deps, ADMIN, clinic["doctor"], clinics.start, clinics.end)

    assert db.doctors[clinic["doctor"]].plan.time_off == ()
    removed = [e for e in db.audit if e.action == "doctor.time_off_removed"]
    assert [e.actor_role for e in removed] == ["doctor", "admin"]


async def test_removing_a_block_that_is_unknown_or_already_over_finds_nothing(
    deps, clock, clinic
) -> None:
    doctor = as_doctor(clinic)
    off = within_day(TUESDAY, time(15), time(17), LIMA, NOW)
    await add_time_off(deps, doctor, clinic["doctor"], off)

    with pytest.raises(NotFound):
        await remove_time_off(deps, doctor, clinic["doctor"], off.start, off.end + STEP_LATER)
    clock.set(off.end + timedelta(minutes=1))
    with pytest.raises(NotFound):
        await remove_time_off(deps, doctor, clinic["doctor"], off.start, off.end)
