"""A doctor's calendar feed: /calendar makes a private link, a calendar app reads the
doctor's agenda from it over HTTP, and a new link or turning it off retires the old."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import aiohttp
from icalendar import Calendar, Event
from sqlalchemy import select

from bot.sandbox.standin import BotApiStandIn
from bot.sandbox.standin.driver import Person
from bot.telegram import callbacks as cb
from domain.audit import Action
from storage.tables import audit_log
from tests.e2e.medbot import Clinic
from tests.e2e.test_agenda import DOCTOR_ID, booked_today, linked_doctor

LIMA = ZoneInfo("America/Lima")
LINK = re.compile(r"http://\S+\.ics")


async def new_link(doctor: Person) -> str:
    await doctor.send("/calendar")
    shown = await doctor.wait_for("enlace")
    await doctor.tap(shown.buttons()[0])  # "Crear mi enlace", or "Crear un enlace nuevo"
    made = await doctor.wait_for("Tu enlace de calendario")
    found = LINK.search(made.text)
    assert found is not None, made.text
    return found.group()


async def fetch(link: str) -> tuple[int, str, bytes]:
    async with aiohttp.ClientSession() as http, http.get(link) as response:
        return response.status, response.content_type, await response.read()


def events(body: bytes) -> dict[str, Event]:
    calendar = Calendar.from_ical(body)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


async def test_a_doctors_calendar_link_serves_their_agenda_in_lima_time_without_patient_names(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    doctor = await linked_doctor(api, clinic)
    _ana, appointment = await booked_today(api, clinic)

    await doctor.send("/calendar")
    intro = await doctor.wait_for("Google Calendar")
    assert intro.buttons() == ["Crear mi enlace"]
    await doctor.tap("Crear mi enlace")
    made = await doctor.wait_for("Tu enlace de calendario")
    link = LINK.search(made.text)
    assert link is not None
    status, content_type, body = await fetch(link.group())

    assert status == 200
    assert content_type == "text/calendar"
    event = events(body)[f"{appointment.id}@medbot"]
    assert event.start == datetime(2026, 5, 4, 11, 0, tzinfo=LIMA)
    assert event["DTSTART"].params["TZID"] == "America/Lima"
    assert event["SUMMARY"] == f"Medicina general · {appointment.reference}"
    assert event["STATUS"] == "TENTATIVE"  # the doctor has not accepted it yet
    assert "Av. Javier Prado Este 1000" in event["LOCATION"]
    assert Calendar.from_ical(body)["X-WR-CALNAME"] == "medbot · Dra. Lucía Quispe"
    assert b"Paciente Prueba" not in body  # the patient's name


async def test_the_feed_follows_the_agenda_confirmed_visits_firm_up_and_cancelled_ones_leave(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    doctor = await linked_doctor(api, clinic)
    _ana, appointment = await booked_today(api, clinic)
    link = await new_link(doctor)

    await doctor.wait_for(f"Nueva reserva {appointment.reference}")
    await doctor.tap("Aceptar")
    await doctor.wait_for("Aceptaste la reserva")
    confirmed = events((await fetch(link))[2])[f"{appointment.id}@medbot"]
    await clinic.cancel_as_clinic(appointment)
    after_cancel = events((await fetch(link))[2])

    assert confirmed["STATUS"] == "CONFIRMED"
    assert f"{appointment.id}@medbot" not in after_cancel


async def test_a_new_link_retires_the_old_one_and_turning_it_off_retires_the_new_one(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    doctor = await linked_doctor(api, clinic)
    first = await new_link(doctor)
    await doctor.send("/calendar")
    active = await doctor.wait_for("Tienes un enlace de calendario desde el")
    assert active.buttons() == ["Crear un enlace nuevo", "Desactivar el enlace"]
    await doctor.tap("Crear un enlace nuevo")
    replaced = await doctor.wait_for("El enlace anterior ya no funciona")
    second = LINK.search(replaced.text)
    assert second is not None

    assert (await fetch(first))[0] == 404
    assert (await fetch(second.group()))[0] == 200

    await doctor.send("/calendar")
    await doctor.wait_for("Tienes un enlace")
    await doctor.tap("Desactivar el enlace")
    await doctor.wait_for("ya no funciona")
    assert (await fetch(second.group()))[0] == 404
    await doctor.send("/calendar")
    assert (await doctor.wait_for("Suscríbete")).buttons() == ["Crear mi enlace"]

    async with clinic.engine.connect() as conn:
        actions = (
            await conn.execute(
                select(audit_log.c.action, audit_log.c.actor_id).where(
                    audit_log.c.record_type == "calendar_feed"
                )
            )
        ).all()
    assert sorted(a for a, _ in actions) == sorted(
        [Action.CALENDAR_FEED_CREATED] * 2 + [Action.CALENDAR_FEED_REVOKED] * 2
    )
    assert {actor for _, actor in actions} == {DOCTOR_ID}


async def test_calendar_links_are_for_linked_doctors_only_and_unknown_ones_are_not_found(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = api.person("Ana", language_code="es")
    await ana.send("/calendar")
    await ana.wait_for("No conozco ese comando")
    await ana.tap_data(cb.FEED_NEW.pack())
    await ana.wait_for_alert("Este botón ya no es válido")

    base = f"http://127.0.0.1:{clinic.runtime.http_port}/calendar"
    assert (await fetch(f"{base}/{'A' * 43}.ics"))[0] == 404
    assert (await fetch(f"{base}/short.ics"))[0] == 404
