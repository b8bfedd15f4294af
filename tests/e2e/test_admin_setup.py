"""Admin → Doctors and Admin → Catalog, as an admin types and taps them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.sandbox.standin import BotApiStandIn
from tests.e2e.medbot import ADMIN_ID, Clinic

TUESDAY_10_LIMA = datetime(2026, 5, 5, 15, 0, tzinfo=UTC)
QUISPE = 1  # the demo clinic's first doctor: Lima, weekdays 09:00-18:00, lunch 13:00-14:00


async def test_an_admin_adds_a_location_a_specialty_and_a_doctor_with_hours_and_patients_can_book(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    admin = api.person("Admin", language_code="en", user_id=ADMIN_ID)
    await admin.send("/admin")
    await admin.wait_for("Admin menu")
    await admin.tap("Specialties and locations")
    await admin.wait_for("Locations:")
    await admin.tap("Add a location")
    await admin.wait_for("Which country")
    await admin.tap("Peru")
    await admin.wait_for("location's name")
    await admin.send("Sede Miraflores")
    await admin.wait_for("address")
    await admin.send("Av. Larco 500, Miraflores")
    await admin.wait_for("phone")
    await admin.send("12345")
    await admin.wait_for("not valid")
    await admin.send("+51 1 6100200")
    card = await admin.wait_for("Phone:")
    await admin.tap("« Back")
    await admin.wait_for("Sede Miraflores")
    await admin.tap("Add a specialty")
    await admin.wait_for("in Spanish and in English")
    await admin.send("Cardiología / Cardiology")
    await admin.wait_for("already exists")
    await admin.send("Neurología / Neurology")
    await admin.wait_for("Saved: Neurology")

    await admin.tap("« Back")
    await admin.wait_for("Admin menu")
    await admin.tap("Doctors")
    await admin.wait_for("Doctors \\(")
    await admin.tap("Add a doctor")
    await admin.wait_for("doctor's name")
    await admin.send("Dr. " + "A" * 4000)
    await admin.wait_for("2 to 120 characters")
    await admin.send("Dra. Elena Vargas")
    await admin.wait_for("choose their specialties")
    await admin.tap("Done")
    await admin.wait_for("at least one specialty")
    await admin.tap("Neurology")
    await admin.wait_for("choose their specialties")
    await admin.tap("Done")
    await admin.wait_for("which location")
    await admin.tap("Sede Miraflores")
    await admin.wait_for("how long")
    await admin.tap("20 min")
    await admin.wait_for("Type the weekly hours")
    await admin.send("mon-fri 18:00-09:00")
    await admin.wait_for("ends before it starts")
    await admin.send("mon-fri 09:00-18:00 break 12:00-13:30 13:00-14:00")
    await admin.wait_for("overlap")
    await admin.send("mon-fri 09:00-13:00 14:00-17:00")
    added = await admin.wait_for("Dra. Elena Vargas")

    assert "+5116100200" in card.text
    assert "Neurology" in added.text
    assert "Sede Miraflores" in added.text
    assert "mon 09:00-13:00 14:00-17:00" in added.text
    ana = api.person("Ana", language_code="es")
    await clinic.register(ana.user_id)
    await ana.send("/book")
    await ana.wait_for("Elige una especialidad")
    await ana.tap("Neurología")
    doctors = await ana.wait_for("Elige un médico de Neurología")
    assert "Dra. Elena Vargas" in doctors.buttons()


async def test_a_change_of_hours_shows_the_visit_it_strands_and_its_cancellation_tells_the_patient(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = api.person("Ana", language_code="es")
    await ana.send("/start")  # a bot writes only to those who wrote to it first
    await ana.wait_for("¿Aceptas?")
    patient = await clinic.register(ana.user_id)
    appointment = await clinic.book(patient, TUESDAY_10_LIMA, doctor_id=QUISPE)
    await clinic.settled(appointment)  # processing's offer is saved before the admin acts
    await asyncio.sleep(0.3)  # six outbox rounds: that offer is gone
    admin = api.person("Admin", language_code="en", user_id=ADMIN_ID)

    await admin.send("/admin")
    await admin.wait_for("Admin menu")
    await admin.tap("Doctors")
    await admin.wait_for("Doctors \\(")
    await admin.tap("Dra. Lucía Quispe")
    await admin.wait_for("Specialties:")
    await admin.tap("Hours")
    await admin.wait_for("Type the weekly hours")
    await admin.send("mon-fri 14:00-18:00")
    stranded = await admin.wait_for("fall outside the new hours")
    await admin.tap(f"Cancel {appointment.reference}")
    await admin.wait_for("Type the reason")
    await admin.send("La doctora ya no atiende por las mañanas")
    await admin.wait_for("Appointments cancelled: 1")
    told = await ana.wait_for("fue cancelada")

    assert appointment.reference in stranded.text
    assert "Tuesday, 5 May 2026 10:00" in stranded.text
    [cancelled] = await clinic.appointments()
    assert cancelled.status == "cancelled"
    assert "La doctora ya no atiende por las mañanas" in told.text
    assert "+5117001000" in told.text  # the Lima location's phone
    assert told.buttons() == ["Reservar otra cita"]
    await ana.tap("Reservar otra cita")
    await ana.wait_for("Elige una especialidad")


async def test_a_kept_visit_stays_booked_and_past_time_off_is_refused(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = api.person("Ana", language_code="es")
    patient = await clinic.register(ana.user_id)
    appointment = await clinic.book(patient, TUESDAY_10_LIMA, doctor_id=QUISPE)
    await clinic.settled(appointment)  # offered to the admins before their chat opens
    await asyncio.sleep(0.3)  # six outbox rounds: that offer is gone
    admin = api.person("Admin", language_code="es", user_id=ADMIN_ID)

    await admin.send("/admin")
    await admin.wait_for("Menú")
    await admin.tap("Médicos")
    await admin.wait_for("Médicos \\(")
    await admin.tap("Dra. Lucía Quispe")
    await admin.wait_for("Especialidades:")
    await admin.tap("Ausencia")
    await admin.wait_for("Escribe la ausencia")
    await admin.send("2026-05-01")
    await admin.wait_for("empieza en el pasado")
    await admin.send("2026-05-05 congreso")
    await admin.wait_for("quedan fuera del nuevo horario")
    await admin.tap(f"Mantener {appointment.reference}")
    card = await admin.wait_for("Ausente:")

    [kept] = await clinic.appointments()
    assert kept.is_active  # registered, or pending once processing asked the clinic
    assert "martes, 5 de mayo de 2026" in card.text
