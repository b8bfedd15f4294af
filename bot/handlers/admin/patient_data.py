"""Admin → Appointments → a patient found by national ID: their data export, sent to the
admin, and their erasure, asked first. For a patient who asks by phone; both audited with
the admin as the actor (``domain.usecases.privacy``)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot.handlers.admin.guard import admin_tapped
from bot.handlers.errors import reply_for, tell
from bot.handlers.privacy_files import forget_in_memory, send_export
from bot.telegram import callbacks as cb
from bot.telegram.context import Context
from bot.telegram.keyboards import button
from bot.telegram.screens import show
from domain.entities import Patient
from domain.errors import DomainError, NotFound
from domain.privacy import is_erased
from domain.usecases.lookup import open_patient
from domain.usecases.privacy import erase, export_data

END = ConversationHandler.END


def patient_buttons(context: Context, patient: Patient) -> list[list[InlineKeyboardButton]]:
    """Under a patient's visits: Export data and Erase patient (none for one erased)."""
    if patient.id is None or is_erased(patient):
        return []
    t = context.t
    return [
        [
            button(t("admin.appt.export"), cb.ADMIN_EXPORT.pack(patient.id)),
            button(t("admin.appt.erase"), cb.ADMIN_ERASE.pack(patient.id)),
        ]
    ]


async def export(update: Update, context: Context) -> int:
    admin = await admin_tapped(update, context)
    assert update.callback_query
    patient_id = cb.ADMIN_EXPORT.unpack(update.callback_query.data)
    if admin is None or patient_id is None or update.effective_chat is None:
        return END
    try:
        found = await export_data(context.deps, admin, patient_id)
    except DomainError as error:
        await tell(update, context, reply_for("admin_privacy", error))
        return END
    await send_export(context, update.effective_chat.id, found)
    return END


async def ask_to_erase(update: Update, context: Context) -> int:
    admin = await admin_tapped(update, context)
    assert update.callback_query
    patient_id = cb.ADMIN_ERASE.unpack(update.callback_query.data)
    if admin is None or patient_id is None:
        return END
    t = context.t
    try:
        patient = await open_patient(context.deps, admin, patient_id)
    except DomainError as error:
        await tell(update, context, reply_for("admin_privacy", error))
        return END
    if is_erased(patient):
        await tell(update, context, reply_for("admin_privacy", NotFound("patient")))
        return END
    markup = InlineKeyboardMarkup(
        [
            [button(t("admin.appt.erase_yes"), cb.ADMIN_ERASE_YES.pack(patient_id))],
            [button(t("admin.back"), cb.ADMIN_SECTION.pack("appointments"))],
        ]
    )
    await show(update, t("admin.appt.erase_confirm", patient=patient.full_name), markup)
    return END


async def erase_confirmed(update: Update, context: Context) -> int:
    admin = await admin_tapped(update, context)
    assert update.callback_query
    patient_id = cb.ADMIN_ERASE_YES.unpack(update.callback_query.data)
    if admin is None or patient_id is None:
        return END
    try:
        erasure = await erase(context.deps, admin, patient_id)
    except DomainError as error:
        await tell(update, context, reply_for("admin_privacy", error))
        return END
    forget_in_memory(context, erasure.former_account)
    back = button(context.t("admin.back"), cb.ADMIN_SECTION.pack("appointments"))
    text = context.t("admin.appt.erased", count=len(erasure.cancelled))
    await show(update, text, InlineKeyboardMarkup([[back]]))
    return END
