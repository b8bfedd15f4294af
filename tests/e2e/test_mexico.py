"""A patient in Mexico registers with a CURP and books in Mexico City time; an admin of
the clinic confirms the booking, as Mexico's processing asks."""

from __future__ import annotations

from bot.sandbox.standin import BotApiStandIn
from domain.status import Status
from tests.e2e.medbot import ADMIN_ID, Clinic


async def test_a_patient_in_mexico_registers_with_a_curp_books_and_an_admin_confirms(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    admin = api.person("Admin", language_code="es", user_id=ADMIN_ID)
    await admin.send("/start")
    maria = api.person("María", "García", language_code="es-MX")

    await maria.send("/start")
    await maria.wait_for("¿Aceptas?")
    await maria.tap("Acepto")
    await maria.wait_for("nombre completo")
    await maria.send("María García Ramos")
    await maria.wait_for("¿En qué país")
    assert {"Chile", "México", "Perú"} <= set(maria.buttons())
    await maria.tap("México")
    await maria.wait_for(r"Escribe tu CURP \(por ejemplo GAMA900115MDFRRN00\)")
    await maria.send("GAMA900115MDFRRN01")
    await maria.wait_for("El dígito verificador de ese CURP no coincide")
    await maria.send("gama900115mdfrrn00")
    await maria.wait_for("CURP registrado: GAMA900115MDFRRN00")
    await maria.wait_for("comparte tu teléfono")
    await maria.share_contact("+52 55 1234 5678")
    await maria.wait_for("Ya estás registrado")

    await maria.send("/book")
    await maria.wait_for("Elige una especialidad")
    await maria.tap("Medicina general")
    await maria.wait_for("Elige un médico de Medicina general")
    assert "Dra. Lucía Quispe" not in maria.buttons()  # Peru's
    await maria.tap("Dra. Guadalupe Hernández")
    await maria.wait_for("Elige un día")
    await maria.tap("lun 4")
    await maria.wait_for("Elige una hora para el lunes, 4 de mayo de 2026")
    # 07:00 in Mexico City now; Mexico's lead time is 4 h.
    assert "10:30" not in maria.buttons()
    await maria.tap("11:00")
    await maria.wait_for("¿Confirmas?")
    await maria.tap("Confirmar")
    booked = await maria.wait_for("Cita registrada")

    assert "Dra. Guadalupe Hernández" in booked.text
    assert "lunes, 4 de mayo de 2026" in booked.text
    assert "11:00 (America/Mexico_City)" in booked.text
    [appointment] = await clinic.appointments()
    assert appointment.country == "MX"
    assert appointment.start.isoformat() == "2026-05-04T17:00:00+00:00"  # UTC-6
    asked = await admin.wait_for(f"La reserva {appointment.reference} con Dra. Guadalupe")
    await admin.tap("Confirmar")
    await admin.wait_for("Aceptaste la reserva")
    told = await maria.wait_for("está confirmada con Dra. Guadalupe Hernández")
    assert "María García Ramos · Medicina general" in asked.text
    assert "11:00 (America/Mexico_City)" in told.text
    [confirmed] = await clinic.appointments()
    assert confirmed.status is Status.ASSIGNED
