"""What Prometheus reads on /metrics after a patient books through the bot."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

import bot.workers.queue_metrics
from bot.sandbox.standin import BotApiStandIn
from tests.e2e.medbot import Clinic

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture(autouse=True)
def fast_queue_metrics(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bot.workers.queue_metrics, "REFRESH", 0.05)


async def scrape(http: aiohttp.ClientSession, clinic: Clinic) -> tuple[set[str], Samples]:
    """The metric families named, and every sample by name and labels."""
    async with http.get(f"http://127.0.0.1:{clinic.runtime.http_port}/metrics") as response:
        assert response.status == 200
        families = list(text_string_to_metric_families(await response.text()))
    samples = {(s.name, frozenset(s.labels.items())): s.value for f in families for s in f.samples}
    return {f.name for f in families}, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_a_booking_through_the_bot_shows_in_every_family_of_metrics(
    api: BotApiStandIn, clinic: Clinic, http: aiohttp.ClientSession
) -> None:
    _, before = await scrape(http, clinic)
    ana = api.person("Ana", language_code="es")
    await ana.send("/start")
    await ana.wait_for("¿Aceptas?")
    await clinic.register(ana.user_id)

    await ana.send("/book")
    await ana.wait_for("Elige una especialidad")
    await ana.tap("Cardiología")
    await ana.wait_for("Elige un médico")
    await ana.tap("Dr. Martín Salazar")
    await ana.wait_for("Elige un día")
    await ana.tap("mar 5")
    await ana.wait_for("Elige una hora")
    await ana.tap("10:30")
    await ana.wait_for("¿Confirmas?")
    for _ in range(60):  # PTB hands conversation states to persistence every second
        _, during = await scrape(http, clinic)
        if value(during, "medbot_conversations_active", conversation="booking") == 1:
            break
        await asyncio.sleep(0.05)
    await ana.tap("Confirmar")
    await ana.wait_for("Cita registrada")
    for _ in range(60):  # the job offers the booking to the admins, then waits for them
        names, after = await scrape(http, clinic)
        waiting = value(after, "medbot_queue_rows", queue="processing", state="queued")
        if waiting and not value(after, "medbot_conversations_active", conversation="booking"):
            break
        await asyncio.sleep(0.05)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("medbot_updates_total", kind="message", outcome="ok") >= 2
    assert grew("medbot_updates_total", kind="callback_query", outcome="ok") >= 5
    assert grew("medbot_update_duration_seconds_count", kind="callback_query") >= 5
    assert value(after, "medbot_last_update_timestamp_seconds") > 0
    assert grew("medbot_bookings_total", country="PE", outcome="booked") == 1
    assert grew("medbot_processing_jobs_total", outcome="queued") >= 1
    assert value(after, "medbot_queue_rows", queue="processing", state="queued") == 1
    assert ("medbot_queue_rows", frozenset({("queue", "outbox"), ("state", "dead")})) in after
    assert ("medbot_queue_oldest_due_age_seconds", frozenset({("queue", "outbox")})) in after
    assert value(during, "medbot_conversations_active", conversation="booking") == 1
    assert after[("medbot_conversations_active", frozenset({("conversation", "booking")}))] == 0
    assert grew("medbot_http_requests_total", route="/metrics", method="GET", status="200") >= 1
    assert value(after, "medbot_telegram_last_success_timestamp_seconds") > 0
    assert value(after, "medbot_ready") == 1
    assert value(after, "medbot_ready_check", check="telegram") == 1
    assert {"medbot_webhook_rejected", "medbot_notifications_dead"} <= names
