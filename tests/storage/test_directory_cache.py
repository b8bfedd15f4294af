"""The clinic directory cache: lists of specialties and doctors, a few seconds old at most."""

from datetime import time

from sqlalchemy import update

from domain.entities import Doctor, Specialty
from domain.queries import doctors_for, specialties_in
from domain.schedule import weekdays_plan
from storage.directory_cache import DirectoryCache
from storage.tables import doctors
from storage.unit_of_work import SqlUnitOfWork
from tests.databases import sql_deps
from tests.storage.conftest import make_clinic


class Ticker:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def deactivate(engine, doctor_id: int) -> None:
    async with engine.begin() as conn:
        await conn.execute(update(doctors).where(doctors.c.id == doctor_id).values(active=False))


async def test_a_change_made_elsewhere_shows_once_the_entry_expires(engine, clock) -> None:
    clinic = await make_clinic(engine)
    ticker = Ticker()
    deps = sql_deps(engine, clock, directory=DirectoryCache(ttl=30, clock=ticker))

    assert [d.id for d in await doctors_for(deps, "PE", clinic.specialty)] == [clinic.doctor]
    await deactivate(engine, clinic.doctor)

    ticker.now = 29.9
    assert [d.id for d in await doctors_for(deps, "PE", clinic.specialty)] == [clinic.doctor]
    ticker.now = 30.0
    assert await doctors_for(deps, "PE", clinic.specialty) == []


async def test_a_doctor_added_through_the_cache_shows_at_once(engine, clock) -> None:
    clinic = await make_clinic(engine)
    cache = DirectoryCache(ttl=3600)
    deps = sql_deps(engine, clock, directory=cache)
    listed = await doctors_for(deps, "PE", clinic.specialty)

    async with SqlUnitOfWork(engine, directory=cache) as uow:
        plan = weekdays_plan(time(9), time(13))
        added = await uow.doctors.add(Doctor(None, "Dr. Dos", "PE", (clinic.specialty,), plan))
        await uow.commit()

    again = await doctors_for(deps, "PE", clinic.specialty)
    assert [d.id for d in listed] == [clinic.doctor]
    assert [d.id for d in again] == [clinic.doctor, added.id]


async def test_a_specialty_added_but_rolled_back_leaves_the_cache_as_it_was(engine, clock) -> None:
    clinic = await make_clinic(engine)
    cache = DirectoryCache(ttl=3600)
    deps = sql_deps(engine, clock, directory=cache)
    await specialties_in(deps, "PE")
    async with SqlUnitOfWork(engine, directory=cache) as uow:
        await uow.specialties.add(Specialty(None, "derma", "Dermatología", "Dermatology"))

    listed = await specialties_in(deps, "PE")
    assert [s.id for s in listed] == [clinic.specialty]


async def test_a_list_read_before_a_change_is_not_kept_after_the_change_clears_the_cache() -> None:
    cache = DirectoryCache(ttl=30, clock=Ticker())
    old = Specialty(1, "cardio", "Cardiología", "Cardiology")

    async def slow_load() -> list[Specialty]:
        cache.clear()  # a change commits while this read is under way
        return [old]

    assert await cache.specialties("PE", slow_load) == [old]

    async def fresh_load() -> list[Specialty]:
        return []

    assert await cache.specialties("PE", fresh_load) == []  # read again, not the stale list
