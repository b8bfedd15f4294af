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
        alone = await uow.appointments.busy_for_doctor(
            clinic.doctor, TUESDAY_10 - timedelta(hours=1), TUESDAY_10 + timedelta(hours=1)
        )
        nobody = await uow.appointments.busy_for_doctors([], TUESDAY_10, TUESDAY_10)

    assert busy == {clinic.doctor: alone, other.id: []}
    assert alone == [(TUESDAY_10, TUESDAY_10 + timedelta(minutes=30))]
    assert nobody == {}
