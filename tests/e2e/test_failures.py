"""When something fails, the person is told politely and can go on."""

from __future__ import annotations

import re

from bot.sandbox.standin import BotApiStandIn
from tests.e2e.medbot import Clinic


async def test_a_failure_while_answering_gets_an_apology_with_a_reference_and_no_trace(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = api.person("Ana", language_code="es")
    await clinic.register(ana.user_id)
    api.faults.fail_next(400, "Bad Request: something unexpected", method="sendMessage")

    await ana.send("/my")
    apology = await ana.wait_for("Algo salió mal")

    assert re.search(r"ref\. [0-9a-f]{8}", apology.text or "")
    assert "Traceback" not in (apology.text or "")
    await ana.send("/my")
    await ana.wait_for("No tienes citas")


async def test_typing_instead_of_tapping_during_booking_gets_a_hint_and_the_step_stays(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = api.person("Ana", language_code="es")
    await clinic.register(ana.user_id)
    await ana.send("/book")
    await ana.wait_for("Elige una especialidad")

    await ana.send("quiero cardiología")
    await ana.wait_for("No entendí eso")
    await ana.tap("Cardiología")

    await ana.wait_for("Elige un médico de Cardiología")
