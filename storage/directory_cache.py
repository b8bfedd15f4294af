"""A short-lived, in-process cache of the clinic directory: specialties and doctors.

The directory (which specialties a country offers, its doctors and their working
plans) changes rarely, while nearly every step of /book reads it. Lists read
through the cache may be up to ``ttl`` seconds old. Appointments are never
cached, so free times are always computed from fresh bookings, and booking
re-reads the doctor inside its own write transaction: a stale entry can at worst
offer a time that booking then refuses, never book one that is not bookable.

A change written through the cache clears it when its unit of work commits (an
after-commit callback, so a rollback leaves the cache as it was); changes made
by another process (``medbot seed-demo``, a second bot) show within ``ttl``.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from domain.entities import Doctor, Specialty
from storage.clinic import SqlDoctors, SqlSpecialties

DIRECTORY_TTL = 30.0  # seconds

#: Registers a callback to run once the current transaction commits
#: (:meth:`storage.unit_of_work.SqlUnitOfWork.after_commit`).
AfterCommit = Callable[[Callable[[], None]], None]


class DirectoryCache:
    def __init__(
        self, ttl: float = DIRECTORY_TTL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl
        self._clock = clock
        self._specialties: dict[str, tuple[float, list[Specialty]]] = {}
        self._doctors: dict[tuple[str, int | None], tuple[float, list[Doctor]]] = {}
        #: Bumped by :meth:`clear`: a load that began before a clear is not kept.
        self._generation = 0

    async def specialties(
        self, country: str, load: Callable[[], Awaitable[list[Specialty]]]
    ) -> list[Specialty]:
        now = self._clock()
        found = self._specialties.get(country)
        if found is None or found[0] <= now:
            generation = self._generation
            found = (now + self._ttl, await load())
            if generation == self._generation:
                self._specialties[country] = found
        return list(found[1])

    async def doctors(
        self, country: str, specialty_id: int | None, load: Callable[[], Awaitable[list[Doctor]]]
    ) -> list[Doctor]:
        now = self._clock()
        key = (country, specialty_id)
        found = self._doctors.get(key)
        if found is None or found[0] <= now:
            generation = self._generation
            found = (now + self._ttl, await load())
            if generation == self._generation:
                self._doctors[key] = found
        return list(found[1])

    def clear(self) -> None:
        self._generation += 1
        self._specialties.clear()
        self._doctors.clear()


class CachedSpecialties:
    """:class:`SqlSpecialties` whose country lists come from the cache."""

    def __init__(
        self, inner: SqlSpecialties, cache: DirectoryCache, after_commit: AfterCommit
    ) -> None:
        self._inner = inner
        self._cache = cache
        self._after_commit = after_commit

    async def add(self, specialty: Specialty) -> Specialty:
        self._after_commit(self._cache.clear)
        return await self._inner.add(specialty)

    async def save(self, specialty: Specialty) -> None:
        self._after_commit(self._cache.clear)
        await self._inner.save(specialty)

    async def get_by_code(self, code: str) -> Specialty | None:
        return await self._inner.get_by_code(code)

    async def list_all(self) -> list[Specialty]:
        return await self._inner.list_all()

    async def list_for_country(self, country: str) -> list[Specialty]:
        return await self._cache.specialties(country, lambda: self._inner.list_for_country(country))


class CachedDoctors:
    """:class:`SqlDoctors` whose lists come from the cache; a single doctor is read fresh."""

    def __init__(self, inner: SqlDoctors, cache: DirectoryCache, after_commit: AfterCommit) -> None:
        self._inner = inner
        self._cache = cache
        self._after_commit = after_commit

    async def add(self, doctor: Doctor) -> Doctor:
        self._after_commit(self._cache.clear)
        return await self._inner.add(doctor)

    async def save(self, doctor: Doctor) -> None:
        self._after_commit(self._cache.clear)
        await self._inner.save(doctor)

    async def get(self, doctor_id: int) -> Doctor | None:
        return await self._inner.get(doctor_id)

    async def list_all(self) -> list[Doctor]:
        return await self._inner.list_all()

    async def list_for(self, country: str, specialty_id: int | None = None) -> list[Doctor]:
        return await self._cache.doctors(
            country, specialty_id, lambda: self._inner.list_for(country, specialty_id)
        )
