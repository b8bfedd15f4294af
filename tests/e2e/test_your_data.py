"""A person's data: /mydata sends a copy, /forget erases them after asking, and an admin
does both for a patient who asks by phone."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from bot.sandbox.standin import BotApiStandIn, ChatMessage, Person
from domain.status import Status
from storage.tables import audit_log
from tests.e2e.medbot import ADMIN_ID, Clinic
from tests.e2e.test_agenda import linked_doctor
from tests.traces import traces_of

TUESDAY_1030_LIMA = datetime(2026, 5, 5, 15, 30, tzinfo=UTC)
ACCOUNT = 7_654_321_987
NAME, DNI, PHONE = "Zoraida Quisquetl Mamani", "73914826", "51912837465"


async def registered_in_peru(api: BotApiStandIn, clinic: Clinic) -> tuple[Person, int]:
    zoraida = api.person("Zoraida", language_code="es", user_id=ACCOUNT)
    return zoraida, await register(zoraida, clinic)


async def register(zoraida: Person, clinic: Clinic) -> int:
    """Zoraida registers by typing and tapping, as anyone does; her patient id."""
    await zoraida.send("/start")
    await zoraida.wait_for("¿Aceptas?")
    await zoraida.tap("Acepto")
    await zoraida.wait_for("nombre completo")
    await zoraida.send(NAME)
    await zoraida.wait_for("¿En qué país")
    await zoraida.tap("Perú")
    await zoraida.wait_for("Escribe tu DNI")
    await zoraida.send(DNI)
    await zoraida.wait_for("comparte tu teléfono")
    await zoraida.share_contact(PHONE)
    await zoraida.wait_for("Ya estás registrado")
    patient = await clinic.role_of(ACCOUNT)
    return patient.id or 0


def content(api: BotApiStandIn, message: ChatMessage) -> str:
    assert message.document is not None
    return api.file_content(str(message.document["file_id"])).decode()


async def test_a_patient_gets_a_readable_summary_and_a_json_copy_of_their_data(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    zoraida, patient = await registered_in_peru(api, clinic)
    appointment = await clinic.book(patient, TUESDAY_1030_LIMA)

    await zoraida.send("/mydata")
    summary = await zoraida.wait_for_document(r"\.txt$")
    copy = await zoraida.wait_for_document(r"\.json$")

    text = content(api, summary)
    data = json.loads(content(api, copy))
    assert "Todo lo que guardamos sobre ti" in summary.shown_text
    assert f"Nombre: {NAME}" in text
    assert f"Documento de identidad: {DNI} (PE)" in text
    assert f"{appointment.reference}: martes, 5 de mayo de 2026 a las 10:30" in text
    assert data["profile"]["national_id"] == DNI
    assert data["profile"]["telegram_user_id"] == ACCOUNT
    assert [a["reference"] for a in data["appointments"]] == [appointment.reference]
    assert "patient.registered" in [e["action"] for e in data["audit"]]
    async with clinic.engine.connect() as conn:
        query = select(audit_log.c.actor_role).where(audit_log.c.action == "patient.data_exported")
        assert (await conn.execute(query)).scalars().all() == ["patient"]


async def test_forget_asks_first_and_keeping_the_data_changes_nothing(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    zoraida, _patient = await registered_in_peru(api, clinic)

    await zoraida.send("/forget")
    await zoraida.wait_for("¿Borrar tus datos?")
    await zoraida.tap("No, conservarlos")
    kept = await zoraida.wait_for("No se borró nada")

    assert kept.text == "No se borró nada."
    assert (await clinic.role_of(ACCOUNT)).role == "patient"


async def test_after_forget_the_doctor_is_told_and_the_persons_values_are_nowhere_in_the_database(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    doctor = await linked_doctor(api, clinic)
    zoraida, patient = await registered_in_peru(api, clinic)
    appointment = await clinic.book(patient, TUESDAY_1030_LIMA)
    await doctor.wait_for(f"Nueva reserva {appointment.reference}")  # offered, with the name

    await zoraida.send("/forget")
    await zoraida.wait_for("¿Borrar tus datos?")
    await zoraida.tap("Sí, borrar mis datos")
    done = await zoraida.wait_for("Tus datos han sido borrados")
    told = await doctor.wait_for(f"Tu cita {appointment.reference} .* fue cancelada")
    settled = await clinic.settled(appointment)
    await clinic.restart()  # whatever the bot held in memory is written out

    assert "citas canceladas: 1" in done.text
    assert NAME not in told.text  # the doctor is told of the visit, not of whose it was
    assert settled.status is Status.CANCELLED
    assert (await clinic.role_of(ACCOUNT)).role == "guest"
    assert await traces_of(clinic.engine, [NAME, DNI, PHONE], ACCOUNT) == []


async def test_after_forget_the_person_registers_again_as_someone_new(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    zoraida, first = await registered_in_peru(api, clinic)
    await zoraida.send("/forget")
    await zoraida.wait_for("¿Borrar tus datos?")
    await zoraida.tap("Sí, borrar mis datos")
    await zoraida.wait_for("Tus datos han sido borrados")

    second = await register(zoraida, clinic)

    assert second != first


async def test_an_admin_exports_and_erases_a_patient_who_asks_by_phone(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    _zoraida, patient = await registered_in_peru(api, clinic)
    appointment = await clinic.book(patient, TUESDAY_1030_LIMA)
    admin = api.person("Admin", language_code="es", user_id=ADMIN_ID)
    await admin.send("/admin")
    await admin.wait_for("Menú de administración")
    await admin.tap("Citas")
    await admin.wait_for("Citas: elige un lugar")
    await admin.tap("Buscar por referencia o documento")
    await admin.wait_for("Escribe la referencia")
    await admin.send(DNI)
    await admin.wait_for(f"Citas de {NAME}")

    await admin.tap("Exportar datos")
    copy = await admin.wait_for_document(r"\.json$")
    await admin.tap("Borrar paciente")
    await admin.wait_for(f"¿Borrar a {NAME}?")
    await admin.tap("Sí, borrar")
    erased = await admin.wait_for("Paciente borrado")
    settled = await clinic.settled(appointment)
    await clinic.restart()

    assert json.loads(content(api, copy))["profile"]["full_name"] == NAME
    assert "citas canceladas: 1" in erased.text
    assert settled.status is Status.CANCELLED
    async with clinic.engine.connect() as conn:
        query = select(audit_log.c.action, audit_log.c.actor_role, audit_log.c.actor_id)
        rows = (await conn.execute(query.where(audit_log.c.action.like("patient.%")))).all()
    assert ("patient.data_exported", "admin", ADMIN_ID) in rows
    assert ("patient.erased", "admin", ADMIN_ID) in rows
    assert await traces_of(clinic.engine, [NAME, DNI, PHONE], ACCOUNT) == []
