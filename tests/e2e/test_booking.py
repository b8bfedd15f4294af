"""Registered patients book, race, restart, double-tap, cancel and forge buttons."""

from __future__ import annotations

import asyncio
import random
import string

from bot.sandbox.standin import BotApiStandIn, Person
from domain.status import Status
from tests.e2e.medbot import Clinic


async def walk_to_summary(person: Person, day: str = "mar 5", time: str = "10:30") -> None:
    await person.send("/book")
    await person.wait_for("Elige una especialidad")
    await person.tap("Cardiología")
    await person.wait_for("Elige un médico")
    await person.tap("Dr. Martín Salazar")
    await person.wait_for("Elige un día")
    await person.tap(day)
    await person.wait_for("Elige una hora")
    await person.tap(time)
    await person.wait_for("¿Confirmas?")


async def test_two_patients_racing_for_one_slot_leave_one_booked_and_show_the_other_fresh_times(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana, ben = api.person("Ana"), api.person("Ben")
    for person in (ana, ben):
        await clinic.register(person.user_id)
        await walk_to_summary(person)

    await asyncio.gather(ana.tap("Confirmar"), ben.tap("Confirmar"))
    outcomes = await asyncio.gather(
        *(p.wait_for("Cita registrada|alguien acaba de reservar") for p in (ana, ben))
    )

    texts = sorted(m.text for m in outcomes)
    assert texts[0].startswith("Cita registrada")
    assert "alguien acaba de reservar esa hora" in texts[1]
    loser = ben if "alguien" in outcomes[1].text else ana
    assert "10:30" not in loser.buttons()
    assert "11:00" in loser.buttons()
    assert len(await clinic.appointments()) == 1


async def test_a_double_tap_on_confirm_books_once(api: BotApiStandIn, clinic: Clinic) -> None:
    ana = api.person("Ana")
    await clinic.register(ana.user_id)
    await walk_to_summary(ana)

    await asyncio.gather(ana.tap("Confirmar"), ana.tap("Confirmar"))
    await ana.wait_for("Cita registrada")
    await ana.wait_for_alert("ya no es válido")

    assert len(await clinic.appointments()) == 1
    assert sum("Cita registrada" in m.shown_text for m in ana.messages) == 1


async def test_a_restart_in_the_middle_of_booking_resumes_at_the_same_step(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = api.person("Ana")
    await clinic.register(ana.user_id)
    await ana.send("/book")
    await ana.wait_for("Elige una especialidad")
    await ana.tap("Cardiología")
    await ana.wait_for("Elige un médico")
    await ana.tap("Dr. Martín Salazar")
    await ana.wait_for("Elige un día")

    await clinic.restart()

    await ana.tap("mar 5")
    await ana.wait_for("Elige una hora para el martes, 5 de mayo")
    await ana.tap("10:30")
    summary = await ana.wait_for("¿Confirmas?")
    assert "Cardiología" in summary.text
    assert "Dr. Martín Salazar" in summary.text
    await ana.tap("Confirmar")
    await ana.wait_for("Cita registrada")


async def test_back_returns_to_the_previous_step_and_cancel_saves_nothing(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = api.person("Ana")
    await clinic.register(ana.user_id)
    await walk_to_summary(ana)

    await ana.tap("« Atrás")
    await ana.wait_for("Elige una hora")
    await ana.tap("« Atrás")
    await ana.wait_for("Elige un día")
    await ana.tap("Cancelar")
    await ana.wait_for("Reserva cancelada")

    assert await clinic.appointments() == []


async def test_my_appointments_lists_them_and_cancelling_frees_the_slot(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana, ben = api.person("Ana"), api.person("Ben")
    await clinic.register(ana.user_id)
    await clinic.register(ben.user_id)
    await walk_to_summary(ana)
    await ana.tap("Confirmar")
    await ana.wait_for("Cita registrada")
    [appointment] = await clinic.appointments()

    await ana.send("/my")
    listing = await ana.wait_for("Tus próximas citas")
    assert appointment.reference in listing.text
    assert "registrada" in listing.text
    await ana.tap(f"Cancelar {appointment.reference}")
    await ana.wait_for("Seguro que quieres cancelar")
    await ana.tap("Sí, cancelar")
    await ana.wait_for(f"La cita {appointment.reference} fue cancelada")

    [cancelled] = await clinic.appointments()
    assert cancelled.status == Status.CANCELLED
    await walk_to_summary(ben)  # 10:30 is offered again
    await ben.tap("Confirmar")
    await ben.wait_for("Cita registrada")


async def test_forged_buttons_get_a_polite_refusal_and_change_nothing(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana, mallory = api.person("Ana"), api.person("Mallory")
    await clinic.register(ana.user_id)
    await clinic.register(mallory.user_id)
    await walk_to_summary(ana)
    await ana.tap("Confirmar")
    await ana.wait_for("Cita registrada")
    [appointment] = await clinic.appointments()
    before = (await clinic.settled(appointment)).status
    await mallory.send("/my")
    await mallory.wait_for("No tienes citas")
    noise = "".join(random.choices(string.ascii_letters + string.digits, k=64))

    for forged in (
        f"my:y:{appointment.id.hex}",  # someone else's appointment
        f"my:c:{appointment.id.hex}",
        "bk:slot:1:1778000000",  # a slot outside any booking
        "zz:garbage",
        noise,
    ):
        await mallory.tap_data(forged)
        await mallory.wait_for_alert("ya no es válido")

    [unchanged] = await clinic.appointments()
    assert unchanged.status == before
    assert len(await clinic.appointments()) == 1


async def test_a_forged_specialty_tapped_mid_booking_is_refused_and_the_booking_goes_on(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = api.person("Ana")
    await clinic.register(ana.user_id)
    await ana.send("/book")
    await ana.wait_for("Elige una especialidad")

    await ana.tap_data("bk:s:999")
    await ana.wait_for_alert("ya no es válido")  # the tap's one answer
    await ana.tap("Cardiología")
    await ana.wait_for("Elige un médico")

    assert not any("Algo salió mal" in m.shown_text for m in ana.messages)


async def test_an_old_cancel_edited_into_my_runs_nothing_and_says_edits_are_not_read(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = api.person("Ana")
    await clinic.register(ana.user_id)
    cancel = await ana.send("/cancel")
    await ana.wait_for("No hay nada que cancelar")

    await ana.edit(cancel, "/my")
    await ana.wait_for("No leo los mensajes editados")
    await ana.send("/language")  # what comes next shows the edit ran nothing before it
    await ana.wait_for("idioma")

    assert not [m for m in ana.messages if "No tienes citas" in m.shown_text]
