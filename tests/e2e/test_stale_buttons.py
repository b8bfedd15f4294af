"""Buttons that no longer name anything get one polite answer, in the person's language."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import pytest

from bot.sandbox.standin import BotApiStandIn, Person
from tests.e2e.medbot import Clinic
from tests.e2e.test_reschedule import TUESDAY_1030_LIMA, open_calendar, pick_wednesday_11


def nothing_went_wrong(person: Person, caplog: pytest.LogCaptureFixture) -> None:
    assert not any(
        "Algo salió mal" in m.text or "went wrong" in m.shown_text for m in person.messages
    )
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def at_doctors(person: Person) -> None:
    await person.send("/book")
    await person.wait_for("Elige una especialidad")
    await person.tap("Cardiología")
    await person.wait_for("Elige un médico")


async def at_days(person: Person) -> None:
    await at_doctors(person)
    await person.tap("Dr. Martín Salazar")
    await person.wait_for("Elige un día")


async def at_times(person: Person) -> None:
    await at_days(person)
    await person.tap("mar 5")
    await person.wait_for("Elige una hora")


@pytest.mark.parametrize(
    ("walk", "forged", "goes_on"),
    [
        (at_doctors, "bk:d:999", "Dr. Martín Salazar"),
        (at_days, "bk:w:20250106", "mar 5"),  # a week long past
        (at_days, "bk:day:20300101", "mar 5"),  # beyond the horizon
    ],
)
async def test_a_stale_button_at_its_own_step_is_refused_once_and_the_booking_goes_on(
    api: BotApiStandIn,
    clinic: Clinic,
    caplog: pytest.LogCaptureFixture,
    *,
    walk: Callable[[Person], Awaitable[None]],
    forged: str,
    goes_on: str,
) -> None:
    ana = api.person("Ana", language_code="es")
    await clinic.register(ana.user_id)
    await walk(ana)

    await ana.tap_data(forged)
    await ana.wait_for_alert("ya no es válido")
    await ana.tap(goes_on)
    await ana.wait_for("Elige")

    assert not [m for m in ana.messages if "ya no es válido" in m.shown_text]  # one answer
    nothing_went_wrong(ana, caplog)


async def test_a_time_no_longer_offered_shows_the_fresh_times_with_a_note(
    api: BotApiStandIn, clinic: Clinic, caplog: pytest.LogCaptureFixture
) -> None:
    ana = api.person("Ana", language_code="es")
    await clinic.register(ana.user_id)
    await at_times(ana)

    await ana.tap_data("bk:slot:999:1778000000")  # a doctor who does not exist
    await ana.wait_for("Esa hora ya no se puede reservar. Elige otra")

    assert "10:30" in ana.buttons()
    assert len([a for a in ana.chat.alerts if a.text]) == 0
    nothing_went_wrong(ana, caplog)


async def test_a_stale_button_is_refused_in_the_persons_own_language(
    api: BotApiStandIn, clinic: Clinic, caplog: pytest.LogCaptureFixture
) -> None:
    john = api.person("John", language_code="en")
    await clinic.register(john.user_id, language="en")
    await john.send("/book")
    await john.wait_for("Choose a specialty")

    await john.tap_data("bk:s:999")
    await john.wait_for_alert("This button is no longer valid")

    await john.tap("Cardiology")
    await john.wait_for("Choose a Cardiology doctor")
    nothing_went_wrong(john, caplog)


async def test_an_old_reschedule_summary_after_the_visit_was_cancelled_is_refused_politely(
    api: BotApiStandIn, clinic: Clinic, caplog: pytest.LogCaptureFixture
) -> None:
    ana = api.person("Ana", language_code="es")
    patient = await clinic.register(ana.user_id)
    appointment = await clinic.book(patient, TUESDAY_1030_LIMA)
    await open_calendar(ana, appointment.reference)
    await pick_wednesday_11(ana)
    await clinic.cancel_as_clinic(appointment)

    await ana.tap("Confirmar")
    await ana.wait_for_alert("ya no es válido")

    assert not [m for m in ana.messages if "ya no es válido" in m.shown_text]  # one answer
    [cancelled] = await clinic.appointments()
    assert cancelled.start == TUESDAY_1030_LIMA
    nothing_went_wrong(ana, caplog)
