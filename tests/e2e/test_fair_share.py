"""One chat's flood of updates cannot delay the others, and gets one request to wait."""

from __future__ import annotations

import asyncio
import time

from bot.sandbox.standin import BotApiStandIn
from tests.e2e.medbot import Clinic


async def test_a_chat_sending_three_hundred_commands_at_once_does_not_delay_another(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    flooder = api.person("Flood", language_code="es")
    ana = api.person("Ana", language_code="es")
    await flooder.send("/start")
    await flooder.wait_for("¿Aceptas?")

    for _ in range(300):
        await flooder.send("/my")
    started = time.monotonic()
    await ana.send("/start")
    await ana.wait_for("¿Aceptas?")
    answered_in = time.monotonic() - started
    await asyncio.sleep(1.0)  # what the flooder gets settles

    waits = [m for m in flooder.messages if "espera a mi respuesta" in m.shown_text]
    answers = [m for m in flooder.messages if "registr" in m.shown_text.lower()]
    assert answered_in < 2.0
    assert len(waits) == 1
    assert 1 <= len(answers) < 300  # a few in hand are answered; the rest were dropped
