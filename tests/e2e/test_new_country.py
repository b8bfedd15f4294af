"""Adding a country is one module: a made-up fourth country, from a test-only module,
takes bookings end to end with its own steps."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.clinic_file import parse_clinic
from bot.sandbox.standin import BotApiStandIn
from domain import countries
from domain.actors import SYSTEM
from domain.status import Status
from domain.usecases.clinic_import import ImportCommand, import_clinic
from tests.e2e.medbot import Clinic

ATLANTIS_CLINIC = """
clinic: Clínica Demo
locations:
  - {code: poseidonia, name: Sede Poseidonia, country: XA, address: Calle del Templo 1,
     phone: "+54 11 4000 1000"}
specialties:
  - {code: general, es: Medicina general, en: General medicine}
doctors:
  - name: Dra. Cleito Azul
    location: poseidonia
    specialties: [general]
    visit_minutes: 30
    hours: {mon: "09:00-17:00", tue: "09:00-17:00", wed: "09:00-17:00"}
"""


@pytest.fixture
def atlantis(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(countries, "_loaded", {})
    countries.load("tests.e2e.atlantis")
    yield
    monkeypatch.undo()
    countries._registry.cache_clear()


async def test_a_made_up_country_from_one_module_takes_a_booking_through_its_own_steps(
    api: BotApiStandIn, clinic: Clinic, atlantis: None
) -> None:
    await import_clinic(clinic.deps, SYSTEM, ImportCommand(parse_clinic(ATLANTIS_CLINIC, "xa")))
    ana = api.person("Ana", language_code="es")

    await ana.send("/start")
    await ana.wait_for("¿Aceptas?")
    await ana.tap("Acepto")
    await ana.wait_for("nombre completo")
    await ana.send("Ana Atlante")
    await ana.wait_for("¿En qué país")
    await ana.tap("Atlántida")
    await ana.wait_for("DNA")
    await ana.send("20.123.456")
    await ana.wait_for("comparte tu teléfono")
    await ana.share_contact("+54 9 11 2345 6789")
    await ana.wait_for("Ya estás registrado")
    await ana.send("/book")
    await ana.wait_for("Elige una especialidad")
    await ana.tap("Medicina general")
    await ana.wait_for("Elige un médico de Medicina general")
    await ana.tap("Dra. Cleito Azul")
    await ana.wait_for("Elige un día")
    await ana.tap("mar 5")
    await ana.wait_for("Elige una hora")
    await ana.tap("10:00")
    await ana.wait_for("¿Confirmas?")
    await ana.tap("Confirmar")
    booked = await ana.wait_for("Cita registrada")
    told = await ana.wait_for("está confirmada con Dra. Cleito Azul")

    [appointment] = await clinic.appointments()
    assert "10:00 (Atlantic/Azores)" in booked.text
    assert appointment.reference in told.text
    assert appointment.country == "XA"
    assert appointment.status is Status.ASSIGNED
    assert [c.to_status for c in appointment.history if c.from_status != c.to_status] == [
        Status.REGISTERED,
        Status.ASSIGNED,
    ]
    assert "triaged by the nurse" in [c.reason for c in appointment.history]
