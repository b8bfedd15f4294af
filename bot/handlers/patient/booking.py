"""/book: the patient's choices, each re-checked, then the booking itself."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from telegram import Update
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
    answered,
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
    stale,
    week_chosen,
)
from bot.telegram import callbacks as cb
from bot.telegram.context import Context, services, translator, user_state
from bot.telegram.screens import conversation, show
from domain.booking import BookCommand, book
from domain.countries import get_country
from domain.directory import doctors_for, specialties_in
from domain.errors import NotFound, PatientOverlap, SlotTaken, SlotUnavailable
from domain.registration import find_patient


async def country_chosen(update: Update, context: Context) -> int | None:
    data = await answered(update)
    try:
        code = get_country(data.removeprefix("bk:c:")).code
    except NotFound:
        return None
    choices(context).update(country=code)
    return await show_specialties(update, context)


async def specialty_chosen(update: Update, context: Context) -> int | None:
    data = await answered(update)
    wanted = cb.parse_int(data.removeprefix("bk:s:"))
    chosen = choices(context)
    found = await specialties_in(services(context).uow(read_only=True), chosen["country"])
    match = next((s for s in found if s.id == wanted), None)
    if match is None:
        await stale(update, context)
        return None
    chosen.update(
        specialty=match.id, specialty_name=match.name(translator(update, context).language)
    )
    return await show_doctors(update, context)


async def doctor_chosen(update: Update, context: Context) -> int | None:
    data = await answered(update)
    wanted = cb.parse_int(data.removeprefix("bk:d:"))
    chosen = choices(context)
    t = translator(update, context)
    if wanted == ANY_DOCTOR:
        chosen.update(doctor=ANY_DOCTOR, doctor_name=t("book.first_available"))
        return await show_days(update, context)
    found = await doctors_for(
        services(context).uow(read_only=True), chosen["country"], chosen["specialty"]
    )
    match = next((d for d in found if d.id == wanted), None)
    if match is None:
        await stale(update, context)
        return None
    chosen.update(doctor=match.id, doctor_name=match.full_name)
    return await show_days(update, context)


async def slot_chosen(update: Update, context: Context) -> int | None:
    data = await answered(update)
    parsed = cb.parse_slot(data)
    chosen = choices(context)
    day = cb.parse_day(chosen.get("day", ""))
    if parsed is None or day is None:
        await stale(update, context)
        return None
    doctor_id, start = parsed
    offered = {(s.doctor_id, s.slot.start) for s in await slots_between(context, day, day)}
    if (doctor_id, start) not in offered:
        return await show_times(update, context, translator(update, context)("book.unavailable"))
    chosen["slot"] = [doctor_id, int(start.timestamp())]
    uow = services(context).uow(read_only=True)
    doctors = await doctors_for(uow, chosen["country"], chosen["specialty"])
    name = next((d.full_name for d in doctors if d.id == doctor_id), "")
    chosen["slot_doctor_name"] = name
    return await show_summary(update, context, name)


async def confirmed(update: Update, context: Context) -> int | None:
    await answered(update)
    t = translator(update, context)
    chosen = choices(context)
    assert update.effective_user
    patient = await find_patient(services(context).uow(read_only=True), update.effective_user.id)
    if patient is None or "slot" not in chosen:
        await stale(update, context)
        return END
    doctor_id, epoch = chosen["slot"]
    command = BookCommand(
        patient.id or 0, doctor_id, chosen["specialty"], datetime.fromtimestamp(epoch, UTC)
    )
    try:
        svc = services(context)
        appointment = await book(svc.uow(), svc.clock, command, svc.settings.reminder_override)
    except SlotTaken:
        return await show_times(update, context, t("book.slot_taken"))
    except (SlotUnavailable, PatientOverlap) as error:
        key = "book.overlap" if isinstance(error, PatientOverlap) else "book.unavailable"
        return await show_times(update, context, t(key))
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
    user_state(context).pop("bk", None)
    return END


async def show_current_week(update: Update, context: Context) -> int:
    return await show_days(update, context, cb.parse_day(choices(context).get("week", "")))


async def aborted(update: Update, context: Context) -> int:
    if update.callback_query:
        await update.callback_query.answer()
    user_state(context).pop("bk", None)
    await show(update, translator(update, context)("book.aborted"))
    return END


Screen = Callable[[Update, Context], Coroutine[Any, Any, int]]
Choice = Callable[[Update, Context], Coroutine[Any, Any, object]]


def _back_to(screen: Screen) -> Screen:
    async def back(update: Update, context: Context) -> int:
        await answered(update)
        return await screen(update, context)

    return back


def booking_handler() -> ConversationHandler[Context]:
    def on(pattern: str, callback: Choice) -> CallbackQueryHandler[Context, object]:
        return CallbackQueryHandler(callback, pattern=pattern)

    back = r"^bk:back$"
    return conversation(
        entry_points=[CommandHandler("book", begin)],
        states={
            COUNTRY: [on(r"^bk:c:", country_chosen)],
            SPECIALTY: [on(r"^bk:s:", specialty_chosen), on(back, _back_to(show_countries))],
            DOCTOR: [on(r"^bk:d:", doctor_chosen), on(back, _back_to(show_specialties))],
            DAY: [
                on(r"^bk:day:", day_chosen),
                on(r"^bk:w:", week_chosen),
                on(back, _back_to(show_doctors)),
            ],
            TIME: [
                on(r"^bk:slot:", slot_chosen),
                on(
                    back,
                    _back_to(
                        lambda u, c: show_days(u, c, cb.parse_day(choices(c).get("week", "")))
                    ),
                ),
            ],
            CONFIRM: [on(r"^bk:ok$", confirmed), on(back, _back_to(show_times))],
        },
        fallbacks=[
            CommandHandler("book", begin),
            CommandHandler("cancel", aborted),
            on(r"^bk:x$", aborted),
            CallbackQueryHandler(stale, pattern=r"^bk:"),
            MessageHandler(f.ALL & ~f.COMMAND, stale),
        ],
        name="booking",
    )
