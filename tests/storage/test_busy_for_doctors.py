"""Busy times of several doctors in one query, as the calendar of "first available" reads them."""

from datetime import time, timedelta

from domain.entities import Doctor
from domain.schedule import weekdays_plan
from storage.unit_of_work import SqlUnitOfWork
from tests.storage.conftest import make_clinic
from tests.storage.test_repositories import TUESDAY_10, raw_appointment


async def test_each_doctor_gets_only_their_own_busy_times_and_every_doctor_a_key(engine) -> None:
    clinic = await make_clinic(engine)
    async with SqlUnitOfWork(engine) as uow:
        plan = weekdays_plan(time(9), time(13))
        other = await uow.doctors.add(Doctor(None, "Dr. Dos", "PE", (clinic.specialty,), plan))
        await uow.appointments.add(raw_appointment(clinic, clinic.patients[0]))
        await uow.commit()

    async with SqlUnitOfWork(engine, read_only=True) as uow:
        busy = await uow.appointments.busy_for_doctors(
            [clinic.doctor, other.id or 0],
            TUESDAY_10 - timedelta(hours=1),
            TUESDAY_10 + timedelta(hours=1),
        )
        nobody = await uow.appointments.busy_for_doctors([], TUESDAY_10, TUESDAY_10)

    assert busy == {clinic.doctor: [(TUESDAY_10, TUESDAY_10 + timedelta(minutes=30))], other.id: []}
    assert nobody == {}


async def test_clashes_are_the_doctors_and_the_patients_overlapping_visits_read_at_once(
    engine,
) -> None:
    clinic = await make_clinic(engine, patients=3)
    first, second, third = clinic.patients
    async with SqlUnitOfWork(engine) as uow:
        plan = weekdays_plan(time(9), time(13))
        other = await uow.doctors.add(Doctor(None, "Dr. Dos", "PE", (clinic.specialty,), plan))
        doctors = raw_appointment(clinic, first)  # the doctor's, 10:00
        patients = raw_appointment(clinic, second, TUESDAY_10 + timedelta(minutes=15))
        patients.doctor_id = other.id or 0  # the second patient's, with another doctor
        elsewhere = raw_appointment(clinic, third, TUESDAY_10 + timedelta(hours=2))
        for appointment in (doctors, patients, elsewhere):
            await uow.appointments.add(appointment)
        await uow.commit()

    window = (TUESDAY_10, TUESDAY_10 + timedelta(minutes=30))
    async with SqlUnitOfWork(engine, read_only=True) as uow:
        both = await uow.appointments.clashes(clinic.doctor, second, *window)
        doctor_only = await uow.appointments.clashes(clinic.doctor, third, *window)
        neither = await uow.appointments.clashes(other.id or 0, third, *window)

    assert {a.id for a in both} == {doctors.id, patients.id}
    assert [a.id for a in doctor_only] == [doctors.id]
    assert [a.id for a in neither] == [patients.id]  # Dr. Dos's own 10:15 visit
