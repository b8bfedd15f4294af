"""A calendar-file row rendered as an ``.ics`` made with ``icalendar``, at send time.

The row's parameters (``domain/calendar_files.py``) carry the visit; this module writes
it as one VEVENT in the country's zone (with its VTIMEZONE), at the clinic's location,
with a reminder (VALARM) at the country's nearest reminder offset, built by ``bot/ics.py``.
Every version of a visit's file has the UID ``<appointment id>@medbot``; SEQUENCE rises
with each.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from icalendar import Alarm

from bot.i18n import Translator
from bot.ics import VisitEvent, calendar_of, visit_event
from domain.calendar_files import TEMPLATES, Method
from domain.countries import get_country
from storage.outbox import Claimed

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

    description = [t("calendar.reference", reference=params["reference"])]
    if params.get("phone"):
        description.append(t("notify.clinic_phone", phone=params["phone"]))
    visit = VisitEvent(
        appointment_id=_appointment_of(row),
        sequence=int(params.get("sequence") or 0),
        start=start,
        end=end,
        summary=t("calendar.summary", specialty=specialty, doctor=doctor).strip(" ·"),
        location=", ".join(str(params[k]) for k in ("place", "address") if params.get(k)),
        description="\n".join(description),
        status="CANCELLED" if method is Method.CANCEL else "CONFIRMED",
    )
    event = visit_event(visit, now)
    if method is not Method.CANCEL:
        event.add_component(_reminder(t, min(country.reminder_offsets, default=None)))
    caption = t(row.template, reference=params["reference"])
    content = calendar_of([event], method=method.value)
    return f"{params['reference']}.ics", content, caption


def _appointment_of(row: Claimed) -> uuid.UUID:
    if row.appointment_id is None:  # calendar_file() always names it
        raise ValueError("a calendar file's row names no appointment")
    return row.appointment_id


def _reminder(t: Translator, before: timedelta | None) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", t("calendar.alarm"))
    alarm.add("trigger", -(before or timedelta(hours=2)))
    return alarm
