"""One patient per national ID per country, held by the database itself."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.entities import Patient
from domain.errors import NationalIdTaken
from storage.engine import create_engine
from storage.migrate import MigrationRefused, upgrade
from storage.tables import patients
from storage.unit_of_work import SqlUnitOfWork
from tests.keys import TEST_KEYRING


def patient(telegram_user_id: int, national_id: str = "10117410", country: str = "PE") -> Patient:
    return Patient(None, telegram_user_id, "Ana Quispe", national_id, "+51987654321", "es", country)


async def test_a_second_patient_with_the_same_national_id_in_one_country_is_refused(
    engine: AsyncEngine,
) -> None:
    async with SqlUnitOfWork(engine) as uow:
        first = await uow.patients.add(patient(1))
        await uow.commit()

    async with SqlUnitOfWork(engine) as uow:
        with pytest.raises(NationalIdTaken):
            await uow.patients.add(patient(2))

    async with SqlUnitOfWork(engine, read_only=True) as uow:
        assert await uow.patients.get_by_national_id("PE", "10117410") == first
        assert await uow.patients.get_by_telegram_id(2) is None


async def test_changing_a_patient_to_another_patients_national_id_is_refused(
    engine: AsyncEngine,
) -> None:
    async with SqlUnitOfWork(engine) as uow:
        await uow.patients.add(patient(1))
        second = await uow.patients.add(patient(2, "45678912"))
        await uow.commit()

    second.national_id = "10117410"
    async with SqlUnitOfWork(engine) as uow:
        with pytest.raises(NationalIdTaken):
            await uow.patients.save(second)


async def test_the_same_number_in_another_country_is_another_person(
    engine: AsyncEngine,
) -> None:
    async with SqlUnitOfWork(engine) as uow:
        await uow.patients.add(patient(1, "12345678"))
        await uow.patients.add(patient(2, "12345678", country="CL"))
        await uow.commit()

    async with SqlUnitOfWork(engine, read_only=True) as uow:
        found = await uow.patients.with_national_id(["12345678"])
    assert sorted(p.country for p in found) == ["CL", "PE"]


#: The table as migrations 0001-0010 left it, before encryption (0011).
OLD_PATIENTS = sa.table(
    "patients",
    *(sa.column(name) for name in ("id", "telegram_user_id", "full_name", "national_id")),
    *(sa.column(name) for name in ("phone", "language", "country")),
)


async def test_the_upgrade_stops_with_the_patients_to_fix_when_two_already_share_an_id(
    database_url: str,
) -> None:
    await upgrade(database_url, "0008")
    engine = create_engine(database_url)
    rows = [
        {
            "telegram_user_id": user,
            "full_name": "Ana Quispe",
            "national_id": national_id,
            "phone": "+51987654321",
            "language": "es",
            "country": "PE",
        }
        for user, national_id in ((1, "10117410"), (2, "45678912"), (3, "10117410"))
    ]
    try:
        async with engine.begin() as conn:
            await conn.execute(insert(OLD_PATIENTS), rows)

        with pytest.raises(MigrationRefused, match=r"2 patients .*\(patient ids 1, 3\)"):
            await upgrade(database_url, keyring=TEST_KEYRING)

        async with engine.begin() as conn:
            await conn.execute(delete(OLD_PATIENTS).where(OLD_PATIENTS.c.id == 3))
        await upgrade(database_url, keyring=TEST_KEYRING)
        async with engine.connect() as conn:
            kept = (await conn.execute(select(patients.c.id).order_by(patients.c.id))).scalars()
            assert list(kept) == [1, 2]
    finally:
        await engine.dispose()
