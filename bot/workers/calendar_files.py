"""A calendar-file row rendered as an ``.ics`` made with ``icalendar``, at send time.

The row's parameters (``domain/calendar_files.py``) carry the visit; this module writes
it as one VEVENT in the country's zone (with its VTIMEZONE), at the clinic's location,
with a reminder (VALARM) at the country's nearest reminder offset. Every version of a
visit's file has the UID ``<appointment id>@medbot``; SEQUENCE rises with each.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from icalendar import Alarm, Calendar, Event

from bot.i18n import Translator
from domain.calendar_files import TEMPLATES, Method
from domain.countries import get_country
from storage.outbox import Claimed

UID_DOMAIN = "medbot"
PRODID = "-//medbot//appointments//EN"
_METHODS = {template: method for method, template in TEMPLATES.items()}


def is_calendar_file(row: Claimed) -> bool:
    return row.template in _METHODS


def render_calendar_file(row: Claimed, language: str, now: datetime) -> tuple[str, bytes, str]:
    """The file's name, its bytes and the caption it is sent with."""
    t = Translator(language)
    params: dict[str, Any] = dict(row.params)
    method = _METHODS[row.template]
    country = get_country(str(params["country"]))
    zone = country.timezone
    start = datetime.fromtimestamp(int(params["start"]), UTC).astimezone(zone)
    end = start + timedelta(minutes=int(params.get("minutes") or 30))
    specialty = str(params.get(f"specialty_{t.language}") or "")
    doctor = str(params.get("doctor") or "")

    event = Event()
    event.add("uid", f"{row.appointment_id}@{UID_DOMAIN}")
    event.add("sequence", int(params.get("sequence") or 0))
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", t("calendar.summary", specialty=specialty, doctor=doctor).strip(" ·"))
    location = ", ".join(str(params[k]) for k in ("place", "address") if params.get(k))
    if location:
        event.add("location", location)
    description = [t("calendar.reference", reference=params["reference"])]
    if params.get("phone"):
        description.append(t("notify.clinic_phone", phone=params["phone"]))
    event.add("description", "\n".join(description))
    if method is Method.CANCEL:
        event.add("status", "CANCELLED")
    else:
        event.add("status", "CONFIRMED")
        event.add_component(_reminder(t, min(country.reminder_offsets, default=None)))

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method.value)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    caption = t(row.template, reference=params["reference"])
    return f"{params['reference']}.ics", calendar.to_ical(), caption


def _reminder(t: Translator, before: timedelta | None) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", t("calendar.alarm"))
    alarm.add("trigger", -(before or timedelta(hours=2)))
    return alarm
