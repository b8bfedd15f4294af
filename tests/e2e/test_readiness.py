"""/healthz and /readyz through real HTTP, while the database goes away and comes back."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import asyncpg
import pytest
from sqlalchemy import text

import bot.http.readiness
from bot.database import prepare_demo_database
from bot.sandbox.standin import BotApiStandIn
from tests.databases import _dsn, fresh_postgres_database
from tests.e2e.conftest import running_clinic
from tests.e2e.medbot import Clinic


@pytest.fixture(autouse=True)
def no_readiness_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bot.http.readiness, "CACHE", 0.0)


async def get(http: aiohttp.ClientSession, clinic: Clinic, path: str) -> tuple[int, Any]:
    async with http.get(f"http://127.0.0.1:{clinic.runtime.http_port}{path}") as response:
        return response.status, await response.json()


async def readiness_becomes(
    http: aiohttp.ClientSession, clinic: Clinic, status: int
) -> dict[str, Any]:
    for _ in range(100):
        found, body = await get(http, clinic, "/readyz")
        if found == status:
            return dict(body)
        await asyncio.sleep(0.05)
    raise AssertionError(f"/readyz stayed {found}: {body}")


async def test_a_running_bot_is_ready_with_every_check_passing(
    clinic: Clinic, http: aiohttp.ClientSession
) -> None:
    body = await readiness_becomes(http, clinic, 200)

    assert body == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "telegram": "ok"},
    }


async def test_a_database_not_at_this_codes_migrations_makes_the_bot_unready_until_it_is(
    clinic: Clinic, http: aiohttp.ClientSession
) -> None:
    async with clinic.engine.begin() as conn:
        head = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
        await conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))

    body = await readiness_becomes(http, clinic, 503)
    assert body["status"] == "unready"
    assert body["checks"]["migrations"] == f"at 0001, expected {head}"
    assert body["checks"]["database"] == "ok"

    async with clinic.engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
    await readiness_becomes(http, clinic, 200)


@pytest.mark.postgres
async def test_the_bot_is_unready_while_its_postgresql_database_is_unreachable_and_alive(
    api: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    async with fresh_postgres_database() as url:
        await prepare_demo_database(url)
        name = url.rsplit("/", 1)[1]
        async with running_clinic(api, url) as clinic:
            await readiness_becomes(http, clinic, 200)
            admin = await asyncpg.connect(_dsn(url.rsplit("/", 1)[0] + "/postgres"))
            try:
                await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
                await admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                    name,
                )

                body = await readiness_becomes(http, clinic, 503)
                assert body["checks"]["database"].startswith("unreachable")
                assert body["checks"]["migrations"] == "unknown"
                assert await get(http, clinic, "/healthz") == (200, {"status": "ok"})

                await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
                await readiness_becomes(http, clinic, 200)
            finally:
                await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
                await admin.close()
