"""Status messages and reminders, delivered from the outbox by the outbox sender."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.sandbox.standin import BotApiStandIn
from bot.sandbox.standin.driver import Person
from domain.notifications import Kind
from tests.e2e.medbot import ADMIN_ID, Clinic
from tests.e2e.test_booking import walk_to_summary

TUESDAY_1030_LIMA = datetime(2026, 5, 5, 15, 30, tzinfo=UTC)


async def in_chat(person: Person) -> Person:
    """``person`` has written to the bot and had its answer, so a fault injected next
    meets the outbox, not that answer still on its way."""
    await person.send("/start")
    await person.wait_for("¿Aceptas?")
    return person


async def test_reminders_come_at_the_peruvian_offsets_with_cancel_only_while_the_window_is_open(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = api.person("Ana", language_code="es")
    await clinic.register(ana.user_id)
    await walk_to_summary(ana)
    await ana.tap("Confirmar")
    booked = await ana.wait_for("Cita registrada")
    [appointment] = await clinic.appointments()
    await clinic.confirm(appointment)

    clinic.clock.set(TUESDAY_1030_LIMA - timedelta(hours=24))
    first = await ana.wait_for("Recordatorio")
    clinic.clock.set(TUESDAY_1030_LIMA - timedelta(hours=2))
    second = await ana.wait_for("Recordatorio")

    assert appointment.reference in booked.text
    expected = (
        f"Recordatorio: tu cita {appointment.reference} con Dr. Martín Salazar es el "
        "martes, 5 de mayo de 2026 a las 10:30 (America/Lima)."
    )
    assert first.text == expected
    assert first.buttons() == ["Asistiré", "Cancelar cita"]
    # 2 h before, Peru's 12 h cancellation window has closed: the clinic's phone instead
    assert second.text == f"{expected}\nPara cualquier consulta, llama a la clínica: +5117001000"
    assert second.buttons() == ["Asistiré"]
    await ana.tap("Asistiré")
    await ana.wait_for_alert("Gracias")


async def test_an_english_speaking_patient_in_chile_is_reminded_in_english_in_santiago_time(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    john = api.person("John", language_code="en")
    await john.send("/start")
    patient = await clinic.register(john.user_id, country="CL", language="en")
    start = datetime(2026, 5, 7, 14, 0, tzinfo=UTC)  # 10:00 in Santiago
    appointment = await clinic.book(patient, start, doctor_id=7)

    clinic.clock.set(start - timedelta(hours=48))
    reminder = await john.wait_for("Reminder")

    assert reminder.text == (
        f"Reminder: your appointment {appointment.reference} with Dra. Javiera Soto is on "
        "Thursday, 7 May 2026 at 10:00 (America/Santiago)."
    )
    assert reminder.buttons() == ["I'll attend", "Cancel appointment"]


async def test_after_a_cancellation_no_reminder_comes(api: BotApiStandIn, clinic: Clinic) -> None:
    ana = api.person("Ana", language_code="es")
    patient = await clinic.register(ana.user_id)
    appointment = await clinic.book(patient, TUESDAY_1030_LIMA)
    await ana.send("/my")
    await ana.wait_for("Tus próximas citas")
    await ana.tap(f"Cancelar {appointment.reference}")
    await ana.wait_for("Seguro")
    await ana.tap("Sí, cancelar")
    await ana.wait_for("fue cancelada")

    clinic.clock.set(TUESDAY_1030_LIMA - timedelta(minutes=30))
    await asyncio.sleep(0.5)  # ten outbox rounds

    assert not any("Recordatorio" in m.shown_text for m in ana.messages)
    assert sorted(await clinic.notification_states(Kind.REMINDER)) == ["withdrawn", "withdrawn"]


async def test_reminders_are_not_sent_once_the_visit_has_begun(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = await in_chat(api.person("Ana", language_code="es"))
    patient = await clinic.register(ana.user_id)
    await clinic.confirm(await clinic.book(patient, TUESDAY_1030_LIMA))

    # The bot was down from booking until after the visit: both reminders are overdue.
    clinic.clock.set(TUESDAY_1030_LIMA + timedelta(minutes=5))
    await asyncio.sleep(0.5)  # ten outbox rounds

    assert not any("Recordatorio" in m.shown_text for m in ana.messages)
    reminders = await clinic.notification_states(Kind.REMINDER)
    assert sorted(reminders) == ["withdrawn", "withdrawn"]


async def test_a_reminder_due_in_quiet_hours_comes_the_evening_before(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = await in_chat(api.person("Ana", language_code="es"))
    patient = await clinic.register(ana.user_id)
    nine = datetime(2026, 5, 5, 14, 0, tzinfo=UTC)  # Tuesday 09:00 in Lima; 2 h before is 07:00
    await clinic.confirm(await clinic.book(patient, nine))

    clinic.clock.set(datetime(2026, 5, 5, 1, 58, tzinfo=UTC))  # Monday 20:58 in Lima
    await asyncio.sleep(0.3)
    assert sum("Recordatorio" in m.shown_text for m in ana.messages) == 1  # the 24-hour one
    clinic.clock.set(datetime(2026, 5, 5, 1, 59, tzinfo=UTC))  # 20:59, before quiet hours

    for _ in range(100):
        if sum("Recordatorio" in m.shown_text for m in ana.messages) == 2:
            break
        await asyncio.sleep(0.05)
    reminders = [m.shown_text for m in ana.messages if "Recordatorio" in m.shown_text]
    assert len(reminders) == 2
    assert reminders[0] == reminders[1]  # both name Tuesday 09:00


async def test_a_429_storm_delays_but_delivers_everything_once(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    people = [await in_chat(api.person(f"P{i}", language_code="es")) for i in range(6)]
    booked = []
    for i, person in enumerate(people):
        patient = await clinic.register(person.user_id)
        afternoon = TUESDAY_1030_LIMA + timedelta(hours=3, minutes=30 + 30 * i)  # from 14:00
        booked.append(await clinic.book(patient, afternoon))
    api.faults.throttle_next(retry_after=1, times=4, method="sendMessage")
    started = asyncio.get_running_loop().time()

    for appointment in booked:
        await clinic.cancel_as_clinic(appointment)
    for person in people:
        await person.wait_for("fue cancelada", timeout=15)

    assert asyncio.get_running_loop().time() - started >= 1.0  # retry_after honoured
    texts = [m.shown_text for p in people for m in p.messages if "fue cancelada" in m.shown_text]
    assert len(texts) == len(set(texts)) == 6
    for _ in range(100):  # the last rows are being marked
        if (await clinic.notification_states()).count("sent") == 6:
            break
        await asyncio.sleep(0.05)
    assert (await clinic.notification_states()).count("sent") == 6


async def test_server_errors_are_retried_with_backoff_then_delivered(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = await in_chat(api.person("Ana", language_code="es"))
    patient = await clinic.register(ana.user_id)
    appointment = await clinic.book(patient, TUESDAY_1030_LIMA)
    api.faults.fail_next(502, method="sendMessage", times=1)

    await clinic.cancel_as_clinic(appointment)
    await asyncio.sleep(0.3)
    assert not any("fue cancelada" in m.shown_text for m in ana.messages)  # waiting out the backoff
    clinic.clock.advance(timedelta(seconds=10))

    await ana.wait_for(f"Tu cita {appointment.reference} .* fue cancelada")


async def cancelled_after_blocking_the_bot(api: BotApiStandIn, clinic: Clinic) -> Person:
    """Ana books, blocks the bot, and the clinic cancels: the message to her must die."""
    ana = await in_chat(api.person("Ana", language_code="es"))
    patient = await clinic.register(ana.user_id)
    appointment = await clinic.book(patient, TUESDAY_1030_LIMA)
    ana.block_bot()
    await clinic.cancel_as_clinic(appointment)
    return ana


async def test_a_patient_who_blocked_the_bot_is_marked_unreachable_and_admins_are_alerted(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    admin = api.person("Admin", language_code="es", user_id=ADMIN_ID)
    await admin.send("/start")
    ana = await cancelled_after_blocking_the_bot(api, clinic)
    alert = await admin.wait_for("Aviso para administradores")

    assert "mensajes no se pudieron entregar" in alert.text
    states = await clinic.notification_states()
    assert states.count("dead") == 1
    assert states.count("withdrawn") == 2
    assert await clinic.unreachable(ana.user_id)


async def test_an_admin_who_chose_english_is_alerted_in_english(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    admin = api.person("Admin", language_code="es", user_id=ADMIN_ID)
    await admin.send("/language")
    await admin.wait_for("Elige tu idioma")
    await admin.tap("English")
    await admin.wait_for("I will speak English")
    await cancelled_after_blocking_the_bot(api, clinic)
    alert = await admin.wait_for("Admin notice")

    assert "could not be delivered" in alert.text
