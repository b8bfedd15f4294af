"""A linked doctor blocks time from the bot: a break or a day off, seen, removed, and the
booked visits it strands kept or cancelled, as after an admin's change of hours."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time

from bot.sandbox.standin import BotApiStandIn
from bot.sandbox.standin.driver import Person
from bot.telegram import callbacks as cb
from domain.actors import Actor, Role
from domain.audit import Action
from domain.clinic_setup import days_off
from domain.countries import get_country
from domain.queries import AuditFilter, audit_trail
from domain.staff import StaffRole
from domain.status import Status
from domain.usecases.hours import add_time_off
from tests.e2e.medbot import ADMIN_ID, Clinic
from tests.e2e.test_agenda import DOCTOR_ID, linked_doctor, status_of

TUESDAY_10_LIMA = datetime(2026, 5, 5, 15, 0, tzinfo=UTC)
ADMIN = Actor(Role.ADMIN, ADMIN_ID, ADMIN_ID)
LIMA = get_country("PE").timezone


async def block_a_break(doctor: Person, day: str, start: str, end: str) -> None:
    await doctor.send("/block")
    await doctor.wait_for("Bloquear horario: elige el día")
    await doctor.tap(day)
    await doctor.wait_for("desde qué hora")
    await doctor.tap(start)
    await doctor.wait_for("hasta qué hora")
    await doctor.tap(end)


async def times_offered(patient: Person, day: str = "mar 5") -> list[str]:
    await patient.send("/book")
    await patient.wait_for("Elige una especialidad")
    await patient.tap("Medicina general")
    await patient.wait_for("Elige un médico")
    await patient.tap("Dra. Lucía Quispe")
    await patient.wait_for("Elige un día")
    await patient.tap(day)
    await patient.wait_for("Elige una hora")
    return patient.buttons()


async def test_a_break_the_doctor_blocks_is_no_longer_offered_to_patients(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    doctor = await linked_doctor(api, clinic)
    ana = api.person("Ana", language_code="es")
    await clinic.register(ana.user_id)

    await block_a_break(doctor, "mar 5", "15:00", "17:00")
    saved = await doctor.wait_for("Bloqueado: martes, 5 de mayo de 2026, 15:00-17:00")
    offered = await times_offered(ana)

    assert "• martes, 5 de mayo de 2026, 15:00-17:00" in saved.text
    assert "Quitar mar 5, 15:00-17:00" in saved.buttons()
    assert {"14:00", "14:30", "17:00", "17:30"} <= set(offered)
    assert not {"15:00", "15:30", "16:00", "16:30"} & set(offered)


async def test_a_day_off_that_strands_a_visit_lets_the_doctor_cancel_it_and_the_patient_is_told(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    doctor = await linked_doctor(api, clinic)
    ana = api.person("Ana", language_code="es")
    await ana.send("/start")  # a bot writes only to those who wrote to it first
    await ana.wait_for("¿Aceptas?")
    appointment = await clinic.book(await clinic.register(ana.user_id), TUESDAY_10_LIMA)
    await doctor.wait_for(f"Nueva reserva {appointment.reference}")  # processing asked him

    await doctor.send("/block")
    await doctor.wait_for("elige el día")
    await doctor.tap("mar 5")
    await doctor.wait_for("desde qué hora")
    await doctor.tap("Todo el día")
    stranded = await doctor.wait_for("cubre citas reservadas")
    await doctor.tap(f"Cancelar {appointment.reference}")
    await doctor.wait_for("Escribe el motivo")
    await doctor.send("x")
    await doctor.wait_for("entre 2 y 200 caracteres")
    await doctor.send("Congreso médico")
    done = await doctor.wait_for("Citas canceladas: 1")
    told = await ana.wait_for("fue cancelada")

    assert "Bloqueado: martes, 5 de mayo de 2026." in stranded.text
    assert f"martes, 5 de mayo de 2026 10:00 · {appointment.reference}" in stranded.text
    assert "no queda ninguna cita por decidir" in done.text
    assert await status_of(clinic, appointment) is Status.CANCELLED
    assert "Congreso médico" in told.text
    assert "+5117001000" in told.text  # the Lima location's phone
    by_doctor = await audit_trail(clinic.deps, ADMIN, AuditFilter(actor_role=Role.DOCTOR))
    assert {e.action for e in by_doctor} >= {Action.TIME_OFF_ADDED, "appointment.cancelled"}


async def test_a_visit_the_doctor_keeps_stays_booked_inside_the_block(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    doctor = await linked_doctor(api, clinic)
    ana = api.person("Ana", language_code="es")
    appointment = await clinic.book(await clinic.register(ana.user_id), TUESDAY_10_LIMA)
    before = (await clinic.settled(appointment)).status

    await block_a_break(doctor, "mar 5", "09:30", "11:00")
    await doctor.wait_for("cubre citas reservadas")
    await doctor.tap(f"Mantener {appointment.reference}")
    done = await doctor.wait_for("no queda ninguna cita por decidir")

    assert "• martes, 5 de mayo de 2026, 09:30-11:00" in done.text
    assert await status_of(clinic, appointment) is before


async def test_a_doctor_removes_their_own_block_but_not_the_clinics_time_off(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    token = await clinic.invite(StaffRole.DOCTOR, DOCTOR_ID)
    doctor = api.person("Martín", "Salazar", language_code="en")
    await doctor.send(f"/start {token}")
    await doctor.wait_for("is now linked to")
    clinics = days_off(date(2026, 5, 7), date(2026, 5, 7), LIMA)
    await add_time_off(clinic.deps, ADMIN, DOCTOR_ID, clinics)

    await doctor.send("/block")
    await doctor.wait_for("Block time: choose the day")
    await doctor.tap("Wed 6")
    await doctor.wait_for("the whole day, or from what time")
    await doctor.tap("Whole day")
    listed = await doctor.wait_for("Blocked: Wednesday, 6 May 2026")
    await doctor.tap("Remove Wed 6")
    removed = await doctor.wait_for("Block removed: Wednesday, 6 May 2026")
    await doctor.tap_data(cb.BLOCK_REMOVE.pack((clinics.start, clinics.end)))
    await doctor.wait_for_alert("no longer valid")

    assert "• Thursday, 7 May 2026 (set by the clinic)" in listed.text
    assert "Remove Thu 7" not in listed.buttons()
    assert "Remove Wed 6" not in removed.buttons()
    async with clinic.deps.uow(read_only=True) as uow:
        stored = await uow.doctors.get(DOCTOR_ID)
    assert stored is not None
    assert stored.plan.time_off == (clinics,)


async def test_block_is_in_a_linked_doctors_menu_and_unknown_to_a_patient(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    doctor = await linked_doctor(api, clinic)
    ana = api.person("Ana", language_code="es")
    await clinic.register(ana.user_id)
    await clinic.restart()

    await ana.send("/block")
    await ana.wait_for("No conozco ese comando")
    await ana.tap_data(cb.BLOCKING.day.pack(TUESDAY_10_LIMA.date()))
    await ana.wait_for_alert("Este botón ya no es válido")

    menus = {
        (json.loads(scope).get("chat_id"), language): [c["command"] for c in commands]
        for (scope, language), commands in api.state.commands.items()
    }
    assert "block" in menus[(doctor.user_id, "es")]
    assert "block" not in menus[(None, "es")]


async def test_the_agendas_block_button_opens_the_calendar_and_typing_there_gets_a_hint(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    doctor = await linked_doctor(api, clinic)

    await doctor.send("/agenda")
    await doctor.wait_for("Tu agenda")
    await doctor.tap("Bloquear horario")
    calendar = await doctor.wait_for("elige el día")
    await doctor.send("mañana de 3 a 5")
    await doctor.wait_for("Usa los botones")
    await doctor.tap_data(cb.BLOCK_FROM.pack(time(15)))
    await doctor.wait_for_alert("Este botón ya no es válido")
    await doctor.send("/cancel")
    await doctor.wait_for("Lo bloqueado sigue bloqueado")

    assert calendar.buttons()[:4] == ["lun 4", "mar 5", "mié 6", "jue 7"]
    assert "No tienes bloqueos próximos." in calendar.text
