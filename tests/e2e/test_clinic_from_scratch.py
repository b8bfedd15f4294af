"""Issue 11's whole story: a clinic set up through the bot alone, from an empty database.

Everyone here only types and taps: the admin builds the clinic and invites the doctor,
the doctor opens the link, a patient registers and books, and the admin finds that
appointment in the day's list and cancels it; the patient is told, with the phone.
"""

from __future__ import annotations

import re

from bot.sandbox.standin import BotApiStandIn, Person
from tests.e2e.medbot import ADMIN_ID, Clinic


async def set_up_the_clinic(admin: Person) -> None:
    await admin.send("/admin")
    await admin.wait_for("Menú de administración")
    await admin.tap("Especialidades y sedes")
    await admin.wait_for("Sedes:")
    await admin.tap("Agregar sede")
    await admin.wait_for("¿En qué país está la sede?")
    await admin.tap("Perú")
    await admin.wait_for("nombre de la sede")
    await admin.send("Sede Central")
    await admin.wait_for("dirección")
    await admin.send("Av. Arequipa 1000, Lima")
    await admin.wait_for("teléfono")
    await admin.send("+51 1 6100200")
    await admin.wait_for("Teléfono:")
    await admin.tap("« Volver")
    await admin.wait_for("Sede Central")
    await admin.tap("Agregar especialidad")
    await admin.wait_for("en español y en inglés")
    await admin.send("Neurología / Neurology")
    await admin.wait_for("Guardado: Neurología")
    await admin.tap("« Volver")
    await admin.wait_for("Menú de administración")
    await admin.tap("Médicos")
    await admin.wait_for("Médicos \\(0\\)")
    await admin.tap("Agregar médico")
    await admin.wait_for("nombre del médico")
    await admin.send("Dra. Elena Vargas")
    await admin.wait_for("elige sus especialidades")
    await admin.tap("Neurología")
    await admin.wait_for("elige sus especialidades")  # the same message, Neurología ticked
    await admin.tap("Listo")
    await admin.wait_for("¿en qué sede atiende?")
    await admin.tap("Sede Central")
    await admin.wait_for("¿cuánto dura cada cita?")
    await admin.tap("30 min")
    await admin.wait_for("Escribe el horario semanal")
    await admin.send("lun-vie 09:00-13:00 14:00-18:00")
    await admin.wait_for("Horario:")


async def invite_the_doctor(api: BotApiStandIn, admin: Person) -> Person:
    await admin.send("/admin")
    await admin.wait_for("Menú de administración")
    await admin.tap("Personal e invitaciones")
    await admin.wait_for("Personal")
    await admin.tap("Invitar a un médico")
    await admin.wait_for("¿Para qué médico")
    await admin.tap("Dra. Elena Vargas")
    sent = await admin.wait_for("Envía este enlace al médico")
    link = next(word for word in sent.text.split() if word.startswith("https://t.me/"))
    doctor = api.person("Elena", "Vargas", language_code="es")
    await doctor.send(f"/start {link.split('?start=', 1)[1]}")
    await doctor.wait_for("quedó vinculada a")
    return doctor


async def register_and_book(ana: Person) -> str:
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
    await ana.tap("Neurología")
    await ana.wait_for("Elige un médico de Neurología")
    await ana.tap("Dra. Elena Vargas")
    await ana.wait_for("Elige un día")
    await ana.tap("mar 5")
    await ana.wait_for("Elige una hora")
    await ana.tap("10:30")
    await ana.wait_for("¿Confirmas?")
    await ana.tap("Confirmar")
    booked = await ana.wait_for("Cita registrada")
    found = re.search(r"[2-9A-Z]{4}-[2-9A-Z]{4}", booked.text)
    assert found, booked.text
    return found[0]


async def test_a_clinic_set_up_through_the_bot_alone_takes_and_cancels_a_booking(
    api: BotApiStandIn, empty_clinic: Clinic
) -> None:
    admin = api.person("Admin", language_code="es", user_id=ADMIN_ID)
    ana = api.person("Ana", "Quispe", language_code="es")
    await ana.send("/book")
    closed = await ana.wait_for("Todavía no se pueden reservar")

    await set_up_the_clinic(admin)
    doctor = await invite_the_doctor(api, admin)
    reference = await register_and_book(ana)
    told_doctor = await doctor.wait_for(f"Nueva reserva {reference}")  # linked: asked to accept
    await admin.send("/admin")
    await admin.wait_for("Menú de administración")
    await admin.tap("Citas")
    await admin.wait_for("Citas: elige un lugar")
    await admin.tap("Por médico")
    await admin.wait_for("¿De qué médico?")
    await admin.tap("Dra. Elena Vargas")
    await admin.wait_for("lunes, 4 de mayo de 2026")
    await admin.tap("Día siguiente »")
    day = await admin.wait_for("martes, 5 de mayo de 2026")
    await admin.tap(f"10:30 {reference}")
    opened = await admin.wait_for("Historial:")
    await admin.tap("Cancelar con un motivo")
    await admin.wait_for("Escribe el motivo")
    await admin.send("La doctora está enferma")
    await admin.wait_for("Cita cancelada")
    told = await ana.wait_for(f"Tu cita {reference} .* fue cancelada")

    assert "Ana Quispe Mamani · Neurología" in told_doctor.text
    assert "10:30 (America/Lima)" in told_doctor.text
    assert told_doctor.buttons() == ["Aceptar", "Rechazar"]
    assert not closed.buttons()
    assert f"10:30 · Ana Quispe Mamani · Dra. Elena Vargas · pendiente · {reference}" in day.text
    assert "registrada (patient:1)" in opened.text
    assert "La doctora está enferma" in told.text
    assert "+5116100200" in told.text
    assert told.buttons() == ["Reservar otra cita"]
