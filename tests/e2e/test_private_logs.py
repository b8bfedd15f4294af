"""At LOG_LEVEL=DEBUG the logs of a registration and a booking hold nothing a person typed."""

from __future__ import annotations

import io

import pytest

from bot.sandbox.standin import BotApiStandIn
from tests.e2e.medbot import Clinic

NAME = "Zacarías Ñandú Quispe"
DNI = "47391826"
PHONE = "51912837465"


@pytest.mark.parametrize("debug_logs", ["console", "json"], indirect=True)
async def test_debug_logs_of_a_registration_and_booking_hold_no_personal_data_nor_the_token(
    api: BotApiStandIn, clinic: Clinic, debug_logs: io.StringIO
) -> None:
    zac = api.person("Zacarías", "Ñandú", language_code="es")
    await zac.send("/start")
    await zac.wait_for("¿Aceptas?")
    await zac.tap("Acepto")
    await zac.wait_for("nombre completo")
    await zac.send(NAME)
    await zac.wait_for("¿En qué país")
    await zac.tap("Perú")
    await zac.wait_for("Escribe tu DNI")
    await zac.send(DNI)
    await zac.wait_for("comparte tu teléfono")
    await zac.share_contact(PHONE)
    await zac.wait_for("Ya estás registrado")
    await zac.send("/book")
    await zac.wait_for("Elige una especialidad")
    await zac.tap("Cardiología")
    await zac.wait_for("Elige un médico")
    await zac.tap("Dr. Martín Salazar")
    await zac.wait_for("Elige un día")
    await zac.tap("mar 5")
    await zac.wait_for("Elige una hora")
    await zac.tap("10:30")
    await zac.wait_for("¿Confirmas?")
    await zac.tap("Confirmar")
    await zac.wait_for("Cita registrada")

    logs = debug_logs.getvalue()
    assert "Processing update" in logs  # DEBUG lines were written, python-telegram-bot's too
    assert "bot api call sendMessage answered" in logs
    for private in (
        NAME,
        "Zacarías",
        "Ñandú",
        "Zacar\\u00edas",  # as JSON escapes it
        "\\u00d1and\\u00fa",
        DNI,
        PHONE[2:],  # the phone, in any of its forms
        "Acepto",
        "Cardiolog",
        api.token,
        api.token.partition(":")[2],
    ):
        assert private not in logs, private
