"""The screens of /book: each shows one step and returns its conversation state."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler

from bot.telegram import callbacks as cb
from bot.telegram.context import Context
from bot.telegram.keyboards import button, columns, with_navigation
from bot.telegram.screens import show, stale, tapped
from domain.countries import all_countries, get_country
from domain.queries import (
    DoctorSlot,
    SlotQuery,
    booking_is_open,
    doctors_for,
    open_slots,
    specialties_in,
)

COUNTRY, SPECIALTY, DOCTOR, DAY, TIME, CONFIRM = range(10, 16)
END = ConversationHandler.END
ANY_DOCTOR = 0


def choices(context: Context, flow: str = "bk") -> dict[str, Any]:
    """The choices of a flow so far: ``bk`` (/book) or ``rs`` (reschedule from /my).

    The calendar and time screens serve both; a flow's name is also the prefix
    of its buttons' callback data, so one flow's buttons never drive the other.
    """
    found = context.state.setdefault(flow, {})
    if not isinstance(found, dict):
        found = context.state[flow] = {}
    return found


async def begin(update: Update, context: Context) -> int:
    t = context.t
    if not await booking_is_open(context.deps):
        await show(update, t("book.not_open"))
        return END
    patient = await context.patient()
    if patient is None:
        await show(update, t("reg.needed"))
        return END
    context.state["bk"] = {"country": patient.country}
    return await show_specialties(update, context)


async def show_countries(update: Update, context: Context) -> int:
    t = context.t
    rows = columns(
        [button(c.name(t.language), cb.BOOK_COUNTRY.pack(c.code)) for c in all_countries()], 2
    )
    await show(update, t("book.choose_country"), with_navigation(t, rows, back=False))
    return COUNTRY


async def show_specialties(update: Update, context: Context) -> int:
    t = context.t
    country = get_country(choices(context)["country"])
    found = await specialties_in(context.deps, country.code)
    if not found:
        await show(update, t("book.no_specialties", country=country.name(t.language)))
        return await show_countries(update, context)
    rows = columns(
        [button(s.name(t.language), cb.BOOK_SPECIALTY.pack(s.id or 0)) for s in found], 2
    )
    await show(update, t("book.choose_specialty"), with_navigation(t, rows))
    return SPECIALTY


async def show_doctors(update: Update, context: Context) -> int:
    t = context.t
    chosen = choices(context)
    doctors = await doctors_for(context.deps, chosen["country"], chosen["specialty"])
    rows = [[button(t("book.first_available"), cb.BOOK_DOCTOR.pack(ANY_DOCTOR))]]
    rows += columns([button(d.full_name, cb.BOOK_DOCTOR.pack(d.id or 0)) for d in doctors], 1)
    name = chosen.get("specialty_name", "")
    await show(update, t("book.choose_doctor", specialty=name), with_navigation(t, rows))
    return DOCTOR


async def slots_between(
    context: Context, first: date, last: date, flow: str = "bk"
) -> list[DoctorSlot]:
    chosen = choices(context, flow)
    query = SlotQuery(chosen["country"], chosen["specialty"], chosen["doctor"] or None, first, last)
    return await open_slots(context.deps, query)


def today_in(context: Context, flow: str = "bk") -> date:
    zone = get_country(choices(context, flow)["country"]).timezone
    return context.deps.clock.now().astimezone(zone).date()


def last_bookable_day(context: Context, flow: str = "bk") -> date:
    country = get_country(choices(context, flow)["country"])
    return (context.deps.clock.now() + country.booking.horizon).astimezone(country.timezone).date()


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


async def show_days(
    update: Update, context: Context, week: date | None = None, flow: str = "bk"
) -> int:
    t = context.t
    chosen = choices(context, flow)
    zone = get_country(chosen["country"]).timezone
    today, last = today_in(context, flow), last_bookable_day(context, flow)
    opening = week is None  # then open on the first week with a free slot
    week = week or monday_of(today)
    first, last_in_week = max(week, today), min(week + timedelta(days=6), last)
    slots = await slots_between(context, first, last_in_week, flow)
    while opening and not slots and week + timedelta(days=7) <= last:
        week += timedelta(days=7)
        slots = await slots_between(context, week, min(week + timedelta(days=6), last), flow)
    chosen["week"] = cb.day_token(week)
    days = sorted({s.slot.start.astimezone(zone).date() for s in slots})
    rows = columns([button(t.short_day(d), cb.CalendarButtons(flow).day.pack(d)) for d in days], 4)
    paging = []
    if week > monday_of(today):
        earlier = cb.CalendarButtons(flow).week.pack(week - timedelta(7))
        paging.append(button(t("book.prev_week"), earlier))
    if week + timedelta(days=7) <= last:
        later = cb.CalendarButtons(flow).week.pack(week + timedelta(7))
        paging.append(button(t("book.next_week"), later))
    if paging:
        rows.append(paging)
    text = t("book.choose_day", doctor=chosen.get("doctor_name", ""))
    if not days:
        text = f"{text}\n{t('book.no_days')}"
    await show(update, text, with_navigation(t, rows, flow=flow))
    return DAY


async def show_times(
    update: Update, context: Context, notice: str | None = None, flow: str = "bk"
) -> int:
    t = context.t
    chosen = choices(context, flow)
    country = get_country(chosen["country"])
    day = cb.parse_day(chosen["day"]) or today_in(context, flow)
    slots = await slots_between(context, day, day, flow)
    if not slots:
        await show(update, t("book.no_times"))
        return await show_days(update, context, cb.parse_day(chosen.get("week", "")), flow)
    zone = country.timezone
    labels = [
        button(
            t.time(s.slot.start, zone),
            cb.CalendarButtons(flow).slot.pack((s.doctor_id, s.slot.start)),
        )
        for s in slots
    ]
    text = t("book.choose_time", day=t.day(day), zone=country.timezone.key)
    markup = with_navigation(t, columns(labels, 4), flow=flow)
    await show(update, f"{notice}\n\n{text}" if notice else text, markup)
    return TIME


async def show_summary(update: Update, context: Context, doctor_name: str) -> int:
    t = context.t
    chosen = choices(context)
    zone = get_country(chosen["country"]).timezone
    start = datetime.fromtimestamp(chosen["slot"][1], zone)
    text = t(
        "book.summary",
        specialty=chosen.get("specialty_name", ""),
        doctor=doctor_name,
        day=t.day(start),
        time=t.time(start, zone),
        zone=zone.key,
    )
    markup = with_navigation(t, [[button(t("book.confirm"), cb.BOOKING.confirm.pack())]])
    await show(update, text, markup)
    return CONFIRM


async def week_chosen(update: Update, context: Context, flow: str = "bk") -> int | None:
    """Another week of the calendar: a Monday between this week and the horizon."""
    week = cb.CalendarButtons(flow).week.unpack(tapped(update))
    today, last = today_in(context, flow), last_bookable_day(context, flow)
    if week is None or week.weekday() != 0 or not monday_of(today) <= week <= last:
        await stale(update, context)
        return None
    return await show_days(update, context, week, flow)


async def day_chosen(update: Update, context: Context, flow: str = "bk") -> int | None:
    """A day of the calendar: between today and the horizon; its times come next."""
    day = cb.CalendarButtons(flow).day.unpack(tapped(update))
    if day is None or not today_in(context, flow) <= day <= last_bookable_day(context, flow):
        await stale(update, context)
        return None
    choices(context, flow)["day"] = cb.day_token(day)
    return await show_times(update, context, flow=flow)
