"""iCalendar made with ``icalendar``: a visit as a VEVENT, and the VCALENDAR around it.

Two things are written with these: the file a patient gets of their visit
(``bot/workers/calendar_files.py``) and a doctor's calendar feed
(``bot/http/calendar_feed.py``). A visit's event has the UID ``<appointment id>@medbot``
in both, its times in the country's zone, and that zone's VTIMEZONE in the calendar.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from icalendar import Calendar, Component, Event

UID_DOMAIN = "medbot"
PRODID = "-//medbot//appointments//EN"


@dataclass(frozen=True, slots=True)
class VisitEvent:
    appointment_id: uuid.UUID
    sequence: int
    start: datetime  # aware, in the zone the calendar shows
    end: datetime
    summary: str
    location: str
    description: str
    status: str  # CONFIRMED, TENTATIVE or CANCELLED


def visit_event(visit: VisitEvent, now: datetime) -> Event:
    event = Event()
    event.add("uid", f"{visit.appointment_id}@{UID_DOMAIN}")
    event.add("sequence", visit.sequence)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", visit.start)
    event.add("dtend", visit.end)
    event.add("summary", visit.summary)
    if visit.location:
        event.add("location", visit.location)
    event.add("description", visit.description)
    event.add("status", visit.status)
    return event


def calendar_of(components: Iterable[Component], **properties: object) -> bytes:
    """A VCALENDAR of ``components`` with ``properties`` (``method``, ``x-wr-calname``…),
    and a VTIMEZONE for every zone they use."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    for name, value in properties.items():
        calendar.add(name.replace("_", "-"), value)
    for component in components:
        calendar.add_component(component)
    calendar.add_missing_timezones()
    content: bytes = calendar.to_ical()
    return content
