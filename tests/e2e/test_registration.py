"""People register on /start by typing and tapping, in their own language."""

from __future__ import annotations

import unicodedata

import pytest
from sqlalchemy import select

from bot.sandbox.standin import BotApiStandIn, Person
from storage.tables import patients
from tests.e2e.medbot import Clinic


async def test_a_spanish_speaking_patient_in_peru_registers_and_books(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = api.person("Ana", "Quispe", language_code="es")

    await ana.send("/start")
    await ana.wait_for("¿Aceptas?")
    await ana.tap("Acepto")
    await ana.wait_for("nombre completo")
    await ana.send("Ana Quispe Mamani")
    await ana.wait_for("¿En qué país")
    await ana.tap("Perú")
    await ana.wait_for("Escribe tu DNI")
    await ana.send("10117410")
    await ana.wait_for("DNI registrado: 10117410")
    await ana.wait_for("comparte tu teléfono")
    await ana.share_contact("51987654321")
    await ana.wait_for("Ya estás registrado")

    await ana.send("/book")
    await ana.wait_for("Elige una especialidad")
    await ana.tap("Cardiología")
    await ana.wait_for("Elige un médico de Cardiología")
    await ana.tap("Dr. Martín Salazar")
    await ana.wait_for("Elige un día")
    await ana.tap("mar 5")
    await ana.wait_for("Elige una hora para el martes, 5 de mayo de 2026")
    await ana.tap("10:30")
    await ana.wait_for("¿Confirmas?")
    await ana.tap("Confirmar")
    booked = await ana.wait_for("Cita registrada")

    assert "Dr. Martín Salazar" in booked.text
    assert "martes, 5 de mayo de 2026" in booked.text
    assert "10:30 (America/Lima)" in booked.text
    assert "Estado: registrada" in booked.text
    [appointment] = await clinic.appointments()
    assert appointment.reference in booked.text
    assert appointment.start.isoformat() == "2026-05-05T15:30:00+00:00"


async def test_an_english_speaking_patient_in_chile_registers_with_a_rut_and_books(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    john = api.person("John", "Smith", language_code="en-GB")

    await john.send("/start")
    await john.wait_for("Do you accept?")
    await john.tap("I accept")
    await john.wait_for("full name")
    await john.send("John Smith")
    await john.wait_for("In which country")
    await john.tap("Chile")
    await john.wait_for(r"type your RUT \(for example 12\.345\.678-5\)")
    await john.send("123456785")
    await john.wait_for("RUT saved: 12.345.678-5")
    await john.share_contact("+56 9 8765 4321")
    await john.wait_for("You are registered")

    await john.send("/book")
    await john.wait_for("Choose a specialty")
    await john.tap("Cardiology")
    await john.wait_for("Choose a Cardiology doctor")
    await john.tap("First available")
    await john.wait_for("Choose a day")
    await john.tap("Mon 4")
    await john.wait_for("Choose a time on Monday, 4 May 2026 \\(America/Santiago time\\)")
    assert "09:30" not in john.buttons()  # inside Chile's 3-hour lead time
    await john.tap("12:00")
    await john.wait_for("Do you confirm?")
    await john.tap("Confirm")
    booked = await john.wait_for("Appointment registered")

    assert "12:00 (America/Santiago)" in booked.text
    assert "Status: registered" in booked.text
    [appointment] = await clinic.appointments()
    assert appointment.start.isoformat() == "2026-05-04T16:00:00+00:00"  # UTC-4 in May


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("1234", "does not have the right number of digits"),
        ("12.34O.678-5", "has characters that do not belong"),
        ("12.345.678-9", "check digit of that RUT does not match"),
    ],
)
async def test_an_invalid_national_id_gets_a_clear_answer_and_registration_goes_on(
    api: BotApiStandIn, clinic: Clinic, typed: str, answer: str
) -> None:
    eve = api.person("Eve", language_code="en")
    await eve.send("/start")
    await eve.wait_for("Do you accept?")
    await eve.tap("I accept")
    await eve.wait_for("full name")
    await eve.send("Eve Adams")
    await eve.wait_for("In which country")
    await eve.tap("Chile")
    await eve.wait_for("type your RUT")

    await eve.send(typed)
    await eve.wait_for(answer)
    await eve.send("12.345.678-5")

    await eve.wait_for("RUT saved: 12.345.678-5")


async def test_a_known_patient_is_not_asked_again(api: BotApiStandIn, clinic: Clinic) -> None:
    luis = api.person("Luis", language_code="es")
    await clinic.register(luis.user_id)

    await luis.send("/start")

    await luis.wait_for("Hola, Paciente. Usa /book")
    assert not any("¿Aceptas?" in m.shown_text for m in luis.messages)


async def test_editing_a_name_already_sent_does_not_move_registration_on(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = api.person("Ana", language_code="es")
    await ana.send("/start")
    await ana.wait_for("¿Aceptas?")
    await ana.tap("Acepto")
    await ana.wait_for("nombre completo")
    hello = await ana.send("hola")
    await ana.wait_for("Escribe tu nombre y apellido")

    await ana.edit(hello, "Ana Quispe Mamani")
    await ana.wait_for("No leo los mensajes editados")

    assert not [m for m in ana.messages if "¿En qué país" in m.shown_text]


@pytest.mark.parametrize(
    "typed",
    [unicodedata.normalize("NFD", "José Peña"), "สมชาย ใจดี", "राहुल शर्मा"],
    ids=["decomposed", "Thai", "Devanagari"],
)
async def test_a_name_in_any_script_or_decomposed_is_accepted_and_kept_composed(
    api: BotApiStandIn, clinic: Clinic, typed: str
) -> None:
    ana = api.person("Ana", language_code="es")
    await ana.send("/start")
    await ana.wait_for("¿Aceptas?")
    await ana.tap("Acepto")
    await ana.wait_for("nombre completo")

    await ana.send(typed)
    await ana.wait_for("¿En qué país")
    await ana.tap("Perú")
    await ana.wait_for("Escribe tu DNI")
    await ana.send("10117410")
    await ana.wait_for("comparte tu teléfono")
    await ana.share_contact("51987654321")
    await ana.wait_for("Ya estás registrado")

    async with clinic.engine.connect() as conn:
        stored = (await conn.execute(select(patients.c.full_name))).scalar_one()
    assert stored == unicodedata.normalize("NFC", typed)


async def test_cancel_during_registration_leaves_it_and_forgets_what_was_typed(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = api.person("Ana", language_code="es")
    await ana.send("/start")
    await ana.wait_for("¿Aceptas?")
    await ana.tap("Acepto")
    await ana.wait_for("nombre completo")
    await ana.send("Ana Quispe Mamani")
    await ana.wait_for("¿En qué país")
    await ana.tap("Perú")
    await ana.wait_for("Escribe tu DNI")

    await ana.send("/cancel")
    await ana.wait_for("Registro cancelado")
    await ana.send("10117410")  # no longer an answer to anything
    await ana.send("/start")

    await ana.wait_for("¿Aceptas?")  # from the beginning: the draft is gone
    assert not [m for m in ana.messages if "DNI registrado" in m.shown_text]
    assert not [m for m in ana.messages if "No hay nada que cancelar" in m.shown_text]


async def register_in_peru(person: Person, name: str, dni: str, phone: str) -> None:
    await person.send("/start")
    await person.wait_for("¿Aceptas?|Do you accept?")
    await person.tap(person.buttons()[0])
    await person.wait_for("nombre completo|full name")
    await person.send(name)
    await person.wait_for("¿En qué país|In which country")
    await person.tap("Perú" if "Perú" in person.buttons() else "Peru")
    await person.wait_for("DNI")
    await person.send(dni)
    await person.wait_for("DNI registrado|DNI saved")
    await person.share_contact(phone)
    await person.wait_for("Ya estás registrado|You are registered")


async def test_a_second_account_with_a_registered_dni_is_refused_in_its_language(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = api.person("Ana", language_code="es")
    await register_in_peru(ana, "Ana Quispe Mamani", "10117410", "51987654321")
    eve = api.person("Eve", language_code="en")
    await eve.send("/start")
    await eve.wait_for("Do you accept?")
    await eve.tap("I accept")
    await eve.wait_for("full name")
    await eve.send("Eve Intruder")
    await eve.wait_for("In which country")
    await eve.tap("Peru")
    await eve.wait_for("type your DNI")

    await eve.send("10117410")
    await eve.wait_for("That DNI is already registered with another Telegram account")
    await eve.send("45678912")  # a typo, corrected: registration goes on
    await eve.wait_for("DNI saved: 45678912")

    async with clinic.engine.connect() as conn:
        rows = (await conn.execute(select(patients.c.full_name, patients.c.national_id))).all()
    assert [tuple(r) for r in rows] == [("Ana Quispe Mamani", "10117410")]


async def test_a_placeholder_dni_of_all_zeros_is_refused(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = api.person("Ana", language_code="es")
    await ana.send("/start")
    await ana.wait_for("¿Aceptas?")
    await ana.tap("Acepto")
    await ana.wait_for("nombre completo")
    await ana.send("Ana Quispe Mamani")
    await ana.wait_for("¿En qué país")
    await ana.tap("Perú")
    await ana.wait_for("Escribe tu DNI")

    await ana.send("00000000")
    await ana.wait_for("Ese DNI es un número de relleno")

    assert not [m for m in ana.messages if "DNI registrado" in m.shown_text]


async def test_a_dni_taken_while_the_second_person_was_registering_is_asked_for_again(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    eve = api.person("Eve", language_code="en")
    await eve.send("/start")
    await eve.wait_for("Do you accept?")
    await eve.tap("I accept")
    await eve.wait_for("full name")
    await eve.send("Eve Intruder")
    await eve.wait_for("In which country")
    await eve.tap("Peru")
    await eve.wait_for("type your DNI")
    await eve.send("10117410")
    await eve.wait_for("DNI saved")
    ana = api.person("Ana", language_code="es")
    await register_in_peru(ana, "Ana Quispe Mamani", "10117410", "51987654321")

    await eve.share_contact("51987654322")
    await eve.wait_for("That DNI is already registered with another Telegram account")
    await eve.wait_for("type your DNI")

    async with clinic.engine.connect() as conn:
        rows = (await conn.execute(select(patients.c.full_name))).scalars().all()
    assert rows == ["Ana Quispe Mamani"]
