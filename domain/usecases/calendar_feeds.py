"""A doctor's calendar feed (``domain/calendar_feeds.py``): made, revoked and read.

The doctor acts for themself only: the feed is the acting doctor's, never one named in
the request. Making and revoking are audited; a calendar app's reads record when the
feed was last read, and are not audited, since the feed names no patient.
"""

from __future__ import annotations

from domain.actors import Actor, Role
from domain.api_access import hash_token
from domain.audit import Action
from domain.calendar_feeds import LISTED, PAST, CalendarFeed, DoctorFeed, FeedVisit, new_feed_secret
from domain.countries import get_country
from domain.errors import NotAllowed, NotFound
from domain.ports import Deps, UnitOfWork
from domain.usecases.shared import audit


def _doctor_id(actor: Actor) -> int:
    if actor.role is not Role.DOCTOR or actor.id is None:
        raise NotAllowed("only a doctor has a calendar feed")
    return actor.id


async def current_feed(deps: Deps, actor: Actor) -> CalendarFeed | None:
    """The acting doctor's active feed, if they have one."""
    doctor_id = _doctor_id(actor)
    async with deps.uow(read_only=True) as uow:
        return await uow.calendar_feeds.active_for(doctor_id)


async def new_feed(deps: Deps, actor: Actor) -> str:
    """A new feed for the acting doctor, revoking the one they had; its token, which
    exists only here."""
    doctor_id = _doctor_id(actor)
    secret = new_feed_secret()
    now = deps.clock.now()
    async with deps.uow() as uow:
        await _revoke(uow, deps, actor, doctor_id)
        feed = await uow.calendar_feeds.add(CalendarFeed(doctor_id, hash_token(secret), now))
        await audit(uow, deps, actor, Action.CALENDAR_FEED_CREATED, ("calendar_feed", feed.id))
        await uow.commit()
    return secret


async def revoke_feed(deps: Deps, actor: Actor) -> bool:
    """Turn the acting doctor's feed off; whether there was one."""
    doctor_id = _doctor_id(actor)
    async with deps.uow() as uow:
        revoked = await _revoke(uow, deps, actor, doctor_id)
        await uow.commit()
    return revoked


async def _revoke(uow: UnitOfWork, deps: Deps, actor: Actor, doctor_id: int) -> bool:
    feed = await uow.calendar_feeds.active_for(doctor_id)
    if feed is None:
        return False
    feed.revoked_at = deps.clock.now()
    await uow.calendar_feeds.save(feed)
    await audit(uow, deps, actor, Action.CALENDAR_FEED_REVOKED, ("calendar_feed", feed.id))
    return True


async def read_feed(deps: Deps, secret: str) -> DoctorFeed:
    """The agenda an active feed's token serves, recording that it was read;
    ``NotFound`` for a token unknown or revoked, or a doctor no longer active.

    The look-up reads without a transaction, so a stream of made-up tokens never takes
    the write lock bookings need; only a real feed's read is then recorded."""
    now = deps.clock.now()
    async with deps.uow(read_only=True) as uow:
        feed = await uow.calendar_feeds.get_by_hash(hash_token(secret))
        doctor = await uow.doctors.get(feed.doctor_id) if feed and feed.active else None
        if feed is None or feed.id is None or doctor is None or not doctor.active:
            raise NotFound("calendar feed")
        horizon = get_country(doctor.country).booking.horizon
        found = await uow.appointments.starting_between([feed.doctor_id], now - PAST, now + horizon)
        specialties = {s.id: s for s in await uow.specialties.list_all()}
        locations = {loc.id: loc for loc in await uow.locations.list_all()}
        account = doctor.telegram_user_id
        language = await uow.languages.get(account) if account is not None else None
    async with deps.uow() as uow:
        await uow.calendar_feeds.record_read(feed.id, now)
        await uow.commit()
    place = locations.get(doctor.location_id)
    visits = [
        FeedVisit(a, specialties.get(a.specialty_id), place) for a in found if a.status in LISTED
    ]
    return DoctorFeed(doctor.full_name, doctor.country, language, visits)
