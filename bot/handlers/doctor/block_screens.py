"""The screens of /block, each returning its conversation state: the doctor's working
days with their upcoming blocks, a break's start and end, and the visits a block strands.

Days and times are in the zone of the doctor's country, the one their hours, their
agenda and their patients' times are in. Days run from today to the country's booking
horizon: beyond it nothing is offered to patients, so there is nothing yet to block.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import date, datetime, time, timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot.handlers.calendar import monday_of
from bot.handlers.time_off_text import short_span, span_text
from bot.i18n import Translator
from bot.telegram import callbacks as cb
from bot.telegram.context import Context
from bot.telegram.keyboards import button, columns, with_navigation
from bot.telegram.screens import show, stale
from domain.actors import Actor
from domain.blocks import end_times, start_times, upcoming, working_days
from domain.countries import Country, get_country
from domain.entities import Appointment, Doctor
from domain.schedule import DayHours, TimeOff
from domain.usecases.hours import schedule_of

DAY, FROM, TO, STRANDED, REASON = range(40, 45)
FLOW = "bl"
#: Upcoming blocks offered for removal on the first screen, soonest first.
MAX_REMOVABLE = 8
END = ConversationHandler.END


DoctorTap = Callable[[Update, Context, Actor, Doctor, str], Coroutine[Any, Any, int | None]]


def as_doctor(callback: DoctorTap) -> Callable[[Update, Context], Coroutine[Any, Any, int | None]]:
    """A button of /block: for the linked doctor who tapped it, with their record and the
    button's data. ``callback`` returns the next state, or ``None`` for a button that is
    not valid (any more): the polite alert, and the screen stays. Anyone no longer a
    linked doctor gets the alert, and the conversation ends."""

    async def run(update: Update, context: Context) -> int | None:
        query = update.callback_query
        assert query
        doctor = await context.doctor()
        if doctor is None:
            await stale(update, context)
            return END
        found = await own(context, doctor)
        state = await callback(update, context, doctor, found, query.data or "")
        if state is None:
            await stale(update, context)
        else:
            await context.answer()  # unless the step answered already
        return state

    return run


def chosen(context: Context) -> dict[str, Any]:
    """What the doctor picked so far: ``week``, ``day``, ``from``, and the visits the
    new block strands (``stranded``), kept (``kept``) or is cancelling (``cancelling``)."""
    found = context.state.setdefault(FLOW, {})
    if not isinstance(found, dict):
        found = context.state[FLOW] = {}
    return found


async def own(context: Context, doctor: Actor) -> Doctor:
    return await schedule_of(context.deps, doctor, doctor.id or 0)


def rules(found: Doctor) -> Country:
    return get_country(found.country)


def today(context: Context, country: Country) -> date:
    return context.deps.clock.now().astimezone(country.timezone).date()


def last_day(context: Context, country: Country) -> date:
    horizon = context.deps.clock.now() + country.booking.horizon
    return horizon.astimezone(country.timezone).date()


def picked_day(context: Context, found: Doctor) -> tuple[date, DayHours] | None:
    """The day chosen, if it is still one the doctor works, from today to the horizon."""
    country = rules(found)
    day = cb.parse_day(str(chosen(context).get("day", "")))
    if day is None or not today(context, country) <= day <= last_day(context, country):
        return None
    hours = None if country.is_holiday(day) else found.plan.hours_on(day)
    return None if hours is None else (day, hours)


def starts(context: Context, found: Doctor, day: date, hours: DayHours) -> list[time]:
    now = context.deps.clock.now()
    return start_times(day, hours, rules(found).timezone, now)


def ends(hours: DayHours, start: time) -> list[time]:
    return end_times(hours, start)


def _at(day: date, moment: time, found: Doctor) -> datetime:
    return datetime.combine(day, moment, rules(found).timezone)


async def show_days(
    update: Update, context: Context, found: Doctor, week: date | None = None, above: str = ""
) -> int:
    t, country = context.t, rules(found)
    first, last = today(context, country), last_day(context, country)
    week = week or cb.parse_day(str(chosen(context).get("week", ""))) or monday_of(first)
    week = min(max(week, monday_of(first)), monday_of(last))
    chosen(context)["week"] = cb.day_token(week)
    days = working_days(found.plan, country, max(week, first), min(week + timedelta(6), last))
    rows = columns([button(t.short_day(d), cb.BLOCKING.day.pack(d)) for d in days], 4)
    paging = []
    if week > monday_of(first):
        paging.append(button(t("book.prev_week"), cb.BLOCKING.week.pack(week - timedelta(7))))
    if week + timedelta(7) <= last:
        paging.append(button(t("book.next_week"), cb.BLOCKING.week.pack(week + timedelta(7))))
    if paging:
        rows.append(paging)
    blocks = upcoming(found.plan, context.deps.clock.now())
    rows += _removals(t, blocks, country)
    text = [above, t("block.choose_day"), *_listed(t, blocks, country)]
    if not days:
        text.append(t("block.no_days"))
    await show(
        update, "\n".join(filter(None, text)), with_navigation(t, rows, back=False, flow=FLOW)
    )
    return DAY


def _listed(t: Translator, blocks: list[TimeOff], country: Country) -> list[str]:
    if not blocks:
        return ["\n" + t("block.none")]
    lines = ["\n" + t("block.upcoming")]
    for off in blocks:
        by = "" if off.by_doctor else t("block.by_clinic")
        lines.append(t("block.item", span=span_text(t, off, country.timezone), by=by))
    return lines


def _removals(t: Translator, blocks: list[TimeOff], country: Country) -> list[list[Any]]:
    mine = [off for off in blocks if off.by_doctor][:MAX_REMOVABLE]
    return [
        [
            button(
                t("block.remove", span=short_span(t, off, country.timezone)),
                cb.BLOCK_REMOVE.pack((off.start, off.end)),
            )
        ]
        for off in mine
    ]


async def show_from(update: Update, context: Context, found: Doctor) -> int:
    """The whole day, or the start of a break; the caller checked the day."""
    t = context.t
    picked = picked_day(context, found)
    assert picked is not None
    day, hours = picked
    times = [
        button(t.time(_at(day, s, found), rules(found).timezone), cb.BLOCK_FROM.pack(s))
        for s in starts(context, found, day, hours)
    ]
    rows = [[button(t("block.whole_day"), cb.BLOCK_WHOLE_DAY.pack())], *columns(times, 4)]
    text = t("block.choose_from", day=t.day(day), zone=rules(found).timezone.key)
    await show(update, text, with_navigation(t, rows, flow=FLOW))
    return FROM


async def show_to(update: Update, context: Context, found: Doctor, start: time) -> int:
    t = context.t
    picked = picked_day(context, found)
    assert picked is not None
    day, hours = picked
    zone = rules(found).timezone
    times = [
        button(t.time(_at(day, e, found), zone), cb.BLOCK_TO.pack(e)) for e in ends(hours, start)
    ]
    text = t("block.choose_to", day=t.day(day), start=t.time(_at(day, start, found), zone))
    await show(update, text, with_navigation(t, columns(times, 4), flow=FLOW))
    return TO


async def show_stranded(
    update: Update, context: Context, found: Doctor, stranded: list[Appointment], above: str = ""
) -> int:
    """The visits the new block covers, each to keep or cancel (or all at once)."""
    t, zone = context.t, rules(found).timezone
    lines = [above, t("block.stranded.title", count=len(stranded))]
    rows = []
    for a in stranded:
        when = f"{t.day(a.start, zone)} {t.time(a.start, zone)}"
        lines.append(t("block.stranded.item", when=when, reference=a.reference))
        rows.append(
            [
                button(t("block.stranded.keep", reference=a.reference), cb.BLOCK_KEEP.pack(a.id)),
                button(
                    t("block.stranded.cancel", reference=a.reference), cb.BLOCK_CANCEL.pack(a.id)
                ),
            ]
        )
    rows.append(
        [
            button(t("block.stranded.keep_all"), cb.BLOCK_KEEP_ALL.pack()),
            button(t("block.stranded.cancel_all"), cb.BLOCK_CANCEL_ALL.pack()),
        ]
    )
    await show(update, "\n".join(filter(None, lines)), InlineKeyboardMarkup(rows))
    return STRANDED
