"""Patients move a visit from /my: new time shown, old time free, reminders follow the move."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.sandbox.standin import BotApiStandIn, Person
from domain.actors import Actor, Role
from domain.status import Status
from domain.usecases.reschedule import RescheduleCommand, reschedule
from tests.e2e.medbot import ADMIN_ID, Clinic
from tests.e2e.test_booking import walk_to_summary

TUESDAY_1030_LIMA = datetime(2026, 5, 5, 15, 30, tzinfo=UTC)
WEDNESDAY_11_LIMA = datetime(2026, 5, 6, 16, 0, tzinfo=UTC)


async def open_calendar(person: Person, reference: str) -> None:
    """From /my, tap Reschedule on ``reference`` and wait for the days."""
    await person.send("/my")
    await person.wait_for("Tus próximas citas")
    await person.tap(f"Reprogramar {reference}")
    await person.wait_for("Elige un día")


async def pick_wednesday_11(person: Person) -> str:
    """From the days to the summary; its text."""
    await person.tap("mié 6")
    await person.wait_for("Elige una hora para el miércoles, 6 de mayo")
    await person.tap("11:00")
    return (await person.wait_for("¿Confirmas?")).text


async def move_to_wednesday_11(person: Person, reference: str) -> str:
    await open_calendar(person, reference)
    summary = await pick_wednesday_11(person)
    await person.tap("Confirmar")
    await person.wait_for("Cita reprogramada")
    return summary


async def test_a_patient_reschedules_from_my_and_sees_the_new_time_in_lima_time(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = api.person("Ana", language_code="es")
    patient = await clinic.register(ana.user_id)
    appointment = await clinic.book(patient, TUESDAY_1030_LIMA)
    await clinic.settled(appointment)  # pending: the clinic is asked to confirm it

    summary = await move_to_wednesday_11(ana, appointment.reference)

    assert "De: martes, 5 de mayo de 2026 a las 10:30" in summary
    assert "A: miércoles, 6 de mayo de 2026 a las 11:00 (America/Lima)" in summary
    done = ana.messages[-1].text
    assert appointment.reference in done
    assert "miércoles, 6 de mayo de 2026" in done
    assert "Hora: 11:00 (America/Lima)" in done
    assert "Estado: pendiente" in done
    [moved] = await clinic.appointments()
    assert (moved.id, moved.start, moved.status) == (
        appointment.id,
        WEDNESDAY_11_LIMA,
        Status.PENDING,
    )
    assert moved.history[-1].reason == f"rescheduled from {TUESDAY_1030_LIMA.isoformat()}"


async def test_the_old_time_is_free_again_for_someone_else(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana, ben = api.person("Ana"), api.person("Ben")
    await clinic.register(ana.user_id)
    await clinic.register(ben.user_id)
    await walk_to_summary(ana, day="mar 5", time="10:30")  # Dr. Martín Salazar
    await ana.tap("Confirmar")
    await ana.wait_for("Cita registrada")
    [appointment] = await clinic.appointments()

    await move_to_wednesday_11(ana, appointment.reference)
    await walk_to_summary(ben, day="mar 5", time="10:30")
    await ben.tap("Confirmar")
    await ben.wait_for("Cita registrada")

    held = sorted((a.start, a.doctor_id) for a in await clinic.appointments())
    assert held == [
        (TUESDAY_1030_LIMA, appointment.doctor_id),
        (WEDNESDAY_11_LIMA, appointment.doctor_id),
    ]


async def test_reminders_come_at_the_offsets_of_the_new_time_and_none_for_the_old(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = api.person("Ana", language_code="es")
    patient = await clinic.register(ana.user_id)
    appointment = await clinic.book(patient, TUESDAY_1030_LIMA)
    await clinic.confirm(appointment)
    await move_to_wednesday_11(ana, appointment.reference)

    for old_offset in (timedelta(hours=24), timedelta(hours=2)):
        clinic.clock.set(TUESDAY_1030_LIMA - old_offset)
        await asyncio.sleep(0.3)  # six outbox rounds
    assert not any("Recordatorio" in m.shown_text for m in ana.messages)
    clinic.clock.set(WEDNESDAY_11_LIMA - timedelta(hours=24))
    first = await ana.wait_for("Recordatorio")
    clinic.clock.set(WEDNESDAY_11_LIMA - timedelta(hours=2))
    second = await ana.wait_for("Recordatorio")

    expected = (
        f"Recordatorio: tu cita {appointment.reference} con Dra. Lucía Quispe es el "
        "miércoles, 6 de mayo de 2026 a las 11:00 (America/Lima)."
    )
    assert first.text == expected
    assert second.text.startswith(f"{expected}\n")  # past the window: the clinic's phone
    assert sum("Recordatorio" in m.shown_text for m in ana.messages) == 2


async def test_back_leads_through_the_steps_to_my_and_cancel_keeps_the_old_time(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = api.person("Ana", language_code="es")
    patient = await clinic.register(ana.user_id)
    appointment = await clinic.book(patient, TUESDAY_1030_LIMA)
    await open_calendar(ana, appointment.reference)
    await pick_wednesday_11(ana)

    await ana.tap("« Atrás")
    await ana.wait_for("Elige una hora")
    await ana.tap("« Atrás")
    await ana.wait_for("Elige un día")
    await ana.tap("« Atrás")
    await ana.wait_for("Tus próximas citas")
    await ana.tap(f"Reprogramar {appointment.reference}")
    await ana.wait_for("Elige un día")
    await ana.tap("Cancelar")
    await ana.wait_for("mantenemos tu cita")

    [unchanged] = await clinic.appointments()
    assert unchanged.start == TUESDAY_1030_LIMA


async def test_a_restart_in_the_middle_of_rescheduling_resumes_at_the_same_step(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = api.person("Ana", language_code="es")
    patient = await clinic.register(ana.user_id)
    appointment = await clinic.book(patient, TUESDAY_1030_LIMA)
    await open_calendar(ana, appointment.reference)

    await clinic.restart()

    await pick_wednesday_11(ana)
    await ana.tap("Confirmar")
    await ana.wait_for("Cita reprogramada")
    [moved] = await clinic.appointments()
    assert moved.start == WEDNESDAY_11_LIMA


async def test_a_forged_reschedule_button_for_someone_elses_appointment_is_refused_politely(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana, mallory = api.person("Ana"), api.person("Mallory")
    patient = await clinic.register(ana.user_id)
    await clinic.register(mallory.user_id)
    appointment = await clinic.book(patient, TUESDAY_1030_LIMA)
    settled = await clinic.settled(appointment)
    await mallory.send("/my")
    await mallory.wait_for("No tienes citas")

    for forged in (
        f"my:r:{appointment.id.hex}",  # someone else's appointment
        "my:r:not-a-uuid",
        "rs:day:20260506",  # a step of a reschedule never begun
        f"rs:slot:1:{int(WEDNESDAY_11_LIMA.timestamp())}",
        "rs:ok",
    ):
        await mallory.tap_data(forged)
        await mallory.wait_for_alert("ya no es válido")

    [unchanged] = await clinic.appointments()
    assert (unchanged.start, unchanged.status) == (TUESDAY_1030_LIMA, settled.status)
    assert len(unchanged.history) == len(settled.history)


async def test_a_move_made_by_the_clinic_is_told_to_the_patient_in_their_language(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = api.person("Ana", language_code="es")
    await ana.send("/start")
    patient = await clinic.register(ana.user_id)
    appointment = await clinic.book(patient, TUESDAY_1030_LIMA)

    await reschedule(
        clinic.deps,
        Actor(Role.ADMIN, ADMIN_ID),
        RescheduleCommand(appointment.id, WEDNESDAY_11_LIMA),
    )
    notice = await ana.wait_for("se cambió")

    assert notice.text == (
        f"La cita {appointment.reference} con Dra. Lucía Quispe se cambió al "
        "miércoles, 6 de mayo de 2026 a las 11:00 (America/Lima)."
    )
