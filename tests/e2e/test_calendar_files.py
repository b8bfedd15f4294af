"""A patient's calendar follows their visit: an .ics when it is confirmed, moved or
called off, and again from /my whenever they ask, always the same event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from bot.sandbox.standin import BotApiStandIn
from bot.sandbox.standin.driver import Person
from domain.actors import Actor, Role
from domain.entities import Appointment
from domain.notifications import Kind
from domain.usecases.reschedule import RescheduleCommand, reschedule
from tests.e2e.medbot import ADMIN_ID, Clinic
from tests.e2e.test_processing import TUESDAY_1030_LIMA, book_with, patient

LIMA = ZoneInfo("America/Lima")


async def calendar_file(api: BotApiStandIn, person: Person, caption: str) -> Calendar:
    """The next .ics the person gets, parsed."""
    message = await person.wait_for(caption)
    assert message.document is not None
    assert message.document["file_name"].endswith(".ics")
    return Calendar.from_ical(api.file_content(message.document["file_id"]))


def the_event(calendar: Calendar) -> Event:
    [event] = calendar.walk("VEVENT")
    return event


async def confirmed_with_its_file(
    api: BotApiStandIn, clinic: Clinic
) -> tuple[Person, Appointment, Event]:
    """Ana's visit, booked and confirmed, and the event of the file she got for it."""
    ana, ana_id = await patient(api, clinic)
    booking = await book_with(clinic, ana_id, "Dr. Martín Salazar")
    await clinic.confirm(booking)
    return ana, booking, the_event(await calendar_file(api, ana, "para tu calendario"))


async def test_a_confirmed_visit_arrives_as_an_ics_in_lima_time_with_the_clinic_and_a_reminder(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana, ana_id = await patient(api, clinic)
    booking = await book_with(clinic, ana_id, "Dr. Martín Salazar")
    await clinic.confirm(booking)

    await ana.wait_for("está confirmada")
    calendar = await calendar_file(api, ana, "para tu calendario")

    event = the_event(calendar)
    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == f"{booking.id}@medbot"
    assert event.start == datetime(2026, 5, 5, 10, 30, tzinfo=LIMA)
    assert event.start.tzinfo is not None
    assert str(event.start.tzinfo) == "America/Lima"
    assert event.end - event.start == timedelta(minutes=30)
    assert event["DTSTART"].params["TZID"] == "America/Lima"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["America/Lima"]
    assert event["SUMMARY"] == "Cardiología · Dr. Martín Salazar"
    assert "Av. Javier Prado Este 1000" in event["LOCATION"]
    assert "+5117001000" in event["DESCRIPTION"]
    assert booking.reference in event["DESCRIPTION"]
    assert event["STATUS"] == "CONFIRMED"
    [alarm] = event.walk("VALARM")
    assert alarm["TRIGGER"].dt < timedelta(0)
    assert int(event["SEQUENCE"]) >= 1


async def test_a_moved_visit_updates_the_same_event_and_a_cancelled_one_removes_it(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana, booking, first = await confirmed_with_its_file(api, clinic)

    new_start = TUESDAY_1030_LIMA + timedelta(days=1, hours=1)
    admin = Actor(Role.ADMIN, ADMIN_ID, ADMIN_ID)
    await reschedule(clinic.deps, admin, RescheduleCommand(booking.id, new_start))
    moved_calendar = await calendar_file(api, ana, "para tu calendario")
    await clinic.cancel_as_clinic(booking)
    cancelled_calendar = await calendar_file(api, ana, "se canceló")

    moved, cancelled = the_event(moved_calendar), the_event(cancelled_calendar)
    assert moved_calendar["METHOD"] == "REQUEST"
    assert moved["UID"] == first["UID"] == cancelled["UID"]
    assert int(first["SEQUENCE"]) < int(moved["SEQUENCE"]) < int(cancelled["SEQUENCE"])
    assert moved.start == new_start.astimezone(LIMA)
    assert moved.start.astimezone(UTC) == datetime(2026, 5, 6, 16, 30, tzinfo=UTC)
    assert cancelled_calendar["METHOD"] == "CANCEL"
    assert cancelled["STATUS"] == "CANCELLED"
    assert not cancelled.walk("VALARM")


async def test_a_booking_never_confirmed_puts_nothing_in_the_calendar(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana, ana_id = await patient(api, clinic)
    booking = await book_with(clinic, ana_id, "Dr. Martín Salazar")
    await clinic.settled(booking)
    await clinic.cancel_as_clinic(booking)

    await ana.wait_for("cancel")
    assert not [m for m in ana.messages if m.document]
    assert not api.journal.calls("sendDocument")


async def test_a_patient_taps_the_calendar_button_in_my_and_gets_the_same_event_again(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana, booking, first = await confirmed_with_its_file(api, clinic)

    await ana.send("/my")
    listing = await ana.wait_for("Tus próximas citas")
    await ana.tap(f"📅 Calendario {booking.reference}")
    toast = await ana.wait_for_alert(f"El archivo de calendario de {booking.reference} va")
    again = await calendar_file(api, ana, "para tu calendario")
    clinic.clock.advance(timedelta(minutes=1))  # a later tap sends it once more
    await ana.tap(f"📅 Calendario {booking.reference}")
    await ana.wait_for_alert("va en camino")
    once_more = await calendar_file(api, ana, "para tu calendario")

    assert listing.buttons() == [
        f"Reprogramar {booking.reference}",
        f"Cancelar {booking.reference}",
        f"📅 Calendario {booking.reference}",
    ]
    assert not toast.show_alert
    assert again["METHOD"] == once_more["METHOD"] == "REQUEST"
    for event in (the_event(again), the_event(once_more)):
        assert event["UID"] == first["UID"] == f"{booking.id}@medbot"
        assert int(event["SEQUENCE"]) == int(first["SEQUENCE"])  # the same version
        assert event.start == first.start == datetime(2026, 5, 5, 10, 30, tzinfo=LIMA)
        assert event["STATUS"] == "CONFIRMED"
    assert len(await clinic.notification_states(Kind.CALENDAR)) == 3  # one row per request


async def test_the_calendar_button_comes_with_the_confirmation_and_a_stale_one_is_refused(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana, ana_id = await patient(api, clinic)
    booking = await book_with(clinic, ana_id, "Dr. Martín Salazar")
    await clinic.settled(booking)  # pending: the clinic has not confirmed it
    await ana.send("/my")
    waiting = await ana.wait_for("Tus próximas citas")
    await clinic.confirm(booking)
    await calendar_file(api, ana, "para tu calendario")
    await ana.send("/my")
    await ana.wait_for("Tus próximas citas")
    await clinic.cancel_as_clinic(booking)
    await calendar_file(api, ana, "se canceló")

    await ana.tap(f"📅 Calendario {booking.reference}")  # on the /my shown before
    await ana.wait_for_alert("ya no es válido")

    assert f"📅 Calendario {booking.reference}" not in waiting.buttons()
    assert len(await clinic.notification_states(Kind.CALENDAR)) == 2  # confirmed, cancelled
    assert not [m for m in ana.messages if "Algo salió mal" in m.shown_text]


async def test_a_forged_calendar_button_is_refused_politely_and_sends_nothing(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana, ana_id = await patient(api, clinic)
    mallory, _ = await patient(api, clinic, "Mallory")
    booking = await book_with(clinic, ana_id, "Dr. Martín Salazar")
    await clinic.confirm(booking)
    await calendar_file(api, ana, "para tu calendario")
    await mallory.send("/my")
    await mallory.wait_for("No tienes citas")

    for forged in (f"my:f:{booking.id.hex}", "my:f:not-a-uuid", "my:f:"):  # Ana's; malformed
        await mallory.tap_data(forged)
        await mallory.wait_for_alert("ya no es válido")

    assert len(await clinic.notification_states(Kind.CALENDAR)) == 1  # Ana's, when confirmed
    assert not [m for m in mallory.messages if m.document]
