"""``GET /calendar/<token>.ics``: a doctor's agenda as a calendar feed (``docs/calendar.md``).

The token in the path is the only credential (``domain/calendar_feeds.py``): an unknown
or revoked one is a plain 404, the same as a path that never existed. The metrics
label the route by its pattern, and the server keeps no access log, so the token is
written nowhere. Calendar apps re-read the feed on their own schedule; the calendar
asks for an hourly refresh.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.i18n import Translator
from bot.ics import VisitEvent, calendar_of, visit_event
from domain.calendar_feeds import DoctorFeed, FeedVisit
from domain.countries import get_country
from domain.errors import NotFound
from domain.ports import Deps
from domain.status import ACTIVE_STATUSES, Status
from domain.usecases.calendar_feeds import read_feed

PREFIX, SUFFIX = "/calendar/", ".ics"
PATH = PREFIX + "{token:[A-Za-z0-9_-]{16,128}}" + SUFFIX
REFRESH = timedelta(hours=1)
_TENTATIVE = ACTIVE_STATUSES - {Status.ASSIGNED}  # booked, not yet confirmed


def feed_url(public_url: str, token: str) -> str:
    """The address a calendar app subscribes to (``PUBLIC_URL`` and the token)."""
    return f"{public_url}{PREFIX}{token}{SUFFIX}"


def render_feed(feed: DoctorFeed, now: datetime) -> bytes:
    t = Translator(feed.language)
    zone = get_country(feed.country).timezone
    events = [visit_event(_event(t, visit, zone), now) for visit in feed.visits]
    return calendar_of(
        events,
        x_wr_calname=t("feed.name", doctor=feed.doctor_name),
        x_wr_timezone=zone.key,
        refresh_interval=REFRESH,
        x_published_ttl=REFRESH,
    )


def _event(t: Translator, visit: FeedVisit, zone: ZoneInfo) -> VisitEvent:
    appointment, place = visit.appointment, visit.location
    specialty = visit.specialty.name(t.language) if visit.specialty else ""
    status = t(f"status.{appointment.status}")
    description = [
        t("calendar.reference", reference=appointment.reference),
        t("feed.status", status=status),
    ]
    return VisitEvent(
        appointment_id=appointment.id,
        sequence=0,
        start=appointment.start.astimezone(zone),
        end=appointment.end.astimezone(zone),
        summary=t("feed.summary", specialty=specialty, reference=appointment.reference),
        location=", ".join(p for p in (place.name, place.address) if p) if place else "",
        description="\n".join(description),
        status="TENTATIVE" if appointment.status in _TENTATIVE else "CONFIRMED",
    )


def add_calendar_feed_route(app: web.Application, deps_key: web.AppKey[Deps]) -> None:
    """Serve the feeds; ``app[deps_key]`` must be set before the first request."""

    async def feed(request: web.Request) -> web.Response:
        deps = request.app[deps_key]
        try:
            found = await read_feed(deps, request.match_info["token"])
        except NotFound:
            raise web.HTTPNotFound(text="No such calendar feed.") from None
        return web.Response(
            body=render_feed(found, deps.clock.now()),
            content_type="text/calendar",
            charset="utf-8",
            headers={
                "Content-Disposition": 'inline; filename="agenda.ics"',
                "Cache-Control": "private, no-cache",
            },
        )

    app.router.add_get(PATH, feed)
