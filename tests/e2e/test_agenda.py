"""The doctor's /agenda, marking a visit once it started, and a patient's "I'll attend"."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.sandbox.standin import BotApiStandIn
from bot.sandbox.standin.driver import Person
from bot.telegram import callbacks as cb
from domain.entities import Appointment
from domain.staff import StaffRole
from domain.status import Status
from tests.e2e.medbot import ADMIN_ID, Clinic

DOCTOR_ID = 1  # the demo clinic's Dra. Lucía Quispe (general medicine), in Lima
MONDAY_11_LIMA = datetime(2026, 5, 4, 16, 0, tzinfo=UTC)  # the clock starts at 08:00


async def linked_doctor(api: BotApiStandIn, clinic: Clinic) -> Person:
    token = await clinic.invite(StaffRole.DOCTOR, DOCTOR_ID)
    doctor = api.person("Martín", "Salazar", language_code="es")
    await doctor.send(f"/start {token}")
    await doctor.wait_for("quedó vinculada a")
    return doctor


async def booked_today(api: BotApiStandIn, clinic: Clinic) -> tuple[Person, Appointment]:
    ana = api.person("Ana", language_code="es")
    await ana.send("/start")
    await ana.wait_for("¿Aceptas?")
    patient_id = await clinic.register(ana.user_id)
    return ana, await clinic.book(patient_id, MONDAY_11_LIMA, doctor_id=DOCTOR_ID)


async def status_of(clinic: Clinic, appointment: Appointment) -> Status:
    [found] = [a for a in await clinic.appointments() if a.id == appointment.id]
    return found.status


async def test_a_linked_doctors_agenda_shows_todays_visit_with_the_patients_name(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    doctor = await linked_doctor(api, clinic)
    _ana, appointment = await booked_today(api, clinic)
    await doctor.wait_for(f"Nueva reserva {appointment.reference}")  # asked to accept it

    await doctor.send("/agenda")
    shown = await doctor.wait_for("Tu agenda")

    assert f"11:00 · Paciente Prueba · pendiente · {appointment.reference}" in shown.text
    assert "asistirá" not in shown.text
    assert shown.buttons() == [  # not started: no marks; it waits for the doctor's answer
        "Aceptar lun 4 11:00",
        "Rechazar lun 4 11:00",
        "Hoy",
        "Mañana",
        "Esta semana",
        "Bloquear horario",
    ]
    await doctor.tap("Mañana")
    tomorrow = await doctor.wait_for("No tienes citas")
    visits, awaiting = tomorrow.text.split("Esperan tu respuesta")
    assert appointment.reference not in visits
    assert appointment.reference in awaiting  # still waiting, whatever the day shown


async def test_once_the_visit_has_started_the_doctor_marks_it_completed(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    doctor = await linked_doctor(api, clinic)
    _ana, appointment = await booked_today(api, clinic)
    await doctor.wait_for(f"Nueva reserva {appointment.reference}")
    await doctor.tap("Aceptar")
    await doctor.wait_for("Aceptaste la reserva")
    clinic.clock.set(MONDAY_11_LIMA + timedelta(minutes=5))

    await doctor.send("/agenda")
    await doctor.wait_for(f"confirmada · {appointment.reference}")
    await doctor.tap("11:00 Atendida")
    marked = await doctor.wait_for("Marcada como atendida")

    assert f"atendida · {appointment.reference}" in marked.text
    assert "11:00 Atendida" not in marked.buttons()
    assert await status_of(clinic, appointment) is Status.COMPLETED


async def test_a_patients_ill_attend_shows_in_the_doctors_agenda(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    doctor = await linked_doctor(api, clinic)
    ana, appointment = await booked_today(api, clinic)
    clinic.clock.set(MONDAY_11_LIMA - timedelta(hours=2))
    await ana.wait_for("Recordatorio")

    await ana.tap("Asistiré")
    await ana.wait_for_alert("Gracias")
    await doctor.send("/agenda")

    shown = await doctor.wait_for("Tu agenda")
    assert f"{appointment.reference} · ✓ asistirá" in shown.text


async def test_a_patient_typing_agenda_gets_the_unknown_command_help(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana, _appointment = await booked_today(api, clinic)

    await ana.send("/agenda")

    await ana.wait_for("No conozco ese comando")


async def test_a_forged_mark_from_someone_not_the_doctor_is_refused_politely(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana, appointment = await booked_today(api, clinic)
    await clinic.confirm(appointment)
    clinic.clock.set(MONDAY_11_LIMA + timedelta(minutes=5))

    await ana.tap_data(cb.AGENDA_MARK.pack((appointment.id, "no_show", "d")))

    await ana.wait_for_alert("Este botón ya no es válido")
    assert await status_of(clinic, appointment) is Status.ASSIGNED


async def test_a_doctor_linked_before_start_up_finds_agenda_in_their_own_menu_only(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    doctor = await linked_doctor(api, clinic)

    await clinic.restart()

    menus = {
        (json.loads(scope).get("chat_id"), language): [c["command"] for c in commands]
        for (scope, language), commands in api.state.commands.items()
    }
    assert "agenda" in menus[(doctor.user_id, "es")]
    assert "admin" not in menus[(doctor.user_id, "es")]
    assert "agenda" not in menus[(ADMIN_ID, "es")]
    assert "agenda" not in menus[(None, "es")]
