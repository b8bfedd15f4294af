"""Each country's processing of a booking, acted out by patients, doctors and an admin."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from bot.sandbox.standin import BotApiStandIn
from bot.sandbox.standin.driver import Person
from domain.entities import Appointment
from domain.staff import StaffRole
from domain.status import Status
from tests.e2e.medbot import Clinic

TUESDAY_1030_LIMA = datetime(2026, 5, 5, 15, 30, tzinfo=UTC)


async def doctor_id(clinic: Clinic, name: str) -> int:
    async with clinic.deps.uow(read_only=True) as uow:
        return next(d.id or 0 for d in await uow.doctors.list_all() if d.full_name == name)


async def linked(api: BotApiStandIn, clinic: Clinic, name: str) -> Person:
    """The demo clinic's doctor ``name``, linked to a Telegram account by invitation."""
    token = await clinic.invite(StaffRole.DOCTOR, await doctor_id(clinic, name))
    first, *rest = name.split(" ")[1:]
    person = api.person(first, " ".join(rest), language_code="es")
    await person.send(f"/start {token}")
    await person.wait_for("quedó vinculada a")
    return person


async def patient(api: BotApiStandIn, clinic: Clinic, name: str = "Ana") -> tuple[Person, int]:
    person = api.person(name, language_code="es")
    await person.send("/start")
    await person.wait_for("¿Aceptas?")
    return person, await clinic.register(person.user_id)


async def book_with(clinic: Clinic, patient_id: int, name: str) -> Appointment:
    return await clinic.book(patient_id, TUESDAY_1030_LIMA, await doctor_id(clinic, name))


async def status_of(clinic: Clinic, appointment: Appointment) -> Appointment:
    [found] = [a for a in await clinic.appointments() if a.id == appointment.id]
    return found


async def test_in_peru_the_doctor_accepts_from_the_message_and_marks_the_visit_completed(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    martin = await linked(api, clinic, "Dr. Martín Salazar")
    ana, _ = await patient(api, clinic)

    await ana.send("/book")
    await ana.wait_for("Elige una especialidad")
    await ana.tap("Cardiología")
    await ana.wait_for("Elige un médico")
    await ana.tap("Dr. Martín Salazar")
    await ana.wait_for("Elige un día")
    await ana.tap("mar 5")
    await ana.wait_for("Elige una hora")
    await ana.tap("10:30")
    await ana.wait_for("¿Confirmas?")
    await ana.tap("Confirmar")
    booked = await ana.wait_for("Cita registrada")
    offer = await martin.wait_for("Nueva reserva")
    await martin.tap("Aceptar")
    settled = await martin.wait_for("Aceptaste la reserva")
    told = await ana.wait_for("está confirmada con Dr. Martín Salazar")
    await martin.send("/agenda")
    await martin.wait_for("Tu agenda")
    await martin.tap("Mañana")
    tomorrow = await martin.wait_for("10:30 · Paciente Prueba")
    clinic.clock.set(TUESDAY_1030_LIMA + timedelta(minutes=10))
    await martin.send("/agenda")
    await martin.wait_for("confirmada")
    await martin.tap("10:30 Atendida")
    await martin.wait_for("Marcada como atendida")

    [appointment] = await clinic.appointments()
    assert "La clínica la está confirmando" in booked.text
    assert "Paciente Prueba · Cardiología · martes, 5 de mayo de 2026 a las 10:30" in offer.text
    assert "Responde antes de las 10:00" in offer.text  # 2 h from 08:00
    assert settled.buttons() == []
    assert appointment.reference in told.text
    assert f"confirmada · {appointment.reference}" in tomorrow.text
    assert appointment.status is Status.COMPLETED


async def test_a_declined_booking_goes_to_a_colleague_who_accepts_and_the_patient_is_told(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    martin = await linked(api, clinic, "Dr. Martín Salazar")
    rosa = await linked(api, clinic, "Dra. Rosa Mendoza")
    ana, ana_id = await patient(api, clinic)
    appointment = await book_with(clinic, ana_id, "Dr. Martín Salazar")

    await martin.wait_for(f"Nueva reserva {appointment.reference}")
    await martin.tap("Rechazar")
    await martin.wait_for("Nueva reserva")  # the same message, now with reasons
    await martin.tap("Tengo otro compromiso")
    await martin.wait_for("Rechazaste la reserva")
    offered = await rosa.wait_for(f"Nueva reserva {appointment.reference}")
    moved = await ana.wait_for("ahora es con Dra. Rosa Mendoza")
    await rosa.tap("Aceptar")
    confirmed = await ana.wait_for("está confirmada con Dra. Rosa Mendoza")

    found = await status_of(clinic, appointment)
    assert offered.buttons() == ["Aceptar", "Rechazar"]
    assert "10:30" in moved.text
    assert appointment.reference in confirmed.text
    assert (found.status, found.doctor_id) == (
        Status.ASSIGNED,
        await doctor_id(clinic, "Dra. Rosa Mendoza"),
    )
    assert any("busy" in change.reason for change in found.history)
    await martin.tap_data(f"of:y:{appointment.id.hex}")  # his old Accept, forged again
    alert = await martin.wait_for_alert("Esta reserva ya fue aceptada")
    assert alert.show_alert


async def a_colleague_busy_then(api: BotApiStandIn, clinic: Clinic) -> None:
    """Dra. Rosa Mendoza, the other cardiologist in Lima, has a patient at the time."""
    _, ben_id = await patient(api, clinic, "Ben")
    await clinic.confirm(await book_with(clinic, ben_id, "Dra. Rosa Mendoza"))


async def test_a_decline_with_no_colleague_free_rejects_and_offers_the_next_free_times(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    martin = await linked(api, clinic, "Dr. Martín Salazar")
    await a_colleague_busy_then(api, clinic)
    ana, ana_id = await patient(api, clinic)
    appointment = await book_with(clinic, ana_id, "Dr. Martín Salazar")

    await martin.wait_for(f"Nueva reserva {appointment.reference}")
    await martin.tap("Rechazar")
    await martin.wait_for("Nueva reserva")
    await martin.tap("Otro motivo…")
    await martin.wait_for("Escribe el motivo")
    await martin.send("Congreso médico ese día")
    await martin.wait_for("Rechazaste la reserva")
    rejected = await ana.wait_for(f"tu cita {appointment.reference} .* no pudo confirmarse")

    found = await status_of(clinic, appointment)
    assert found.status is Status.REJECTED
    assert "no hay otro médico libre" in rejected.text
    assert rejected.buttons()[:2] == ["lun 4 10:00", "lun 4 10:30"]
    assert any("Congreso médico" in change.reason for change in found.history)
    _, carl_id = await patient(api, clinic, "Carl")
    again = await book_with(clinic, carl_id, "Dr. Martín Salazar")  # the slot is free again
    assert again.start == TUESDAY_1030_LIMA
    await ana.tap("lun 4 10:30")
    await ana.wait_for("¿Confirmas?")
    await ana.tap("Confirmar")
    rebooked = await ana.wait_for("Cita registrada")
    assert "lunes, 4 de mayo de 2026" in rebooked.text


async def test_no_answer_before_the_deadline_is_handled_as_a_decline(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    martin = await linked(api, clinic, "Dr. Martín Salazar")
    await a_colleague_busy_then(api, clinic)
    ana, ana_id = await patient(api, clinic)
    appointment = await book_with(clinic, ana_id, "Dr. Martín Salazar")
    await martin.wait_for(f"Nueva reserva {appointment.reference}")

    clinic.clock.set(clinic.clock.now() + timedelta(hours=2))
    lapsed = await martin.wait_for("No respondiste a tiempo")
    rejected = await ana.wait_for("no pudo confirmarse")

    assert appointment.reference in lapsed.text
    assert "La clínica no pudo confirmarla a tiempo" in rejected.text
    assert (await status_of(clinic, appointment)).status is Status.REJECTED
    await martin.tap("Aceptar")  # too late
    await martin.wait_for_alert("ya no espera tu respuesta")


async def test_in_chile_a_booking_is_assigned_automatically_within_a_second(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = api.person("Ana", language_code="es")
    await ana.send("/start")
    await ana.wait_for("¿Aceptas?")
    ana_id = await clinic.register(ana.user_id, country="CL")
    santiago_11 = datetime(2026, 5, 5, 15, 0, tzinfo=UTC)  # Tuesday 11:00 in Santiago

    started = time.monotonic()
    appointment = await clinic.book(
        ana_id, santiago_11, await doctor_id(clinic, "Dr. Matías Rojas")
    )
    while (await status_of(clinic, appointment)).status is not Status.ASSIGNED:
        assert time.monotonic() - started < 1.0, "not assigned within a second"
        await asyncio.sleep(0.02)
    told = await ana.wait_for("está confirmada con Dr. Matías Rojas")

    assert appointment.reference in told.text


async def test_the_agenda_lists_what_waits_for_the_doctors_answer_and_accepts_from_there(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    martin = await linked(api, clinic, "Dr. Martín Salazar")
    ana, ana_id = await patient(api, clinic)
    appointment = await book_with(clinic, ana_id, "Dr. Martín Salazar")
    await martin.wait_for(f"Nueva reserva {appointment.reference}")

    await martin.send("/agenda")
    shown = await martin.wait_for("Esperan tu respuesta")
    await martin.tap("Aceptar mar 5 10:30")
    await martin.wait_for("Aceptaste la reserva")
    await ana.wait_for("está confirmada con Dr. Martín Salazar")

    assert f"mar 5 10:30 · Paciente Prueba · pendiente · {appointment.reference}" in shown.text
    assert "Rechazar mar 5 10:30" in shown.buttons()
    assert (await status_of(clinic, appointment)).status is Status.ASSIGNED
