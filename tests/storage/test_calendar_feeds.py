"""Doctors' calendar feeds in a real database: one active per doctor, only hashes kept."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.actors import Actor, Role
from domain.api_access import hash_token
from domain.calendar_feeds import CalendarFeed
from domain.errors import NotAllowed, NotFound
from domain.usecases.calendar_feeds import current_feed, new_feed, read_feed, revoke_feed
from storage.tables import calendar_feeds
from storage.unit_of_work import SqlUnitOfWork
from tests.databases import sql_deps
from tests.storage.conftest import NOW, make_clinic
from tests.unit.fakes import FakeClock


async def test_a_feed_is_stored_only_as_its_hash_and_a_read_records_when(
    engine: AsyncEngine, clock: FakeClock
) -> None:
    clinic = await make_clinic(engine)
    deps, doctor = sql_deps(engine, clock), Actor(Role.DOCTOR, clinic.doctor)
    secret = await new_feed(deps, doctor)

    served = await read_feed(deps, secret)

    async with engine.connect() as conn:
        row = (await conn.execute(select(calendar_feeds))).one()
    assert secret not in row
    assert row.token_hash == hash_token(secret)
    assert row.last_used_at == NOW
    assert served.doctor_name == "Dr. Uno"


async def test_a_new_feed_revokes_the_old_one_and_revoking_leaves_none(
    engine: AsyncEngine, clock: FakeClock
) -> None:
    clinic = await make_clinic(engine)
    deps, doctor = sql_deps(engine, clock), Actor(Role.DOCTOR, clinic.doctor)
    first = await new_feed(deps, doctor)
    second = await new_feed(deps, doctor)

    with pytest.raises(NotFound):
        await read_feed(deps, first)
    assert (await read_feed(deps, second)).doctor_name == "Dr. Uno"
    assert await revoke_feed(deps, doctor) is True
    assert await revoke_feed(deps, doctor) is False
    assert await current_feed(deps, doctor) is None
    with pytest.raises(NotFound):
        await read_feed(deps, second)


async def test_the_database_refuses_a_second_active_feed_for_one_doctor(
    engine: AsyncEngine,
) -> None:
    clinic = await make_clinic(engine)
    async with SqlUnitOfWork(engine) as uow:
        await uow.calendar_feeds.add(CalendarFeed(clinic.doctor, "a" * 64, NOW))
        with pytest.raises(IntegrityError):
            await uow.calendar_feeds.add(CalendarFeed(clinic.doctor, "b" * 64, NOW))


async def test_only_a_doctor_has_a_feed(engine: AsyncEngine, clock: FakeClock) -> None:
    clinic = await make_clinic(engine)
    deps = sql_deps(engine, clock)
    with pytest.raises(NotAllowed):
        await new_feed(deps, Actor(Role.PATIENT, clinic.patients[0]))
    with pytest.raises(NotAllowed):
        await current_feed(deps, Actor(Role.ADMIN, 1))


async def test_a_made_up_token_is_refused_without_waiting_for_a_writer(
    engine: AsyncEngine, clock: FakeClock
) -> None:
    deps = sql_deps(engine, clock)
    async with engine.connect() as writer:
        await writer.begin()  # SQLite: BEGIN IMMEDIATE, the one write lock
        if engine.dialect.name == "postgresql":
            await writer.execute(text("LOCK TABLE calendar_feeds IN EXCLUSIVE MODE"))
        else:
            await writer.execute(update(calendar_feeds).values(last_used_at=NOW))

        with pytest.raises(NotFound):
            await asyncio.wait_for(read_feed(deps, "made-up-" + "x" * 40), 2)
        await writer.rollback()
