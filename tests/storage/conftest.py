from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.entities import Doctor, Patient, Specialty
from domain.schedule import TimeRange, weekdays_plan
from storage.engine import create_engine
from storage.unit_of_work import SqlUnitOfWork
from tests.databases import Templates, fresh_database, migrated_database
from tests.keys import TEST_KEYRING
from tests.unit.fakes import FakeClock

# Monday 4 May 2026, 08:00 in Lima.
NOW = datetime(2026, 5, 4, 13, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database, for the migration tests."""
    async with fresh_database(request.param, str(tmp_path)) as url:
        yield url


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    made = Templates(tmp_path_factory.mktemp("templates"))
    yield made
    made.drop()


#: Every storage test runs on both SQLite drivers (``SQLITE_DRIVER``) and PostgreSQL.
ENGINES = ["sqlite-inline", "sqlite-thread", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=ENGINES)
async def engine(
    request: pytest.FixtureRequest, tmp_path: Path, templates: Templates
) -> AsyncIterator[AsyncEngine]:
    """A migrated database of its own, copied from the session's template."""
    kind = "postgres" if request.param == "postgres" else "sqlite"
    async with migrated_database(kind, tmp_path, templates) as url:
        engine = create_engine(
            url,
            sqlite_inline=request.param != "sqlite-thread",
            keyring=TEST_KEYRING,
            pool_size=20,
            max_overflow=40,
        )
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
