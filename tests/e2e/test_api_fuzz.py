"""schemathesis against the document the running bot serves: generated calls of every
operation, checked for server errors and for answers that break the document."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks
from sqlalchemy import func, select

from bot.app import BotRuntime
from bot.database import prepare_demo_database
from bot.http.api import OPERATIONS
from bot.sandbox.standin import BotApiStandIn
from domain.api_access import Scope
from storage.tables import audit_log
from tests.e2e.api_client import token_for
from tests.e2e.medbot import Clinic, settings_for

EXAMPLES = 12
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture
async def roomy_clinic(api: BotApiStandIn, tmp_path: Path) -> AsyncIterator[Clinic]:
    """The demo clinic's bot, with a rate limit the fuzzer does not reach."""
    url = f"sqlite+aiosqlite:///{tmp_path}/medbot.db"
    await prepare_demo_database(url)
    running = Clinic(api, url)
    settings = settings_for(api, url).model_copy(
        update={"api_burst": 100_000, "api_rate_limit": 100_000}
    )
    running.runtime = BotRuntime(settings, running.clock)
    await running.runtime.start()
    try:
        yield running
    finally:
        await running.runtime.stop()
        await running.engine.dispose()


def fuzz(base: str, token: str) -> list[str]:
    """Every operation, ``EXAMPLES`` generated calls each; the operations that failed."""
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    schema.config.update(base_url=base)
    headers = {"Authorization": f"Bearer {token}"}
    failed: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def call(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            call()
        except AssertionError as error:  # schemathesis's failures are AssertionErrors
            failed.append(f"{operation.label}: {error}")
    return failed


async def test_generated_calls_of_every_operation_find_no_server_error_nor_schema_break(
    roomy_clinic: Clinic, http: aiohttp.ClientSession
) -> None:
    await roomy_clinic.register(8001)
    await roomy_clinic.register(8002, "CL")
    token = await token_for(roomy_clinic, "fuzzer", Scope.ADMIN)
    base = f"http://127.0.0.1:{roomy_clinic.runtime.http_port}/api/v1"

    failed = await asyncio.to_thread(fuzz, base, token)

    assert failed == []
    async with roomy_clinic.engine.connect() as conn:
        calls = await conn.scalar(select(func.count()).where(audit_log.c.action == "api.called"))
    assert calls >= 5 * len(OPERATIONS)  # it reached every operation, not only the door
