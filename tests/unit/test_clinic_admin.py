"""Admins set the clinic up: doctors, hours, time off, specialties and locations."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from domain.actors import Actor, Role
from domain.entities import Location
from domain.errors import InvalidPhone, InvalidSetup, NotAllowed
from domain.schedule import DayHours, TimeRange
from domain.usecases.booking import BookCommand, book
from domain.usecases.cancellation import CancelCommand, cancel
from domain.usecases.catalog import LocationCommand, SpecialtyCommand, save_location, save_specialty
from domain.usecases.doctors import DoctorCommand, save_doctor, set_active
from domain.usecases.hours import add_time_off, outside_hours, set_hours
from domain.working_hours import parse_time_off, parse_week, show_week
from tests.unit.fakes import FakeDatabase, FakeUnitOfWork, seed_clinic

ADMIN = Actor(Role.ADMIN, 900, 900)
LIMA = ZoneInfo("America/Lima")
TUESDAY_10_LIMA = datetime(2026, 5, 5, 15, 0, tzinfo=UTC)
NINE_TO_SIX = {1: DayHours(TimeRange(time(9), time(18)))}


@pytest.fixture
async def clinic(db: FakeDatabase) -> dict[str, int]:
    found = await seed_clinic(db)
    lima = await FakeUnitOfWork(db).locations.add(
        Location(None, "lima", "Sede Lima", "PE", "Av. 1", "+5117001000")
    )
    return {**found, "lima": lima.id or 0}


def test_a_typed_week_has_its_gaps_as_breaks_and_reads_back_the_same() -> None:
    week = parse_week("lun-vie 09:00-13:00 14:00-18:00\nsáb 9:00 - 12:00")

    assert sorted(week) == [1, 2, 3, 4, 5, 6]
    assert week[1] == DayHours(TimeRange(time(9), time(18)), (TimeRange(time(13), time(14)),))
    assert show_week(week, "en").splitlines()[0] == "mon 09:00-13:00 14:00-18:00"
    assert parse_week(show_week(week, "es")) == week


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("mon 18:00-09:00", "ends_before_start"),
        ("mon 09:00-18:00 break 12:00-13:30 13:00-14:00", "breaks_overlap"),
        ("mon 09:00-13:00 12:00-18:00", "breaks_overlap"),
        ("mon 09:00-18:00 break 19:00-20:00", "break_outside"),
        ("funday 09:00-18:00", "unknown_day"),
        ("mon 9-18", "not_a_range"),
        ("mon 09:00-12:00\nmon-fri 14:00-18:00", "day_twice"),
        ("", "no_hours"),
    ],
)
def test_a_week_that_breaks_a_rule_is_refused_with_the_rule(typed: str, reason: str) -> None:
    with pytest.raises(InvalidSetup) as refused:
        parse_week(typed)

    assert refused.value.reason == reason


def test_time_off_in_the_past_or_backwards_is_refused() -> None:
    today = date(2026, 5, 4)
    with pytest.raises(InvalidSetup, match="time_off_past"):
        parse_time_off("2026-05-01", LIMA, today)
    with pytest.raises(InvalidSetup, match="ends_before_start"):
        parse_time_off("2026-05-09..2026-05-06", LIMA, today)

    off = parse_time_off("2026-05-04..2026-05-05 congress", LIMA, today)
    assert (off.start, off.reason) == (datetime(2026, 5, 4, tzinfo=LIMA), "congress")
    assert off.end == datetime(2026, 5, 6, tzinfo=LIMA)


async def test_a_doctor_is_added_whole_and_audited(db, deps, clinic) -> None:
    command = DoctorCommand(
        "Dra. Ana Torres", (clinic["specialty"],), clinic["lima"], 20, NINE_TO_SIX
    )

    doctor = await save_doctor(deps, ADMIN, command)

    assert (doctor.country, doctor.location_id, doctor.plan.weekly) == (
        "PE",
        clinic["lima"],
        NINE_TO_SIX,
    )
    assert [(e.action, e.record_id) for e in db.audit] == [("doctor.added", str(doctor.id))]


async def test_a_doctor_without_a_specialty_saves_nothing(db, deps, clinic) -> None:
    command = DoctorCommand("Dra. Ana Torres", (), clinic["lima"], 20, NINE_TO_SIX)
    with pytest.raises(InvalidSetup, match="no_specialty"):
        await save_doctor(deps, ADMIN, command)

    assert len(db.doctors) == 1
    assert db.audit == []


async def test_a_four_thousand_character_name_saves_nothing(db, deps, clinic) -> None:
    name = "Dr. " + "A" * 4000
    command = DoctorCommand(name, (clinic["specialty"],), clinic["lima"], 20, NINE_TO_SIX)
    with pytest.raises(InvalidSetup, match="name_length"):
        await save_doctor(deps, ADMIN, command)

    assert len(db.doctors) == 1
    assert db.audit == []


async def test_only_an_admin_changes_a_doctor(deps, clinic) -> None:
    patient = Actor(Role.PATIENT, clinic["ana"])
    with pytest.raises(NotAllowed):
        await set_active(deps, patient, clinic["doctor"], active=False)


async def test_a_deactivated_doctor_keeps_their_record_and_comes_back(db, deps, clinic) -> None:
    await set_active(deps, ADMIN, clinic["doctor"], active=False)
    assert not db.doctors[clinic["doctor"]].active
    await set_active(deps, ADMIN, clinic["doctor"], active=True)

    assert db.doctors[clinic["doctor"]].active
    assert [e.action for e in db.audit] == ["doctor.deactivated", "doctor.reactivated"]


async def test_new_hours_return_the_booked_visit_they_leave_outside(db, deps, clinic) -> None:
    ana = Actor(Role.PATIENT, clinic["ana"])
    booked = await book(
        deps, ana, BookCommand(clinic["doctor"], clinic["specialty"], TUESDAY_10_LIMA)
    )
    afternoons = {d: DayHours(TimeRange(time(14), time(18))) for d in range(1, 6)}

    stranded = await set_hours(deps, ADMIN, clinic["doctor"], afternoons)

    assert [a.id for a in stranded] == [booked.id]
    assert db.doctors[clinic["doctor"]].plan.weekly == afternoons
    assert db.appointments[booked.id].is_active  # kept until the admin decides
    assert "doctor.hours_changed" in [e.action for e in db.audit]


async def test_time_off_returns_the_visits_it_covers_and_not_the_others(deps, clinic) -> None:
    ana = Actor(Role.PATIENT, clinic["ana"])
    command = BookCommand(clinic["doctor"], clinic["specialty"], TUESDAY_10_LIMA)
    booked = await book(deps, ana, command)
    off = parse_time_off("2026-05-06", LIMA, date(2026, 5, 4))

    assert await add_time_off(deps, ADMIN, clinic["doctor"], off) == []
    off = parse_time_off("2026-05-05", LIMA, date(2026, 5, 4))
    assert [a.id for a in await add_time_off(deps, ADMIN, clinic["doctor"], off)] == [booked.id]


async def test_a_stranded_visit_cancelled_by_the_admin_tells_the_patient_the_reason_and_the_phone(
    db, deps, clinic
) -> None:
    db.doctors[clinic["doctor"]].location_id = clinic["lima"]
    ana = Actor(Role.PATIENT, clinic["ana"])
    booked = await book(
        deps, ana, BookCommand(clinic["doctor"], clinic["specialty"], TUESDAY_10_LIMA)
    )
    await set_hours(deps, ADMIN, clinic["doctor"], {1: DayHours(TimeRange(time(14), time(18)))})

    await cancel(deps, ADMIN, CancelCommand(booked.id, "new hours"))

    [notice] = [n for n in db.notifications if n.template == "notify.status.cancelled"]
    assert notice.chat_id == 101  # Ana
    assert notice.params["phone"] == "+5117001000"
    assert notice.params["reason"] == "new hours"
    assert notice.params["rebook"] == 1
    assert await outside_hours(deps, ADMIN, clinic["doctor"]) == []


async def test_a_patient_who_cancels_is_not_given_the_clinics_phone(db, deps, clinic) -> None:
    db.doctors[clinic["doctor"]].location_id = clinic["lima"]
    ana = Actor(Role.PATIENT, clinic["ana"])
    booked = await book(
        deps, ana, BookCommand(clinic["doctor"], clinic["specialty"], TUESDAY_10_LIMA)
    )

    await cancel(deps, ana, CancelCommand(booked.id))

    assert not [n for n in db.notifications if "rebook" in n.params]


async def test_a_duplicate_specialty_is_refused_in_either_language(db, deps, clinic) -> None:
    with pytest.raises(InvalidSetup, match="duplicate_specialty"):
        await save_specialty(deps, ADMIN, SpecialtyCommand("Otra", "cardiology"))

    added = await save_specialty(deps, ADMIN, SpecialtyCommand("Neurología", "Neurology"))
    renamed = await save_specialty(
        deps, ADMIN, SpecialtyCommand("Neurología", "Neurology (adults)", added.id)
    )

    assert (added.code, renamed.name_en) == ("neurologia", "Neurology (adults)")
    assert [e.action for e in db.audit] == ["specialty.added", "specialty.renamed"]


async def test_a_location_needs_a_phone_of_its_country_and_keeps_its_country_while_in_use(
    db, deps, clinic
) -> None:
    with pytest.raises(InvalidPhone):
        await save_location(deps, ADMIN, LocationCommand("Sede Sur", "PE", "Av. 2", "123"))
    added = await save_location(
        deps, ADMIN, LocationCommand("Sede Sur", "PE", "Av. 2", "01 6100200")
    )
    db.doctors[clinic["doctor"]].location_id = added.id

    with pytest.raises(InvalidSetup, match="location_in_use"):
        await save_location(
            deps, ADMIN, LocationCommand("Sede Sur", "CL", "Av. 2", "+56227001000", added.id)
        )
    assert added.phone == "+5116100200"
