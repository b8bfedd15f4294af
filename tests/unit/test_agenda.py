"""The doctor's agenda, marking visits once they start, and the patient's "I'll attend"."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.handlers.admin.appointment_text import detail_text
from bot.i18n import Translator
from domain.actors import Actor, Role
from domain.agenda import AgendaPeriod, agenda_days
from domain.audit import Action
from domain.entities import Appointment
from domain.errors import InvalidTransition, NotAllowed, NotFound, NotRegistered
from domain.ports import Deps
from domain.queries import doctor_agenda
from domain.status import Status
from domain.usecases.attendance import confirm_attendance
from domain.usecases.booking import BookCommand, book
from domain.usecases.lookup import open_appointment
from domain.usecases.status import StatusCommand, change_status
from tests.unit.fakes import FakeClock, FakeDatabase, seed_clinic

MONDAY_11 = datetime(2026, 5, 4, 16, 0, tzinfo=UTC)  # 11:00 in Lima; the clock says 08:00
TUESDAY_10 = datetime(2026, 5, 5, 15, 0, tzinfo=UTC)
ADMIN = Actor(Role.ADMIN, 1, 1)


@pytest.fixture
async def clinic(db: FakeDatabase) -> dict[str, int]:
    return await seed_clinic(db)


def doctor(clinic: dict[str, int]) -> Actor:
    return Actor(Role.DOCTOR, clinic["doctor"])


async def booked(
    deps: Deps, clinic: dict[str, int], start: datetime, who: str = "ana"
) -> Appointment:
    command = BookCommand(clinic["doctor"], clinic["specialty"], start)
    return await book(deps, Actor(Role.PATIENT, clinic[who]), command)


async def assigned(deps: Deps, clinic: dict[str, int], start: datetime) -> Appointment:
    appointment = await booked(deps, clinic, start)
    return await change_status(deps, ADMIN, StatusCommand(appointment.id, Status.ASSIGNED))


async def test_the_agenda_shows_today_tomorrow_or_this_week_with_patient_names(
    deps, clinic
) -> None:
    today = await booked(deps, clinic, MONDAY_11)
    tomorrow = await booked(deps, clinic, TUESDAY_10, who="ben")

    by_period = {
        p: [
            (line.appointment.id, line.patient_name)
            for line in (await doctor_agenda(deps, doctor(clinic), p)).lines
        ]
        for p in AgendaPeriod
    }

    assert by_period[AgendaPeriod.TODAY] == [(today.id, "Ana")]
    assert by_period[AgendaPeriod.TOMORROW] == [(tomorrow.id, "Ben")]
    assert by_period[AgendaPeriod.THIS_WEEK] == [(today.id, "Ana"), (tomorrow.id, "Ben")]


def test_this_week_runs_from_today_to_sunday() -> None:
    assert agenda_days(AgendaPeriod.THIS_WEEK, date(2026, 5, 6)) == (
        date(2026, 5, 6),
        date(2026, 5, 10),
    )
    assert agenda_days(AgendaPeriod.THIS_WEEK, date(2026, 5, 10)) == (
        date(2026, 5, 10),
        date(2026, 5, 10),
    )


async def test_only_a_doctor_has_an_agenda(deps, clinic) -> None:
    with pytest.raises(NotAllowed):
        await doctor_agenda(deps, Actor(Role.PATIENT, clinic["ana"]), AgendaPeriod.TODAY)
    with pytest.raises(NotAllowed):
        await doctor_agenda(deps, ADMIN, AgendaPeriod.TODAY)


async def test_a_visit_may_be_marked_only_once_it_has_started(
    deps, clock: FakeClock, clinic
) -> None:
    appointment = await assigned(deps, clinic, MONDAY_11)
    [before] = (await doctor_agenda(deps, doctor(clinic), AgendaPeriod.TODAY)).lines
    with pytest.raises(InvalidTransition):
        await change_status(deps, doctor(clinic), StatusCommand(appointment.id, Status.COMPLETED))

    clock.advance(MONDAY_11 - clock.now())
    [started] = (await doctor_agenda(deps, doctor(clinic), AgendaPeriod.TODAY)).lines
    done = await change_status(
        deps, doctor(clinic), StatusCommand(appointment.id, Status.COMPLETED)
    )

    assert before.marks == ()
    assert started.marks == (Status.COMPLETED, Status.NO_SHOW)
    assert done.status is Status.COMPLETED


async def test_a_visit_the_status_table_does_not_let_complete_offers_no_marks(
    deps, clock: FakeClock, clinic
) -> None:
    await booked(deps, clinic, MONDAY_11)  # still registered: not assigned yet
    clock.advance(MONDAY_11 - clock.now())

    [line] = (await doctor_agenda(deps, doctor(clinic), AgendaPeriod.TODAY)).lines

    assert line.marks == ()


async def test_a_doctor_cannot_mark_another_doctors_visit(deps, clock: FakeClock, clinic) -> None:
    appointment = await assigned(deps, clinic, MONDAY_11)
    clock.advance(MONDAY_11 - clock.now())
    someone_else = Actor(Role.DOCTOR, clinic["doctor"] + 1)

    with pytest.raises(NotFound):
        await change_status(deps, someone_else, StatusCommand(appointment.id, Status.NO_SHOW))


async def test_ill_attend_is_recorded_once_audited_and_shown_in_the_agenda(
    db, deps, clinic
) -> None:
    appointment = await booked(deps, clinic, MONDAY_11)
    ana = Actor(Role.PATIENT, clinic["ana"])

    await confirm_attendance(deps, ana, appointment.id)
    await confirm_attendance(deps, ana, appointment.id)  # a second tap adds nothing

    [line] = (await doctor_agenda(deps, doctor(clinic), AgendaPeriod.TODAY)).lines
    assert line.will_attend
    assert [e.action for e in db.audit].count(Action.WILL_ATTEND) == 1
    assert [c.to_status for c in db.appointments[appointment.id].history] == [
        Status.REGISTERED,
        Status.REGISTERED,
    ]


async def test_a_visit_without_ill_attend_shows_no_mark(deps, clinic) -> None:
    await booked(deps, clinic, MONDAY_11)

    [line] = (await doctor_agenda(deps, doctor(clinic), AgendaPeriod.TODAY)).lines

    assert not line.will_attend


async def test_only_the_visits_own_patient_can_say_they_will_attend(deps, clinic) -> None:
    appointment = await booked(deps, clinic, MONDAY_11)

    with pytest.raises(NotFound):
        await confirm_attendance(deps, Actor(Role.PATIENT, clinic["ben"]), appointment.id)
    with pytest.raises(NotRegistered):
        await confirm_attendance(deps, doctor(clinic), appointment.id)


async def test_ill_attend_on_a_cancelled_visit_is_refused(deps, clinic) -> None:
    appointment = await booked(deps, clinic, MONDAY_11)
    await change_status(deps, ADMIN, StatusCommand(appointment.id, Status.CANCELLED))

    with pytest.raises(InvalidTransition):
        await confirm_attendance(deps, Actor(Role.PATIENT, clinic["ana"]), appointment.id)


def test_moving_a_visit_asks_for_attendance_anew() -> None:
    appointment = Appointment.register(
        patient_id=1, doctor_id=1, specialty_id=1, country="PE", start=MONDAY_11,
        end=MONDAY_11 + timedelta(minutes=30), at=MONDAY_11 - timedelta(days=1), actor="patient:1",
    )  # fmt: skip
    appointment.confirm_attendance(at=MONDAY_11 - timedelta(hours=3), actor="patient:1")

    appointment.move_time(
        TUESDAY_10, TUESDAY_10 + timedelta(minutes=30), at=MONDAY_11, actor="admin:1"
    )

    assert not appointment.will_attend


async def test_an_admin_opening_the_visit_reads_that_the_patient_will_attend(deps, clinic) -> None:
    appointment = await booked(deps, clinic, MONDAY_11)
    await confirm_attendance(deps, Actor(Role.PATIENT, clinic["ana"]), appointment.id)

    line = await open_appointment(deps, ADMIN, appointment.id)

    assert "patient will attend (patient:" in detail_text(Translator("en"), line)
