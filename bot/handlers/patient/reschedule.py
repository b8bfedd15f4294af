"""Reschedule from /my: the same doctor's calendar and times, a summary, then the move.

It reuses /book's day and time screens under its own flow, ``rs``: its own
choices in the user data and its own callback prefix, so a /book left half
way never answers these buttons. Every button re-checks what it names.
"""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler

from bot.handlers import calendar as screens
from bot.handlers.calendar import (
    CONFIRM,
    DAY,
    END,
    TIME,
    choices,
    show_days,
    show_times,
    slots_between,
)
from bot.handlers.errors import Then, reply_for, tell
from bot.handlers.patient.my_appointments import list_upcoming
from bot.telegram import callbacks as cb
from bot.telegram.context import Context
from bot.telegram.keyboards import button, with_navigation
from bot.telegram.screens import conversation, on_tap, show, stale, tapped
from domain.countries import get_country
from domain.errors import DomainError
from domain.queries import movable_appointment
from domain.usecases.reschedule import RescheduleCommand, reschedule

FLOW = cb.RESCHEDULING.flow


async def begin(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query
    t = context.t
    appointment_id = cb.MY_RESCHEDULE.unpack(query.data)
    if appointment_id is None:
        await context.answer(t("button.stale"), alert=True)
        return END
    try:
        appointment, doctor = await movable_appointment(
            context.deps, await context.actor(), appointment_id
        )
    except DomainError as error:
        await tell(update, context, reply_for("reschedule", error))
        return END
    await context.answer()
    context.state[FLOW] = {
        "appointment": appointment.id.hex,
        "country": doctor.country,
        "specialty": appointment.specialty_id,
        "doctor": doctor.id,
        "doctor_name": doctor.full_name,
        "old": int(appointment.start.timestamp()),
        "reference": appointment.reference,
    }
    return await show_days(update, context, flow=FLOW)


async def week_chosen(update: Update, context: Context) -> int | None:
    return await screens.week_chosen(update, context, FLOW)


async def day_chosen(update: Update, context: Context) -> int | None:
    return await screens.day_chosen(update, context, FLOW)


async def slot_chosen(update: Update, context: Context) -> int | None:
    data = tapped(update)
    parsed = cb.RESCHEDULING.slot.unpack(data)
    chosen = choices(context, FLOW)
    day = cb.parse_day(chosen.get("day", ""))
    if parsed is None or day is None:
        await stale(update, context)
        return None
    offered = {(s.doctor_id, s.slot.start) for s in await slots_between(context, day, day, FLOW)}
    if parsed not in offered:
        t = context.t
        return await show_times(update, context, t("book.unavailable"), FLOW)
    chosen["slot"] = [parsed[0], int(parsed[1].timestamp())]
    return await show_summary(update, context)


async def show_summary(update: Update, context: Context) -> int:
    t = context.t
    chosen = choices(context, FLOW)
    zone = get_country(chosen["country"]).timezone
    old = datetime.fromtimestamp(chosen["old"], UTC)
    new = datetime.fromtimestamp(chosen["slot"][1], UTC)
    text = t(
        "resched.summary",
        reference=chosen["reference"],
        doctor=chosen["doctor_name"],
        old_day=t.day(old, zone),
        old_time=t.time(old, zone),
        day=t.day(new, zone),
        time=t.time(new, zone),
        zone=zone.key,
    )
    await show(
        update,
        text,
        with_navigation(
            t, [[button(t("book.confirm"), cb.RESCHEDULING.confirm.pack())]], flow=FLOW
        ),
    )
    return CONFIRM


async def confirmed(update: Update, context: Context) -> int | None:
    t = context.t
    chosen = choices(context, FLOW)
    appointment_id = cb.parse_uuid(str(chosen.get("appointment", "")))
    if appointment_id is None or "slot" not in chosen:
        await stale(update, context)
        return END
    command = RescheduleCommand(appointment_id, datetime.fromtimestamp(chosen["slot"][1], UTC))
    try:
        appointment = await reschedule(context.deps, await context.actor(), command)
    except DomainError as error:
        reply = reply_for("reschedule", error)
        if reply.then is Then.PICK_AGAIN:
            return await show_times(update, context, t(reply.key), FLOW)
        context.state.pop(FLOW, None)
        await tell(update, context, reply)
        return END
    zone = get_country(appointment.country).timezone
    text = t(
        "resched.done",
        reference=appointment.reference,
        doctor=chosen["doctor_name"],
        day=t.day(appointment.start, zone),
        time=t.time(appointment.start, zone),
        zone=zone.key,
        status=t(f"status.{appointment.status}"),
    )
    context.state.pop(FLOW, None)
    await show(update, text)
    return END


async def back_to_list(update: Update, context: Context) -> int:
    context.state.pop(FLOW, None)
    await list_upcoming(update, context)
    return END


async def back_to_days(update: Update, context: Context) -> int:
    return await show_days(
        update, context, cb.parse_day(choices(context, FLOW).get("week", "")), FLOW
    )


async def back_to_times(update: Update, context: Context) -> int:
    return await show_times(update, context, flow=FLOW)


async def aborted(update: Update, context: Context) -> int:
    if update.callback_query:
        await context.answer()
    context.state.pop(FLOW, None)
    await show(update, context.t("my.kept"))
    return END


def reschedule_handler() -> ConversationHandler[Context]:
    buttons = cb.RESCHEDULING
    back = buttons.back.pattern
    return conversation(
        entry_points=[on_tap(cb.MY_RESCHEDULE.pattern, begin)],
        states={
            DAY: [
                on_tap(buttons.day.pattern, day_chosen),
                on_tap(buttons.week.pattern, week_chosen),
                on_tap(back, back_to_list),
            ],
            TIME: [on_tap(buttons.slot.pattern, slot_chosen), on_tap(back, back_to_days)],
            CONFIRM: [on_tap(buttons.confirm.pattern, confirmed), on_tap(back, back_to_times)],
        },
        fallbacks=[
            CommandHandler("cancel", aborted),
            on_tap(buttons.cancel.pattern, aborted),
            CallbackQueryHandler(stale, pattern=buttons.any_pattern),
        ],
        name="reschedule",
    )
