"""The admin's statistics, day lists and look-ups on every engine."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, text

from domain.actors import Actor, Role
from domain.queries import DayQuery, clinic_day, clinic_statistics
from domain.statistics import Counts, Dimension, Period
from domain.status import Status
from domain.usecases.booking import BookCommand, book
from domain.usecases.cancellation import CancelCommand, cancel
from domain.usecases.lookup import find_appointments
from domain.usecases.status import StatusCommand, change_status
from storage.engine import create_engine, off_the_loop
from storage.tables import audit_log
from tests.databases import sql_deps, sqlite_url
from tests.storage.conftest import make_clinic

ADMIN = Actor(Role.ADMIN, 900, 900)
TUESDAY_9_LIMA = datetime(2026, 5, 5, 14, 0, tzinfo=UTC)
#: Weekdays 9-18 with lunch 13-14, in 30-minute slots: 16 a day, Monday to Friday.
OFFERED_A_WEEK = 16 * 5


async def test_statistics_count_bookings_cancellations_by_whom_and_no_shows_in_sql(
    engine, clock
) -> None:
    clinic = await make_clinic(engine, patients=5)
    deps = sql_deps(engine, clock)
    booked = []
    for n, patient in enumerate(clinic.patients):
        start = TUESDAY_9_LIMA + timedelta(minutes=30 * n)
        command = BookCommand(clinic.doctor, clinic.specialty, start)
        booked.append(await book(deps, Actor(Role.PATIENT, patient), command))
    next_week = BookCommand(clinic.doctor, clinic.specialty, TUESDAY_9_LIMA + timedelta(days=7))
    await book(deps, Actor(Role.PATIENT, clinic.patients[0]), next_week)
    await cancel(deps, Actor(Role.PATIENT, clinic.patients[0]), CancelCommand(booked[0].id))
    await cancel(deps, ADMIN, CancelCommand(booked[1].id, "closed"))
    await cancel(deps, Actor(Role.DOCTOR, clinic.doctor), CancelCommand(booked[2].id))
    await change_status(deps, ADMIN, StatusCommand(booked[3].id, Status.ASSIGNED))
    await change_status(deps, ADMIN, StatusCommand(booked[3].id, Status.NO_SHOW))

    stats = await clinic_statistics(deps, ADMIN, Period.THIS_WEEK)

    expected = Counts(
        booked=5,
        held=2,
        cancelled_by_patient=1,
        cancelled_by_admin=1,
        cancelled_by_doctor=1,
        no_shows=1,
    )
    assert (stats.first_day.isoformat(), stats.last_day.isoformat()) == ("2026-05-04", "2026-05-10")
    assert stats.total == expected
    assert stats.by[Dimension.DOCTOR] == {clinic.doctor: expected}
    assert stats.by[Dimension.SPECIALTY] == {clinic.specialty: expected}
    assert stats.by[Dimension.COUNTRY] == {"PE": expected}
    assert stats.offered == OFFERED_A_WEEK
    assert stats.offered_by[Dimension.DOCTOR] == {clinic.doctor: OFFERED_A_WEEK}


async def test_statistics_of_a_period_without_appointments_are_zero_not_missing(
    engine, clock
) -> None:
    clinic = await make_clinic(engine)
    stats = await clinic_statistics(sql_deps(engine, clock), ADMIN, Period.LAST_MONTH)

    assert stats.total == Counts()
    assert stats.by[Dimension.DOCTOR] == {}
    assert stats.offered_by[Dimension.DOCTOR][clinic.doctor] > 0


async def test_a_days_list_has_every_status_in_order_with_the_patients_names(engine, clock) -> None:
    clinic = await make_clinic(engine, patients=2)
    deps = sql_deps(engine, clock)
    later = BookCommand(clinic.doctor, clinic.specialty, TUESDAY_9_LIMA + timedelta(hours=1))
    first = BookCommand(clinic.doctor, clinic.specialty, TUESDAY_9_LIMA)
    gone = await book(deps, Actor(Role.PATIENT, clinic.patients[0]), later)
    await book(deps, Actor(Role.PATIENT, clinic.patients[1]), first)
    await cancel(deps, ADMIN, CancelCommand(gone.id, "x"))
    tuesday = TUESDAY_9_LIMA.date()

    lines = await clinic_day(deps, ADMIN, DayQuery(tuesday, doctor_id=clinic.doctor))
    monday = await clinic_day(deps, ADMIN, DayQuery(tuesday - timedelta(days=1)))

    assert [(x.patient_name, x.appointment.status) for x in lines] == [
        ("P1", Status.REGISTERED),
        ("P0", Status.CANCELLED),
    ]
    assert monday == []


async def test_finding_a_patient_by_national_id_commits_its_audit_row(engine, clock) -> None:
    clinic = await make_clinic(engine, patients=2)
    deps = sql_deps(engine, clock)
    command = BookCommand(clinic.doctor, clinic.specialty, TUESDAY_9_LIMA)
    await book(deps, Actor(Role.PATIENT, clinic.patients[1]), command)

    found = await find_appointments(deps, ADMIN, "10000001")  # P1's

    assert found.patient is not None
    assert found.patient.id == clinic.patients[1]
    assert len(found.lines) == 1
    async with engine.connect() as conn:
        rows = (
            await conn.execute(select(audit_log).where(audit_log.c.actor_role == "admin"))
        ).all()
    assert [(r.action, r.record_id, r.patient_id) for r in rows] == [
        ("patient.looked_up", str(clinic.patients[1]), clinic.patients[1])
    ]


async def test_statements_in_off_the_loop_run_on_a_worker_thread_with_the_inline_driver(
    tmp_path: Path,
) -> None:
    engine = create_engine(sqlite_url(tmp_path / "medbot.db"))
    try:
        async with engine.connect() as conn:
            raw = await conn.get_raw_connection()
            raw.driver_connection.raw.create_function("thread", 0, threading.get_ident)  # type: ignore[union-attr]
            before = (await conn.execute(text("SELECT thread()"))).scalar()
            async with off_the_loop(conn):
                inside = (await conn.execute(text("SELECT thread()"))).scalar()
            after = (await conn.execute(text("SELECT thread()"))).scalar()
    finally:
        await engine.dispose()

    assert before == after == threading.get_ident()
    assert inside != threading.get_ident()
