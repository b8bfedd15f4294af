from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, time

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.entities import Doctor, Patient, Specialty
from domain.schedule import TimeRange, weekdays_plan
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.unit_of_work import SqlUnitOfWork
from tests.databases import fresh_database
from tests.unit.fakes import FakeClock

# Monday 4 May 2026, 08:00 in Lima.
NOW = datetime(2026, 5, 4, 13, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[str]:
    async with fresh_database(request.param, str(tmp_path)) as url:
        yield url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    await upgrade(database_url)
    engine = create_engine(database_url, pool_size=20, max_overflow=40)
    yield engine
    await engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


class Clinic:
    """A Peruvian clinic with one cardiologist and as many patients as asked."""

    def __init__(self, specialty: int, doctor: int, patients: list[int]) -> None:
        self.specialty = specialty
        self.doctor = doctor
        self.patients = patients


async def make_clinic(engine: AsyncEngine, patients: int = 2) -> Clinic:
    async with SqlUnitOfWork(engine) as uow:
        cardio = await uow.specialties.add(
            Specialty(None, "cardiology", "Cardiología", "Cardiology")
        )
        plan = weekdays_plan(time(9), time(18), TimeRange(time(13), time(14)))
        doctor = await uow.doctors.add(Doctor(None, "Dr. Uno", "PE", (cardio.id or 0,), plan))
        ids = []
        for n in range(patients):
            patient = Patient(
                None, 1000 + n, f"P{n}", f"{10000000 + n}", "+51987654321", "es", "PE"
            )
            ids.append((await uow.patients.add(patient)).id or 0)
        await uow.commit()
    return Clinic(cardio.id or 0, doctor.id or 0, ids)
