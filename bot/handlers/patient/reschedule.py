"""Reschedule from /my: the same doctor's calendar and times, a summary, then the move.

It reuses /book's day and time screens under its own flow, ``rs``: its own
choices in the user data and its own callback prefix, so a /book left half
way never answers these buttons. Every button re-checks what it names.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler

from bot.handlers import calendar as screens
from bot.handlers.calendar import (
    CONFIRM,
    DAY,
    END,
    TIME,
    answered,
    choices,
    show_days,
    show_times,
    slots_between,
    stale,
)
from bot.handlers.patient.my_appointments import list_upcoming, own_appointment
from bot.telegram import callbacks as cb
from bot.telegram.context import Context, services, translator, user_state
from bot.telegram.keyboards import button, with_navigation
from bot.telegram.screens import conversation, show
from domain.booking import Actor, Role, check_movable, reschedule
from domain.countries import get_country
from domain.entities import Appointment, Doctor
from domain.errors import (
    CancellationWindowClosed,
    InvalidTransition,
    NotFound,
    PatientOverlap,
    SlotTaken,
    SlotUnavailable,
)

FLOW = "rs"


async def _own(update: Update, context: Context) -> tuple[Appointment, Doctor] | None:
    """The tapping patient's active appointment a ``my:r:`` button names, and its doctor."""
    appointment = await own_appointment(update, context)
    if appointment is None:
        return None
    async with services(context).uow(read_only=True) as uow:
        doctor = await uow.doctors.get(appointment.doctor_id)
    return None if doctor is None else (appointment, doctor)


async def begin(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query
    t = translator(update, context)
    found = await _own(update, context)
    if found is None or not found[1].active:
        await query.answer(t("button.stale"), show_alert=True)
        return END
    appointment, doctor = found
    actor = Actor(Role.PATIENT, appointment.patient_id)
    try:
        check_movable(appointment, actor, services(context).clock.now())
    except CancellationWindowClosed:
        await query.answer()
        await show(update, t("resched.window_closed"))
        return END
    await query.answer()
    user_state(context)[FLOW] = {
        "appointment": appointment.id.hex,
        "patient": appointment.patient_id,
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
    data = await answered(update)
    parsed = cb.parse_slot(data, FLOW)
    chosen = choices(context, FLOW)
    day = cb.parse_day(chosen.get("day", ""))
    if parsed is None or day is None:
        await stale(update, context)
        return None
    offered = {(s.doctor_id, s.slot.start) for s in await slots_between(context, day, day, FLOW)}
    if parsed not in offered:
        t = translator(update, context)
        return await show_times(update, context, t("book.unavailable"), FLOW)
    chosen["slot"] = [parsed[0], int(parsed[1].timestamp())]
    return await show_summary(update, context)


async def show_summary(update: Update, context: Context) -> int:
    t = translator(update, context)
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
    await show(update, text, with_navigation(t, [[button(t("book.confirm"), "rs:ok")]], flow=FLOW))
    return CONFIRM


async def confirmed(update: Update, context: Context) -> int | None:
    await answered(update)
    t = translator(update, context)
    chosen = choices(context, FLOW)
    appointment_id = cb.parse_uuid(str(chosen.get("appointment", "")))
    if appointment_id is None or "slot" not in chosen or "patient" not in chosen:
        await stale(update, context)
        return END
    svc = services(context)
    actor = Actor(Role.PATIENT, chosen["patient"])
    new_start = datetime.fromtimestamp(chosen["slot"][1], UTC)
    try:
        appointment = await reschedule(
            svc.uow(),
            svc.clock,
            appointment_id,
            new_start,
            actor,
            reminder_offsets=svc.settings.reminder_override,
        )
    except (NotFound, InvalidTransition):
        user_state(context).pop(FLOW, None)
        await stale(update, context)
        return END
    except CancellationWindowClosed:
        user_state(context).pop(FLOW, None)
        await show(update, t("resched.window_closed"))
        return END
    except SlotTaken:
        return await show_times(update, context, t("book.slot_taken"), FLOW)
    except (SlotUnavailable, PatientOverlap) as error:
        key = "book.overlap" if isinstance(error, PatientOverlap) else "book.unavailable"
        return await show_times(update, context, t(key), FLOW)
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
    user_state(context).pop(FLOW, None)
    await show(update, text)
    return END


async def back_to_list(update: Update, context: Context) -> int:
    await answered(update)
    user_state(context).pop(FLOW, None)
    await list_upcoming(update, context)
    return END


async def back_to_days(update: Update, context: Context) -> int:
    await answered(update)
    return await show_days(
        update, context, cb.parse_day(choices(context, FLOW).get("week", "")), FLOW
    )


async def back_to_times(update: Update, context: Context) -> int:
    await answered(update)
    return await show_times(update, context, flow=FLOW)


async def aborted(update: Update, context: Context) -> int:
    if update.callback_query:
        await update.callback_query.answer()
    user_state(context).pop(FLOW, None)
    await show(update, translator(update, context)("my.kept"))
    return END


Choice = Callable[[Update, Context], Coroutine[Any, Any, object]]


def reschedule_handler() -> ConversationHandler[Context]:
    def on(pattern: str, callback: Choice) -> CallbackQueryHandler[Context, object]:
        return CallbackQueryHandler(callback, pattern=pattern)

    back = r"^rs:back$"
    return conversation(
        entry_points=[on(r"^my:r:", begin)],
        states={
            DAY: [on(r"^rs:day:", day_chosen), on(r"^rs:w:", week_chosen), on(back, back_to_list)],
            TIME: [on(r"^rs:slot:", slot_chosen), on(back, back_to_days)],
            CONFIRM: [on(r"^rs:ok$", confirmed), on(back, back_to_times)],
        },
        fallbacks=[
            CommandHandler("cancel", aborted),
            on(r"^rs:x$", aborted),
            CallbackQueryHandler(stale, pattern=r"^rs:"),
        ],
        name="reschedule",
    )
