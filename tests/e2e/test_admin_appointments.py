"""Admin → Appointments, Statistics and Audit, as an admin types and taps them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.sandbox.standin import BotApiStandIn, Person
from domain.entities import Appointment
from domain.status import Status
from storage.tables import audit_log
from tests.e2e.medbot import ADMIN_ID, Clinic, national_id_for
from tests.e2e.test_notifications import in_chat

TUESDAY_1030_LIMA = datetime(2026, 5, 5, 15, 30, tzinfo=UTC)
DOCTOR_ID = 1  # the demo clinic's first doctor


async def doctor_name(clinic: Clinic) -> str:
    async with clinic.deps.uow(read_only=True) as uow:
        doctor = await uow.doctors.get(DOCTOR_ID)
    assert doctor is not None
    return doctor.full_name


async def open_appointments(admin: Person) -> None:
    await admin.send("/admin")
    await admin.wait_for("Menú de administración")
    await admin.tap("Citas")
    await admin.wait_for("Citas: elige un lugar")


async def audit_rows(clinic: Clinic, action: str) -> list[tuple[str, int | None, str]]:
    async with clinic.engine.connect() as conn:
        query = select(audit_log.c.actor_role, audit_log.c.actor_id, audit_log.c.record_id)
        rows = await conn.execute(query.where(audit_log.c.action == action))
        return [(r.actor_role, r.actor_id, r.record_id) for r in rows]


async def booked(clinic: Clinic, admin: Person, patient: int, start: datetime) -> Appointment:
    """Book with Dr. Lucía Quispe, who is not linked: the admin is asked to confirm, and
    the offer is read past before the admin acts."""
    await admin.send("/admin")  # the admin's chat with the bot is open
    await admin.wait_for("(Menú de administración|Admin menu)")
    appointment = await clinic.book(patient, start, DOCTOR_ID)
    await admin.wait_for(f"(La reserva|Booking) {appointment.reference}")
    return appointment


async def test_an_admin_finds_an_appointment_in_the_days_list_sees_its_history_and_cancels_it(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = await in_chat(api.person("Ana", language_code="es"))
    patient = await clinic.register(ana.user_id)
    admin = api.person("Admin", language_code="es", user_id=ADMIN_ID)
    appointment = await booked(clinic, admin, patient, TUESDAY_1030_LIMA)
    await clinic.settled(appointment)  # pending: the clinic is asked to confirm it
    doctor = await doctor_name(clinic)

    await open_appointments(admin)
    await admin.tap("Por médico")
    await admin.wait_for("¿De qué médico?")
    await admin.tap(doctor)
    await admin.wait_for("lunes, 4 de mayo de 2026")
    await admin.tap("Día siguiente »")
    day = await admin.wait_for("martes, 5 de mayo de 2026")
    await admin.tap(f"10:30 {appointment.reference}")
    opened = await admin.wait_for("Historial:")
    await admin.tap("Cancelar con un motivo")
    await admin.wait_for("Escribe el motivo")
    await admin.send("El médico está enfermo")
    done = await admin.wait_for("Cita cancelada")
    told = await ana.wait_for(f"Tu cita {appointment.reference} .* fue cancelada")

    line = f"10:30 · Paciente Prueba · {doctor} · pendiente · {appointment.reference}"
    assert line in day.text
    assert f"Cita {appointment.reference}" in opened.text
    assert "Paciente: Paciente Prueba" in opened.text
    assert "a las 10:30 (America/Lima)" in opened.text
    assert f"registrada (patient:{patient})" in opened.text
    assert f"cancelada (admin:{ADMIN_ID}): El médico está enfermo" in done.text
    assert "Cancelar con un motivo" not in admin.buttons()
    assert appointment.reference in told.text
    [cancelled] = await clinic.appointments()
    assert cancelled.status is Status.CANCELLED
    assert cancelled.history[-1].reason == "El médico está enfermo"


async def test_finding_a_patient_by_national_id_leaves_an_audit_row_without_the_id(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = api.person("Ana", language_code="es")
    patient = await clinic.register(ana.user_id)
    admin = api.person("Admin", language_code="es", user_id=ADMIN_ID)
    appointment = await booked(clinic, admin, patient, TUESDAY_1030_LIMA)

    await open_appointments(admin)
    await admin.tap("Buscar por referencia o documento")
    await admin.wait_for("Escribe la referencia")
    await admin.send("no es nada")
    await admin.wait_for("ni un documento válido")
    dni = national_id_for(ana.user_id, "PE")  # the DNI Clinic.register gives
    await admin.send(dni)
    found = await admin.wait_for("Citas de Paciente Prueba")

    assert appointment.reference in found.text
    assert await audit_rows(clinic, "patient.looked_up") == [("admin", ADMIN_ID, str(patient))]
    async with clinic.engine.connect() as conn:
        stored = [tuple(r) for r in await conn.execute(select(audit_log))]
    assert not any(dni in str(value) for row in stored for value in row)


async def test_opening_an_appointment_by_reference_is_audited(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = api.person("Ana", language_code="es")
    patient = await clinic.register(ana.user_id)
    admin = api.person("Admin", language_code="en", user_id=ADMIN_ID)
    appointment = await booked(clinic, admin, patient, TUESDAY_1030_LIMA)

    await admin.send("/admin")
    await admin.wait_for("Admin menu")
    await admin.tap("Appointments")
    await admin.wait_for("Appointments: choose")
    await admin.tap("Find by reference or national ID")
    await admin.wait_for("Type the appointment's reference")
    await admin.send(appointment.reference.lower().replace("-", " "))
    opened = await admin.wait_for("History:")

    assert f"Appointment {appointment.reference}" in opened.text
    viewed = await audit_rows(clinic, "appointment.viewed")
    assert viewed == [("admin", ADMIN_ID, str(appointment.id))]


async def test_a_non_admin_tapping_a_forged_admin_button_gets_the_stale_alert(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = api.person("Ana", language_code="es")
    patient = await clinic.register(ana.user_id)
    appointment = await clinic.book(patient, TUESDAY_1030_LIMA, DOCTOR_ID)
    await ana.send("/my")
    await ana.wait_for("Tus próximas citas")

    await ana.tap_data(f"adm:ap:o:{appointment.id.hex}")
    alert = await ana.wait_for_alert("ya no es válido")
    await ana.tap_data("adm:sx:w:all")
    await ana.wait_for_alert("ya no es válido")

    assert alert is not None
    assert await audit_rows(clinic, "appointment.viewed") == []
    assert "Historial" not in ana.last_message.text


async def test_an_admin_sees_this_weeks_statistics_with_who_cancelled(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = api.person("Ana", language_code="en")
    patient = await clinic.register(ana.user_id)
    admin = api.person("Admin", language_code="en", user_id=ADMIN_ID)
    kept = await booked(clinic, admin, patient, TUESDAY_1030_LIMA)
    gone = await booked(clinic, admin, patient, datetime(2026, 5, 6, 16, 0, tzinfo=UTC))
    await clinic.cancel_as_clinic(gone)

    await admin.send("/admin")
    await admin.wait_for("Admin menu")
    await admin.tap("Statistics")
    await admin.wait_for("choose the period")
    await admin.tap("This week")
    totals = await admin.wait_for("Bookings: 2")
    await admin.tap("By doctor")
    by_doctor = await admin.wait_for("Fill rate")

    assert "Cancelled: 1 (patient 0, admin 1, doctor 0, system 0)" in totals.text
    assert "4 May 2026" in totals.text
    assert await doctor_name(clinic) in by_doctor.text
    assert kept.reference not in by_doctor.text  # counts, never patients


async def test_leaving_a_set_up_prompt_for_another_section_leaves_nothing_waiting_for_text(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    admin = api.person("Admin", language_code="es", user_id=ADMIN_ID)
    await admin.send("/admin")
    await admin.wait_for("Menú de administración")
    await admin.tap("Especialidades y sedes")
    await admin.wait_for("Sedes:")
    await admin.tap("Agregar especialidad")
    await admin.wait_for("en español y en inglés")
    await admin.tap_data("adm:s:appointments")  # the older menu message's "Citas"
    await admin.wait_for("Citas: elige un lugar")
    await admin.tap("Buscar por referencia o documento")
    await admin.wait_for("Escribe la referencia")

    await admin.send("K7M2-9QX4")
    await admin.wait_for("No encontré nada")

    async with clinic.deps.uow(read_only=True) as uow:
        assert all(s.code != "K7M2-9QX4" for s in await uow.specialties.list_all())


async def test_admin_between_a_reason_prompt_and_later_text_cancels_nothing(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = await in_chat(api.person("Ana", language_code="es"))
    patient = await clinic.register(ana.user_id)
    admin = api.person("Admin", language_code="es", user_id=ADMIN_ID)
    appointment = await booked(clinic, admin, patient, TUESDAY_1030_LIMA)
    before = (await clinic.settled(appointment)).status
    await open_appointments(admin)
    await admin.tap("Buscar por referencia o documento")
    await admin.wait_for("Escribe la referencia")
    await admin.send(appointment.reference)
    await admin.wait_for("Historial:")
    await admin.tap("Cancelar con un motivo")
    await admin.wait_for("Escribe el motivo")

    await admin.send("/admin")
    await admin.wait_for("Menú de administración")
    await admin.send("hola, ¿cómo va todo?")
    await admin.tap("Personal e invitaciones")
    await admin.wait_for("Personal")

    [unchanged] = await clinic.appointments()
    assert unchanged.status is before


async def test_the_audit_shows_one_actors_actions_when_the_admin_types_who(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = api.person("Ana", language_code="es")
    patient = await clinic.register(ana.user_id)
    admin = api.person("Admin", language_code="es", user_id=ADMIN_ID)
    await booked(clinic, admin, patient, TUESDAY_1030_LIMA)
    await admin.send("/admin")
    await admin.wait_for("Menú de administración")
    await admin.tap("Auditoría")
    await admin.wait_for("Últimas acciones")
    await admin.tap("Por actor")
    await admin.wait_for("Escribe el actor")
    await admin.send("nadie")
    await admin.wait_for("Eso no es un actor")

    await admin.send(f"patient:{patient}")
    shown = await admin.wait_for("appointment.booked")

    assert f"patient:{patient}" in shown.text
    assert "clinic.imported" not in shown.text  # the system's, not this patient's
    assert f"admin:{ADMIN_ID}" not in shown.text
