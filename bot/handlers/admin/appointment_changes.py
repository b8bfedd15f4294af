"""Admin → an opened appointment: cancel with a typed reason, move to one of the doctor's
next free times, mark completed or no-show. The same use cases patients and doctors use,
with the admin as the actor; the patient is told through the outbox as always."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot.handlers.admin.appointments import show_appointment
from bot.handlers.admin.guard import admin_tapped
from bot.handlers.errors import reply_for, tell
from bot.telegram import callbacks as cb
from bot.telegram.context import Context
from bot.telegram.keyboards import button, columns
from bot.telegram.screens import show
from domain.countries import get_country
from domain.errors import DomainError
from domain.queries import SlotQuery, open_slots
from domain.status import Status
from domain.usecases.cancellation import CancelCommand, cancel
from domain.usecases.lookup import open_appointment
from domain.usecases.reschedule import RescheduleCommand, reschedule
from domain.usecases.status import StatusCommand, change_status

END = ConversationHandler.END
REASON = 41  # waiting for the typed reason of a cancellation
MAX_REASON = 200
#: How far ahead, and how many, free times are offered for a move.
MOVE_DAYS = 14
MOVE_CHOICES = 12
_CANCELLING = "adm_cancel"  # in .state: the appointment whose reason is awaited


async def ask_reason(update: Update, context: Context) -> int:
    admin = await admin_tapped(update, context)
    assert update.callback_query
    appointment_id = cb.ADMIN_CANCEL.unpack(update.callback_query.data)
    if admin is None or appointment_id is None:
        return END
    context.state[_CANCELLING] = appointment_id.hex
    back = button(context.t("admin.back"), cb.ADMIN_OPEN.pack(appointment_id))
    await show(update, context.t("admin.appt.reason_prompt"), InlineKeyboardMarkup([[back]]))
    return REASON


async def reason_given(update: Update, context: Context) -> int:
    admin = await context.admin()
    message = update.effective_message
    appointment_id = cb.parse_uuid(str(context.state.get(_CANCELLING, "")))
    if admin is None or message is None or appointment_id is None:
        return END
    reason = " ".join((message.text or "").split())
    if not reason or len(reason) > MAX_REASON:
        await message.reply_text(context.t("admin.appt.bad_reason", limit=MAX_REASON))
        return REASON
    context.state.pop(_CANCELLING, None)
    try:
        await cancel(context.deps, admin, CancelCommand(appointment_id, reason=reason))
        above = context.t("admin.appt.cancelled")
    except DomainError as error:
        above = context.t(reply_for("admin_cancel", error).key)
    await show_appointment(update, context, appointment_id, above)
    return END


async def free_times(update: Update, context: Context) -> int:
    """The doctor's next free times, as buttons."""
    admin = await admin_tapped(update, context)
    assert update.callback_query
    appointment_id = cb.ADMIN_MOVE.unpack(update.callback_query.data)
    if admin is None or appointment_id is None:
        return END
    t = context.t
    try:
        line = await open_appointment(context.deps, admin, appointment_id)
    except DomainError as error:
        await tell(update, context, reply_for("admin_open", error))
        return END
    a = line.appointment
    zone = get_country(a.country).timezone
    today = context.deps.clock.now().astimezone(zone).date()
    query = SlotQuery(
        a.country, a.specialty_id, a.doctor_id, today, today + timedelta(days=MOVE_DAYS)
    )
    slots = (await open_slots(context.deps, query))[:MOVE_CHOICES]
    choices = [
        button(
            f"{t.short_day(s.slot.start.astimezone(zone).date())} {t.time(s.slot.start, zone)}",
            cb.ADMIN_MOVE_TO.pack((a.id, s.slot.start)),
        )
        for s in slots
    ]
    back = [button(t("admin.back"), cb.ADMIN_OPEN.pack(a.id))]
    text = t("admin.appt.move_prompt", reference=a.reference, zone=zone.key)
    if not choices:
        text = t("admin.appt.no_free_times")
    await show(update, text, InlineKeyboardMarkup([*columns(choices, 3), back]))
    return END


async def move_to(update: Update, context: Context) -> int:
    admin = await admin_tapped(update, context)
    assert update.callback_query
    chosen = cb.ADMIN_MOVE_TO.unpack(update.callback_query.data)
    if admin is None or chosen is None:
        return END
    appointment_id, start = chosen
    try:
        await reschedule(context.deps, admin, RescheduleCommand(appointment_id, start))
        above = context.t("admin.appt.moved_done")
    except DomainError as error:
        above = context.t(reply_for("admin_move", error).key)
    await show_appointment(update, context, appointment_id, above)
    return END


async def mark(update: Update, context: Context) -> int:
    admin = await admin_tapped(update, context)
    assert update.callback_query
    chosen = cb.ADMIN_MARK.unpack(update.callback_query.data)
    if admin is None or chosen is None:
        return END
    appointment_id, status = chosen
    try:
        await change_status(context.deps, admin, StatusCommand(appointment_id, Status(status)))
        above = context.t("admin.appt.marked", status=context.t(f"status.{status}"))
    except DomainError as error:
        above = context.t(reply_for("admin_mark", error).key)
    await show_appointment(update, context, appointment_id, above)
    return END
