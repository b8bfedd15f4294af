import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from domain.actors import Actor, Role
from domain.entities import Appointment, Doctor
from domain.errors import SlotTaken
from domain.schedule import DayHours, TimeOff, TimeRange, WorkingPlan
from domain.status import Status
from domain.usecases.booking import BookCommand, book
from domain.usecases.cancellation import CancelCommand, cancel
from storage.tables import appointments
from storage.unit_of_work import SqlUnitOfWork
from tests.databases import sql_deps
from tests.storage.conftest import make_clinic

TUESDAY_10 = datetime(2026, 5, 5, 15, 0, tzinfo=UTC)  # 10:00 in Lima


def raw_appointment(clinic, patient: int, start: datetime = TUESDAY_10) -> Appointment:
    return Appointment.register(
        patient_id=patient,
        doctor_id=clinic.doctor,
        specialty_id=clinic.specialty,
        country="PE",
        start=start,
        end=start + timedelta(minutes=30),
        at=start - timedelta(days=1),
        actor="test",
    )


async def test_a_doctors_working_plan_survives_the_round_trip(engine) -> None:
    plan = WorkingPlan(
        weekly={1: DayHours(TimeRange(time(8), time(12)), (TimeRange(time(10), time(10, 15)),))},
        exceptions={
            date(2026, 5, 5): None,
            date(2026, 5, 6): DayHours(TimeRange(time(9), time(11))),
        },
        time_off=(TimeOff(TUESDAY_10, TUESDAY_10 + timedelta(days=2), "congress"),),
    )
    async with SqlUnitOfWork(engine) as uow:
        added = await uow.doctors.add(
            Doctor(None, "Dra. Dos", "CL", (), plan, timedelta(minutes=20))
        )
        await uow.commit()

    async with SqlUnitOfWork(engine, read_only=True) as uow:
        loaded = await uow.doctors.get(added.id or 0)

    assert loaded is not None
    assert loaded.plan == plan
    assert loaded.slot_length == timedelta(minutes=20)


async def test_appointment_times_come_back_as_the_same_aware_utc_instants(engine, clock) -> None:
    clinic = await make_clinic(engine)
    lima = TUESDAY_10.astimezone(datetime.now(UTC).astimezone().tzinfo)
    booked = await book(
        sql_deps(engine, clock),
        Actor(Role.PATIENT, clinic.patients[0]),
        BookCommand(clinic.doctor, clinic.specialty, lima),
    )

    async with SqlUnitOfWork(engine, read_only=True) as uow:
        loaded = await uow.appointments.get(booked.id)

    assert loaded is not None
    assert loaded.start == TUESDAY_10
    assert loaded.start.utcoffset() == timedelta(0)
    assert loaded.history[0].to_status == Status.REGISTERED
    assert loaded.history[0].at == clock.now()


async def test_every_status_change_is_stored_in_order(engine, clock) -> None:
    clinic = await make_clinic(engine)
    patient = Actor(Role.PATIENT, clinic.patients[0])
    deps = sql_deps(engine, clock)
    booked = await book(deps, patient, BookCommand(clinic.doctor, clinic.specialty, TUESDAY_10))
    clock.advance(timedelta(minutes=5))

    await cancel(deps, patient, CancelCommand(booked.id, reason="travelling"))

    async with SqlUnitOfWork(engine, read_only=True) as uow:
        loaded = await uow.appointments.get(booked.id)
    assert loaded is not None
    assert loaded.status == Status.CANCELLED
    assert [(c.from_status, c.to_status, c.reason) for c in loaded.history] == [
        (None, Status.REGISTERED, ""),
        (Status.REGISTERED, Status.CANCELLED, "travelling"),
    ]


async def test_leaving_the_unit_of_work_without_commit_stores_nothing(engine) -> None:
    clinic = await make_clinic(engine)

    async with SqlUnitOfWork(engine) as uow:
        await uow.appointments.add(raw_appointment(clinic, clinic.patients[0]))

    async with engine.connect() as conn:
        assert (await conn.execute(select(appointments.c.id))).all() == []


async def test_a_read_only_unit_of_work_sees_each_commit_at_once_and_cannot_commit(
    engine,
) -> None:
    clinic = await make_clinic(engine)
    async with SqlUnitOfWork(engine, read_only=True) as reader:
        assert await reader.appointments.get(uuid.uuid4()) is None
        appointment = raw_appointment(clinic, clinic.patients[0])
        async with SqlUnitOfWork(engine) as writer:  # committed while the reader is open
            await writer.appointments.add(appointment)
            await writer.commit()

        seen = await reader.appointments.get(appointment.id)
        with pytest.raises(RuntimeError, match="cannot commit"):
            await reader.commit()

    assert seen is not None
    assert seen.status is Status.REGISTERED


async def test_the_database_refuses_a_second_active_appointment_in_one_slot(engine) -> None:
    clinic = await make_clinic(engine)
    async with SqlUnitOfWork(engine) as uow:
        await uow.appointments.add(raw_appointment(clinic, clinic.patients[0]))
        await uow.commit()

    async with SqlUnitOfWork(engine) as uow:
        with pytest.raises(SlotTaken):
            await uow.appointments.add(raw_appointment(clinic, clinic.patients[1]))


async def test_a_cancelled_appointment_does_not_hold_its_slot_in_the_database(engine) -> None:
    clinic = await make_clinic(engine)
    first = raw_appointment(clinic, clinic.patients[0])
    first.move_to(Status.CANCELLED, at=TUESDAY_10, actor="test")
    async with SqlUnitOfWork(engine) as uow:
        await uow.appointments.add(first)
        await uow.appointments.add(raw_appointment(clinic, clinic.patients[1]))
        await uow.commit()

    async with SqlUnitOfWork(engine, read_only=True) as uow:
        active = await uow.appointments.active_for_doctor(
            clinic.doctor, TUESDAY_10, TUESDAY_10 + timedelta(hours=1)
        )
    assert [a.patient_id for a in active] == [clinic.patients[1]]


async def test_a_patients_upcoming_appointments_are_listed_soonest_first(engine, clock) -> None:
    clinic = await make_clinic(engine)
    patient = clinic.patients[0]
    for start in (TUESDAY_10 + timedelta(days=1), TUESDAY_10):
        await book(
            sql_deps(engine, clock),
            Actor(Role.PATIENT, patient),
            BookCommand(clinic.doctor, clinic.specialty, start),
        )

    async with SqlUnitOfWork(engine, read_only=True) as uow:
        upcoming = await uow.appointments.upcoming_for_patient(patient, clock.now())
        missing = await uow.appointments.get(uuid.uuid4())

    assert [a.start for a in upcoming] == [TUESDAY_10, TUESDAY_10 + timedelta(days=1)]
    assert missing is None
