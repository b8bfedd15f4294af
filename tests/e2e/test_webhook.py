"""Telegram posts updates to the bot's webhook: only with the secret, and only updates."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from telegram import Bot

from bot.app import BotRuntime
from bot.database import prepare_demo_database
from bot.http.webhook import SECRET_HEADER, keep_in_touch
from bot.sandbox.standin import BotApiStandIn
from bot.webhook_secret import FILE_NAME
from tests.e2e.conftest import running_clinic
from tests.e2e.medbot import Clinic, settings_for

PATH = "/telegram/webhook"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def hooked(api: BotApiStandIn, tmp_path: Path) -> AsyncIterator[Clinic]:
    """The demo clinic's bot, getting its updates through its webhook."""
    url = f"sqlite+aiosqlite:///{tmp_path}/medbot.db"
    await prepare_demo_database(url)
    port = free_port()
    async with running_clinic(
        api, url, http_port=port, telegram_webhook_url=f"http://127.0.0.1:{port}{PATH}"
    ) as running:
        yield running


def webhook_url(clinic: Clinic) -> str:
    return f"http://127.0.0.1:{clinic.runtime.http_port}{PATH}"


def registered_secret(api: BotApiStandIn) -> str:
    config = api.state.webhook.config
    assert config is not None
    assert config.secret_token
    return config.secret_token


async def test_a_patient_registers_and_books_through_the_webhook(
    api: BotApiStandIn, hooked: Clinic
) -> None:
    ana = api.person("Ana", "Quispe")

    await ana.send("/start")
    await ana.wait_for("¿Aceptas?")
    await ana.tap("Acepto")
    await ana.wait_for("nombre completo")
    await ana.send("Ana Quispe Mamani")
    await ana.wait_for("¿En qué país")
    await ana.tap("Perú")
    await ana.wait_for("Escribe tu DNI")
    await ana.send("10117410")
    await ana.wait_for("comparte tu teléfono")
    await ana.share_contact("51987654321")
    await ana.wait_for("Ya estás registrado")
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
    await ana.tap("Confirmar")
    booked = await ana.wait_for("Cita registrada")

    [appointment] = await hooked.appointments()
    assert appointment.reference in booked.text
    assert not api.journal.calls("getUpdates")
    [registration] = api.journal.calls("setWebhook")
    assert registration.params["allowed_updates"] == ["message", "edited_message", "callback_query"]
    assert registration.params["max_connections"] == 40
    assert api.state.webhook.delivered >= 12


@pytest.mark.parametrize("headers", [{}, {SECRET_HEADER: "not-the-secret"}])
async def test_a_request_without_the_right_secret_is_refused_and_changes_nothing(
    api: BotApiStandIn, hooked: Clinic, http: aiohttp.ClientSession, headers: dict[str, str]
) -> None:
    ana = api.person("Ana")
    await ana.send("/start")
    await ana.wait_for("¿Aceptas?")
    update = dict(api.state.updates.history[-1], update_id=1_000_000)  # the same /start

    sent_before = len(api.journal.calls("sendMessage"))
    async with http.post(webhook_url(hooked), json=update, headers=headers) as response:
        assert response.status == 403
    await asyncio.sleep(0.2)
    assert len(api.journal.calls("sendMessage")) == sent_before
    async with http.post(
        webhook_url(hooked), json=update, headers={SECRET_HEADER: registered_secret(api)}
    ) as response:
        assert response.status == 200  # the same update with the secret is taken
    await ana.wait_for("¿Aceptas?")

    assert len(api.journal.calls("sendMessage")) == sent_before + 1
    async with http.get(f"http://127.0.0.1:{hooked.runtime.http_port}/metrics") as metrics:
        assert 'medbot_webhook_rejected_total{reason="secret"}' in await metrics.text()


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe",
        b"[1, 2]",
        b'{"update_id": "x"}',
        json.dumps({"message": {}}).encode(),
        json.dumps({"update_id": 5, "message": {"chat": {}}}).encode(),
    ],
)
async def test_a_body_that_is_no_update_is_refused(
    api: BotApiStandIn, hooked: Clinic, http: aiohttp.ClientSession, body: bytes
) -> None:
    headers = {SECRET_HEADER: registered_secret(api), "Content-Type": "application/json"}
    async with http.post(webhook_url(hooked), data=body, headers=headers) as response:
        assert response.status == 400


async def test_a_restart_keeps_the_webhook_and_its_secret_and_loses_no_update(
    api: BotApiStandIn, hooked: Clinic, tmp_path: Path
) -> None:
    secret = registered_secret(api)
    kept = tmp_path / FILE_NAME
    assert kept.read_text().strip() == secret
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    ana = api.person("Ana")

    await hooked.runtime.stop()
    assert api.state.webhook.config is not None  # not deleted: Telegram keeps updates
    await ana.send("/start")  # while the bot is down
    await hooked.restart()

    await ana.wait_for("¿Aceptas?")
    assert registered_secret(api) == secret
    assert not api.journal.calls("deleteWebhook")
    assert len(api.journal.calls("setWebhook")) == 2


async def test_a_worker_beside_a_webhook_bot_neither_registers_nor_polls(
    api: BotApiStandIn, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/medbot.db"
    await prepare_demo_database(url)
    hook = "https://bot.example.org/telegram/webhook"
    worker = BotRuntime(settings_for(api, url, telegram_webhook_url=hook), polling=False)

    await worker.start()
    await worker.stop()

    assert not api.journal.calls("setWebhook")
    assert not api.journal.calls("getUpdates")
    assert not (tmp_path / FILE_NAME).exists()


async def test_an_idle_webhook_bot_keeps_asking_telegram_how_delivery_goes(
    api: BotApiStandIn, bot: Bot
) -> None:
    watcher = asyncio.create_task(keep_in_touch(bot, interval=0.02))
    await asyncio.sleep(0.3)
    watcher.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await watcher

    assert len(api.journal.calls("getWebhookInfo")) >= 3
