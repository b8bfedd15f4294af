"""Encrypted columns, the blind index, the key check and key rotation, on every database."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.entities import Patient
from storage.crypto.check import WrongKey, check_keyring
from storage.crypto.keyring import DataKeyError, KeyRing, new_key
from storage.crypto.rotation import TABLES, _rotate_batch, rotate
from storage.engine import create_engine
from storage.migrate import MigrationRefused, downgrade, upgrade
from storage.tables import notifications, patients
from storage.telegram_state import TelegramStateStore
from storage.types import UTCDateTime
from storage.unit_of_work import SqlUnitOfWork
from tests.keys import TEST_DATA_KEY, TEST_KEYRING
from tests.storage.conftest import NOW
from tests.unit.fakes import FakeClock

NEW_KEY = new_key()


def ana(user: int = 1, national_id: str = "10117410") -> Patient:
    return Patient(None, user, "Ana Quispe", national_id, "+51987654321", "es", "PE")


def same_database(engine: AsyncEngine, ring: KeyRing) -> AsyncEngine:
    url = engine.url.render_as_string(hide_password=False)
    return create_engine(url, keyring=ring)


async def raw_patients(engine: AsyncEngine) -> list[tuple[str, ...]]:
    async with engine.connect() as conn:
        query = text("SELECT full_name, national_id, phone, national_id_index FROM patients")
        return [tuple(row) for row in await conn.execute(query)]


async def add_patients(engine: AsyncEngine, count: int) -> None:
    async with SqlUnitOfWork(engine) as uow:
        for n in range(count):
            await uow.patients.add(ana(n + 1, f"{10117410 + n}"))
        await uow.commit()


async def test_a_patients_values_are_stored_encrypted_and_read_back_plain(
    engine: AsyncEngine,
) -> None:
    await add_patients(engine, 1)

    [(name, national_id, phone, index)] = await raw_patients(engine)
    assert all(v.startswith(f"v1:{TEST_KEYRING.current.kid}:") for v in (name, national_id, phone))
    assert "Ana" not in name
    assert "10117410" not in national_id + index
    async with SqlUnitOfWork(engine, read_only=True) as uow:
        found = await uow.patients.get_by_national_id("PE", "10117410")
    assert found is not None
    assert (found.full_name, found.phone) == ("Ana Quispe", "+51987654321")


async def test_two_encryptions_of_one_value_differ_but_its_blind_index_does_not(
    engine: AsyncEngine,
) -> None:
    await add_patients(engine, 1)
    async with SqlUnitOfWork(engine) as uow:
        await uow.patients.add(
            Patient(None, 2, "Ana Quispe", "10117410", "+51987654321", "es", "CL")
        )
        await uow.commit()

    first, second = await raw_patients(engine)
    assert first[:3] != second[:3]  # a fresh nonce each time: equal values do not show
    assert first[3] == second[3]  # one national ID, one index (the country tells them apart)


async def test_a_value_moved_to_another_column_does_not_decrypt(engine: AsyncEngine) -> None:
    await add_patients(engine, 1)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE patients SET full_name = phone"))

    with pytest.raises(DataKeyError, match="fails authentication"):
        async with SqlUnitOfWork(engine, read_only=True) as uow:
            await uow.patients.get_by_telegram_id(1)


async def test_the_key_check_is_recorded_once_and_refuses_another_key(engine: AsyncEngine) -> None:
    await check_keyring(engine, TEST_KEYRING)
    await check_keyring(engine, TEST_KEYRING)

    with pytest.raises(WrongKey):
        await check_keyring(engine, KeyRing.parse(NEW_KEY))


async def test_processes_starting_at_once_on_a_new_database_record_one_key_check(
    engine: AsyncEngine,
) -> None:
    await asyncio.gather(*(check_keyring(engine, TEST_KEYRING) for _ in range(4)))

    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM data_keys"))).scalar() == 1
    with pytest.raises(WrongKey):
        await check_keyring(engine, KeyRing.parse(NEW_KEY))


async def test_rotation_re_encrypts_everything_under_the_new_key_in_resumable_batches(
    engine: AsyncEngine,
) -> None:
    await check_keyring(engine, TEST_KEYRING)
    await add_patients(engine, 5)
    state = TelegramStateStore(engine, FakeClock(NOW))
    await state.write({("user", "1"): {"reg": {"name": "Ana Quispe"}}})
    both = same_database(engine, KeyRing.parse(f"{NEW_KEY},{TEST_DATA_KEY}"))
    new_only = same_database(engine, KeyRing.parse(NEW_KEY))
    try:
        assert await _rotate_batch(both, TABLES[0], 2) == 2  # stopped after one batch
        async with SqlUnitOfWork(both, read_only=True) as uow:  # old and new both found
            found = await uow.patients.with_national_id([f"{10117410 + n}" for n in range(5)])
        assert len(found) == 5

        done = await rotate(both, batch=2)

        assert done.rows == 3 + 1  # the three patients left, the conversation state
        kid = KeyRing.parse(NEW_KEY).current.kid
        for *values, index in await raw_patients(both):
            assert all(v.startswith(f"v1:{kid}:") for v in values)
            assert index.startswith(f"{kid}:")
        await check_keyring(new_only, KeyRing.parse(NEW_KEY))
        async with SqlUnitOfWork(new_only, read_only=True) as uow:
            assert await uow.patients.get_by_national_id("PE", "10117412") is not None
        store = TelegramStateStore(new_only, FakeClock(NOW))
        assert await store.load("user") == {"1": {"reg": {"name": "Ana Quispe"}}}
        with pytest.raises(WrongKey):
            await check_keyring(engine, TEST_KEYRING)
        assert (await rotate(both)).rows == 0
    finally:
        await both.dispose()
        await new_only.dispose()


async def test_conversation_state_is_stored_encrypted_and_forgotten_after_a_week(
    engine: AsyncEngine,
) -> None:
    clock = FakeClock(NOW)
    store = TelegramStateStore(engine, clock)
    await store.write({("user", "1"): {"reg": {"name": "Ana Quispe", "id": "10117410"}}})
    clock.advance(timedelta(days=6))
    await store.write({("user", "2"): {"reg": {"name": "Luz"}}})

    async with engine.connect() as conn:
        raw = " ".join(str(r) for r in await conn.execute(text("SELECT data FROM telegram_state")))
    assert "Ana" not in raw
    assert "10117410" not in raw

    clock.advance(timedelta(days=1, seconds=1))
    assert await store.forget_stale() == 1
    assert list(await store.load("user")) == ["2"]


async def test_an_engine_without_a_key_refuses_to_read_encrypted_columns(
    engine: AsyncEngine,
) -> None:
    await add_patients(engine, 1)
    bare = create_engine(engine.url.render_as_string(hide_password=False))
    try:
        with pytest.raises(DataKeyError, match="no data key"):
            async with bare.connect() as conn:
                (await conn.execute(select(patients.c.full_name))).all()
    finally:
        await bare.dispose()


OLD_PATIENTS = sa.table(
    "patients",
    *(sa.column(name) for name in ("id", "telegram_user_id", "full_name", "national_id")),
    *(sa.column(name) for name in ("phone", "language", "country")),
)
OLD_OUTBOX = sa.table(
    "notifications",
    *(sa.column(n) for n in ("chat_id", "kind", "template", "urgent", "dedupe_key", "state")),
    *(sa.column(n) for n in ("attempts",)),
    sa.column("params", sa.JSON),
    sa.column("due_at", UTCDateTime()),
    sa.column("next_attempt_at", UTCDateTime()),
)
OLD_STATE = sa.table(
    "telegram_state", sa.column("kind"), sa.column("key"), sa.column("data", sa.JSON)
)


async def test_migration_0011_encrypts_the_rows_stored_before_it_and_needs_the_key(
    database_url: str,
) -> None:
    await upgrade(database_url, "0010")
    bare = create_engine(database_url)
    row = {"id": 1, "telegram_user_id": 7, "full_name": "Ana Quispe", "national_id": "10117410"}
    try:
        async with bare.begin() as conn:
            await conn.execute(
                sa.insert(OLD_PATIENTS),
                {**row, "phone": "+51987654321", "language": "es", "country": "PE"},
            )
            await conn.execute(
                sa.insert(OLD_STATE), {"kind": "user", "key": "7", "data": {"name": "Ana Quispe"}}
            )
            await conn.execute(
                sa.insert(OLD_OUTBOX),
                {
                    "chat_id": 7, "kind": "status", "template": "t", "urgent": True,
                    "dedupe_key": "k", "state": "queued", "attempts": 0, "due_at": NOW,
                    "next_attempt_at": NOW, "params": {"patient": "Ana Quispe"},
                },
            )  # fmt: skip
        with pytest.raises(MigrationRefused, match="no data key was given"):
            await upgrade(database_url)

        await upgrade(database_url, keyring=TEST_KEYRING)

        async with bare.connect() as conn:
            raw = [
                str(r)
                for t in ("patients", "telegram_state", "notifications")
                for r in await conn.execute(text(f"SELECT * FROM {t}"))
            ]
        assert not [r for r in raw if "Ana" in r or "10117410" in r]
        keyed = create_engine(database_url, keyring=TEST_KEYRING)
        try:
            await check_keyring(keyed, TEST_KEYRING)
            async with SqlUnitOfWork(keyed, read_only=True) as uow:
                found = await uow.patients.get_by_national_id("PE", "10117410")
            assert found is not None
            assert found.full_name == "Ana Quispe"
            state = await TelegramStateStore(keyed, FakeClock(NOW)).load("user")
            assert state == {"7": {"name": "Ana Quispe"}}
            async with keyed.connect() as conn:
                params = (await conn.execute(sa.select(notifications.c.params))).scalar()
            assert params == {"patient": "Ana Quispe"}
        finally:
            await keyed.dispose()

        await downgrade(database_url, "0010", keyring=TEST_KEYRING)
        async with bare.connect() as conn:
            names = (await conn.execute(sa.select(OLD_PATIENTS.c.full_name))).scalars().all()
        assert names == ["Ana Quispe"]
    finally:
        await bare.dispose()
