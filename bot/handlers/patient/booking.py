"""/book: the patient's choices, each re-checked, then the booking itself."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler
from telegram.ext import filters as f

from bot.handlers.calendar import (
    ANY_DOCTOR,
    CONFIRM,
    COUNTRY,
    DAY,
    DOCTOR,
    END,
    SPECIALTY,
    TIME,
    begin,
    choices,
    day_chosen,
    show_countries,
    show_days,
    show_doctors,
    show_specialties,
    show_summary,
    show_times,
    slots_between,
    week_chosen,
)
from bot.handlers.errors import Then, reply_for, tell
from bot.metrics import BOOKINGS
from bot.telegram import callbacks as cb
from bot.telegram.context import Context
from bot.telegram.screens import conversation, on_tap, show, stale, tapped
from domain.actors import Role
from domain.countries import all_countries, get_country
from domain.entities import Doctor, Specialty
from domain.errors import DomainError, NotFound
from domain.queries import doctors_for, specialties_in
from domain.usecases.booking import BookCommand, book


async def country_chosen(update: Update, context: Context) -> int | None:
    data = tapped(update)
    try:
        code = get_country(cb.BOOK_COUNTRY.unpack(data) or "").code
    except NotFound:
        return None
    choices(context).update(country=code)
    return await show_specialties(update, context)


async def specialty_chosen(update: Update, context: Context) -> int | None:
    data = tapped(update)
    wanted = cb.BOOK_SPECIALTY.unpack(data)
    chosen = choices(context)
    found = await specialties_in(context.deps, chosen["country"])
    match = next((s for s in found if s.id == wanted), None)
    if match is None:
        await stale(update, context)
        return None
    chosen.update(specialty=match.id, specialty_name=match.name(context.t.language))
    return await show_doctors(update, context)


async def doctor_chosen(update: Update, context: Context) -> int | None:
    data = tapped(update)
    wanted = cb.BOOK_DOCTOR.unpack(data)
    chosen = choices(context)
    t = context.t
    if wanted == ANY_DOCTOR:
        chosen.update(doctor=ANY_DOCTOR, doctor_name=t("book.first_available"))
        return await show_days(update, context)
    found = await doctors_for(context.deps, chosen["country"], chosen["specialty"])
    match = next((d for d in found if d.id == wanted), None)
    if match is None:
        await stale(update, context)
        return None
    chosen.update(doctor=match.id, doctor_name=match.full_name)
    return await show_days(update, context)


async def slot_chosen(update: Update, context: Context) -> int | None:
    data = tapped(update)
    parsed = cb.BOOKING.slot.unpack(data)
    chosen = choices(context)
    day = cb.parse_day(chosen.get("day", ""))
    if parsed is None or day is None:
        await stale(update, context)
        return None
    doctor_id, start = parsed
    offered = {(s.doctor_id, s.slot.start) for s in await slots_between(context, day, day)}
    if (doctor_id, start) not in offered:
        return await show_times(update, context, context.t("book.unavailable"))
    chosen["slot"] = [doctor_id, int(start.timestamp())]
    doctors = await doctors_for(context.deps, chosen["country"], chosen["specialty"])
    name = next((d.full_name for d in doctors if d.id == doctor_id), "")
    chosen["slot_doctor_name"] = name
    return await show_summary(update, context, name)


async def confirmed(update: Update, context: Context) -> int | None:
    t = context.t
    chosen = choices(context)
    if "slot" not in chosen:
        await stale(update, context)
        return END
    doctor_id, epoch = chosen["slot"]
    command = BookCommand(doctor_id, chosen["specialty"], datetime.fromtimestamp(epoch, UTC))
    try:
        appointment = await book(context.deps, await context.actor(), command)
    except DomainError as error:
        BOOKINGS.labels(str(chosen.get("country", "")), error.code).inc()
        reply = reply_for("book", error)
        if reply.then is Then.PICK_AGAIN:
            return await show_times(update, context, t(reply.key))
        await tell(update, context, reply)
        return END
    BOOKINGS.labels(appointment.country, "booked").inc()
    zone = get_country(appointment.country).timezone
    await show(
        update,
        t(
            "book.booked",
            reference=appointment.reference,
            doctor=chosen.get("slot_doctor_name", ""),
            day=t.day(appointment.start, zone),
            time=t.time(appointment.start, zone),
            zone=zone.key,
            status=t(f"status.{appointment.status}"),
        ),
    )
    context.state.pop("bk", None)
    return END


async def aborted(update: Update, context: Context) -> int:
    context.state.pop("bk", None)
    await show(update, context.t("book.aborted"))
    return END


async def book_again(update: Update, context: Context) -> int:
    """A called-off visit's "book again": the notice stays as it is (it holds the clinic's
    phone); /book starts in a new message below it."""
    query = update.callback_query
    assert query and query.message is not None and isinstance(query.message, Message)
    await query.edit_message_reply_markup(None)
    return await begin(Update(update.update_id, message=query.message), context)


async def rebook(update: Update, context: Context) -> int | None:
    """One of the next free times offered with a rejected booking: straight to the
    summary, in a new message below the notice, once the time is checked still free."""
    data = tapped(update)
    query = update.callback_query
    assert query and isinstance(query.message, Message)
    below = Update(update.update_id, message=query.message)
    chosen = cb.REBOOK.unpack(data)
    if chosen is None or (await context.actor()).role is not Role.PATIENT:
        await stale(update, context)
        return None
    specialty_id, doctor_id, start = chosen
    found = await _doctor_and_specialty(context, doctor_id, specialty_id)
    if found is None:
        await show(below, context.t("book.rebook_gone"))
        return END
    doctor, specialty = found
    zone = get_country(doctor.country).timezone
    context.state["bk"] = {
        "country": doctor.country,
        "specialty": specialty.id,
        "specialty_name": specialty.name(context.t.language),
        "doctor": doctor.id,
        "doctor_name": doctor.full_name,
        "day": cb.day_token(start.astimezone(zone).date()),
        "slot": [doctor.id, int(start.timestamp())],
        "slot_doctor_name": doctor.full_name,
    }
    day = start.astimezone(zone).date()
    if (doctor.id, start) not in {
        (s.doctor_id, s.slot.start) for s in await slots_between(context, day, day)
    }:
        context.state.pop("bk", None)
        await show(below, context.t("book.rebook_gone"))
        return END
    return await show_summary(below, context, doctor.full_name)


async def _doctor_and_specialty(
    context: Context, doctor_id: int, specialty_id: int
) -> tuple[Doctor, Specialty] | None:
    """The active doctor and the specialty they practise, wherever they work."""
    for country in all_countries():
        specialty = next(
            (s for s in await specialties_in(context.deps, country.code) if s.id == specialty_id),
            None,
        )
        if specialty is None:
            continue
        doctors = await doctors_for(context.deps, country.code, specialty_id)
        doctor = next((d for d in doctors if d.id == doctor_id), None)
        if doctor is not None:
            return doctor, specialty
    return None


def booking_handler() -> ConversationHandler[Context]:
    buttons = cb.BOOKING
    back = buttons.back.pattern
    return conversation(
        entry_points=[
            CommandHandler("book", begin),
            on_tap(cb.BOOK_AGAIN.pattern, book_again),
            on_tap(cb.REBOOK.pattern, rebook),
        ],
        states={
            COUNTRY: [on_tap(cb.BOOK_COUNTRY.pattern, country_chosen)],
            SPECIALTY: [
                on_tap(cb.BOOK_SPECIALTY.pattern, specialty_chosen),
                on_tap(back, show_countries),
            ],
            DOCTOR: [
                on_tap(cb.BOOK_DOCTOR.pattern, doctor_chosen),
                on_tap(back, show_specialties),
            ],
            DAY: [
                on_tap(buttons.day.pattern, day_chosen),
                on_tap(buttons.week.pattern, week_chosen),
                on_tap(back, show_doctors),
            ],
            TIME: [
                on_tap(buttons.slot.pattern, slot_chosen),
                on_tap(
                    back, lambda u, c: show_days(u, c, cb.parse_day(choices(c).get("week", "")))
                ),
            ],
            CONFIRM: [
                on_tap(buttons.confirm.pattern, confirmed),
                on_tap(back, show_times),
            ],
        },
        fallbacks=[
            CommandHandler("book", begin),
            CommandHandler("cancel", aborted),
            on_tap(buttons.cancel.pattern, aborted),
            on_tap(cb.REBOOK.pattern, rebook),
            CallbackQueryHandler(stale, pattern=buttons.any_pattern),
            MessageHandler(f.ALL & ~f.COMMAND, stale),
        ],
        name="booking",
    )
