"""/my: upcoming appointments, each active one with Reschedule and Cancel (confirmed), and
each visit the clinic has confirmed with its calendar file, sent again on request."""

from __future__ import annotations

import uuid

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.handlers.errors import reply_for, tell
from bot.i18n import Translator
from bot.telegram import callbacks as cb
from bot.telegram.context import Context
from bot.telegram.keyboards import button
from bot.telegram.screens import show
from domain.countries import get_country
from domain.entities import Appointment
from domain.errors import DomainError, NotFound
from domain.queries import own_active_appointment, upcoming_visits
from domain.status import Status
from domain.usecases.attendance import confirm_attendance
from domain.usecases.calendar_files import send_calendar_file_again
from domain.usecases.cancellation import CancelCommand, cancel


def _when(t: Translator, appointment: Appointment) -> dict[str, str]:
    zone = get_country(appointment.country).timezone
    return {
        "day": t.day(appointment.start, zone),
        "time": t.time(appointment.start, zone),
        "zone": zone.key,
    }


async def list_upcoming(update: Update, context: Context) -> None:
    t = context.t
    try:
        found = await upcoming_visits(context.deps, await context.actor())
    except DomainError as error:
        await tell(update, context, reply_for("my", error))
        return
    if not found:
        await show(update, t("my.none"))
        return
    lines = [t("my.header")]
    buttons = []
    for appointment, doctor in found:
        lines.append(
            t(
                "my.item",
                reference=appointment.reference,
                doctor=doctor.full_name if doctor else "",
                status=t(f"status.{appointment.status}"),
                **_when(t, appointment),
            )
        )
        if appointment.is_active:
            label = t("my.cancel_button", reference=appointment.reference)
            move = t("my.reschedule_button", reference=appointment.reference)
            buttons.append(
                [
                    button(move, cb.MY_RESCHEDULE.pack(appointment.id)),  # patient/reschedule.py
                    button(label, cb.MY_CANCEL.pack(appointment.id)),
                ]
            )
        if appointment.status is Status.ASSIGNED:
            ics = t("my.calendar_button", reference=appointment.reference)
            buttons.append([button(ics, cb.MY_CALENDAR_FILE.pack(appointment.id))])
    await show(update, "\n\n".join(lines), InlineKeyboardMarkup(buttons) if buttons else None)


async def own_appointment(
    update: Update, context: Context, codec: cb.Codec[uuid.UUID]
) -> Appointment | None:
    """The appointment a button names, if it is the tapping patient's own and active."""
    query = update.callback_query
    assert query
    appointment_id = codec.unpack(query.data)
    if appointment_id is None:
        return None
    try:
        appointment, _doctor = await own_active_appointment(
            context.deps, await context.actor(), appointment_id
        )
    except DomainError:
        return None
    return appointment


async def ask_to_cancel(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query
    t = context.t
    appointment = await own_appointment(update, context, cb.MY_CANCEL)
    if appointment is None:
        await context.answer(t("button.stale"), alert=True)
        return
    await context.answer()
    yes = button(t("my.yes"), cb.MY_CANCEL_YES.pack(appointment.id))
    keyboard = InlineKeyboardMarkup([[yes, button(t("my.no"), cb.MY_KEEP.pack())]])
    text = t("my.confirm_cancel", reference=appointment.reference, **_when(t, appointment))
    await show(update, text, keyboard)


async def cancel_confirmed(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query
    t = context.t
    appointment_id = cb.MY_CANCEL_YES.unpack(query.data)
    if appointment_id is None:
        await context.answer(t("button.stale"), alert=True)
        return
    try:
        appointment = await cancel(
            context.deps, await context.actor(), CancelCommand(appointment_id, reason="patient")
        )
    except DomainError as error:
        await tell(update, context, reply_for("cancel", error))
        return
    await context.answer()
    await show(update, t("my.cancelled", reference=appointment.reference))


async def keep(update: Update, context: Context) -> None:
    assert update.callback_query
    await context.answer()
    await show(update, context.t("my.kept"))


async def calendar_file_again(update: Update, context: Context) -> None:
    """A confirmed visit's 📅: its ``.ics`` once more, through the outbox, with a toast;
    someone else's, or a visit no longer confirmed, gets the stale alert."""
    query = update.callback_query
    assert query
    appointment_id = cb.MY_CALENDAR_FILE.unpack(query.data)
    try:
        if appointment_id is None:
            raise NotFound("appointment")
        appointment = await send_calendar_file_again(
            context.deps, await context.actor(), appointment_id
        )
    except DomainError as error:
        await tell(update, context, reply_for("calendar_file", error))
        return
    await context.answer(context.t("my.calendar_sent", reference=appointment.reference))


async def will_attend(update: Update, context: Context) -> None:
    """The reminder's "I'll attend" button: recorded (the doctor's agenda shows it) and
    thanked, for the patient's own active appointment."""
    query = update.callback_query
    assert query
    t = context.t
    appointment_id = cb.REMINDER_ATTEND.unpack(query.data)
    try:
        if appointment_id is None:
            raise NotFound("appointment")
        await confirm_attendance(context.deps, await context.actor(), appointment_id)
    except DomainError:
        await context.answer(t("button.stale"), alert=True)
        return
    await context.answer(t("notify.attend_thanks"))
    await query.edit_message_reply_markup(None)


def my_appointments_handlers() -> list[
    CommandHandler[Context, None] | CallbackQueryHandler[Context, None]
]:
    return [
        CommandHandler("my", list_upcoming),
        CallbackQueryHandler(ask_to_cancel, pattern=cb.MY_CANCEL.pattern),
        CallbackQueryHandler(cancel_confirmed, pattern=cb.MY_CANCEL_YES.pattern),
        CallbackQueryHandler(keep, pattern=cb.MY_KEEP.pattern),
        CallbackQueryHandler(calendar_file_again, pattern=cb.MY_CALENDAR_FILE.pattern),
        CallbackQueryHandler(will_attend, pattern=cb.REMINDER_ATTEND.pattern),
    ]
