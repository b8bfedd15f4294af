"""/my: upcoming appointments, each active one with Reschedule and Cancel (confirmed)."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.i18n import Translator
from bot.telegram import callbacks as cb
from bot.telegram.context import Context, services, translator
from bot.telegram.keyboards import button
from bot.telegram.screens import show
from domain.booking import Actor, Role, cancel
from domain.countries import get_country
from domain.directory import upcoming_appointments
from domain.entities import Appointment
from domain.errors import CancellationWindowClosed, InvalidTransition, NotFound
from domain.registration import find_patient


def _when(t: Translator, appointment: Appointment) -> dict[str, str]:
    zone = get_country(appointment.country).timezone
    return {
        "day": t.day(appointment.start, zone),
        "time": t.time(appointment.start, zone),
        "zone": zone.key,
    }


async def list_upcoming(update: Update, context: Context) -> None:
    assert update.effective_user
    t = translator(update, context)
    svc = services(context)
    patient = await find_patient(svc.uow(read_only=True), update.effective_user.id)
    if patient is None:
        await show(update, t("reg.needed"))
        return
    found = await upcoming_appointments(svc.uow(read_only=True), svc.clock, patient.id or 0)
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
                    button(move, f"my:r:{appointment.id.hex}"),  # bot/handlers/reschedule.py
                    button(label, f"my:c:{appointment.id.hex}"),
                ]
            )
    await show(update, "\n\n".join(lines), InlineKeyboardMarkup(buttons) if buttons else None)


async def own_appointment(update: Update, context: Context) -> Appointment | None:
    """The appointment a button names, if it is the tapping patient's own and active."""
    query = update.callback_query
    assert query and query.data and update.effective_user
    appointment_id = cb.parse_uuid(query.data.split(":")[-1])
    svc = services(context)
    patient = await find_patient(svc.uow(read_only=True), update.effective_user.id)
    if appointment_id is None or patient is None:
        return None
    async with svc.uow(read_only=True) as uow:
        appointment = await uow.appointments.get(appointment_id)
    if appointment is None or appointment.patient_id != patient.id or not appointment.is_active:
        return None
    return appointment


async def ask_to_cancel(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query
    t = translator(update, context)
    appointment = await own_appointment(update, context)
    if appointment is None:
        await query.answer(t("button.stale"), show_alert=True)
        return
    await query.answer()
    keyboard = InlineKeyboardMarkup(
        [[button(t("my.yes"), f"my:y:{appointment.id.hex}"), button(t("my.no"), "my:n")]]
    )
    text = t("my.confirm_cancel", reference=appointment.reference, **_when(t, appointment))
    await show(update, text, keyboard)


async def cancel_confirmed(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query and update.effective_user
    t = translator(update, context)
    appointment = await own_appointment(update, context)
    if appointment is None:
        await query.answer(t("button.stale"), show_alert=True)
        return
    svc = services(context)
    actor = Actor(Role.PATIENT, appointment.patient_id)
    try:
        await cancel(svc.uow(), svc.clock, appointment.id, actor, reason="patient")
    except CancellationWindowClosed:
        await query.answer()
        await show(update, t("my.window_closed"))
        return
    except (NotFound, InvalidTransition):
        await query.answer(t("button.stale"), show_alert=True)
        return
    await query.answer()
    await show(update, t("my.cancelled", reference=appointment.reference))


async def keep(update: Update, context: Context) -> None:
    assert update.callback_query
    await update.callback_query.answer()
    await show(update, translator(update, context)("my.kept"))


async def will_attend(update: Update, context: Context) -> None:
    """The reminder's "I'll attend" button: a thank-you, for the patient's own appointment."""
    query = update.callback_query
    assert query
    t = translator(update, context)
    if await own_appointment(update, context) is None:
        await query.answer(t("button.stale"), show_alert=True)
        return
    await query.answer(t("notify.attend_thanks"))
    await query.edit_message_reply_markup(None)


def my_appointments_handlers() -> list[
    CommandHandler[Context, None] | CallbackQueryHandler[Context, None]
]:
    return [
        CommandHandler("my", list_upcoming),
        CallbackQueryHandler(ask_to_cancel, pattern=r"^my:c:"),
        CallbackQueryHandler(cancel_confirmed, pattern=r"^my:y:"),
        CallbackQueryHandler(keep, pattern=r"^my:n$"),
        CallbackQueryHandler(will_attend, pattern=r"^rm:ok:"),
    ]
