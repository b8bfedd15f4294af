"""The bot's HTTP side, as Docker's health check and Prometheus see it."""

from __future__ import annotations

import aiohttp

from tests.e2e.medbot import Clinic


async def test_the_health_check_answers_ok_while_the_process_runs(
    clinic: Clinic, http: aiohttp.ClientSession
) -> None:
    port = clinic.runtime.http_port

    async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
        assert response.status == 200
        assert await response.json() == {"status": "ok"}


async def test_metrics_are_served_in_prometheus_text_format(
    clinic: Clinic, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"http://127.0.0.1:{clinic.runtime.http_port}/metrics") as response:
        body = await response.text()

    assert response.status == 200
    assert "python_info" in body
