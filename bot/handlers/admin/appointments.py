"""Admin → Appointments: a day's list per location or doctor, finding one by reference
or national ID, and opening one (audited) with its history and what can be done to it."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot.handlers.admin.appointment_text import detail_text, line_text
from bot.handlers.admin.guard import admin_tapped
from bot.handlers.admin.patient_data import patient_buttons
from bot.handlers.errors import reply_for, tell
from bot.i18n import Translator
from bot.telegram import callbacks as cb
from bot.telegram.context import Context
from bot.telegram.keyboards import button, columns
from bot.telegram.screens import show
from domain.appointment_lines import AppointmentLine
from domain.countries import get_country
from domain.errors import DomainError
from domain.queries import DayQuery, clinic_day, clinic_doctors, clinic_locations, clinic_today
from domain.status import Status, can_transition
from domain.usecases.lookup import find_appointments, open_appointment

SECTION = cb.ADMIN_SECTION.pack("appointments")
END = ConversationHandler.END
FIND = 40  # waiting for a typed reference or national ID


def back_to_section(context: Context) -> list[InlineKeyboardButton]:
    return [button(context.t("admin.back"), SECTION)]


async def show_section(update: Update, context: Context) -> int:
    admin = await admin_tapped(update, context)
    if admin is None:
        return END
    t = context.t
    today, _zone = await clinic_today(context.deps)
    places = [
        button(t("admin.appt.at", place=loc.name), cb.ADMIN_DAY_AT.pack((loc.id or 0, today)))
        for loc in await clinic_locations(context.deps, admin)
    ]
    rows = [
        [button(t("admin.appt.everywhere"), cb.ADMIN_DAY_AT.pack((0, today)))],
        *columns(places, 1),
        [button(t("admin.appt.by_doctor"), cb.ADMIN_DAY_OF.pack((0, today)))],
        [button(t("admin.appt.find"), cb.ADMIN_FIND.pack())],
        [button(t("admin.back"), cb.ADMIN_MENU.pack())],
    ]
    await show(update, t("admin.appt.title"), InlineKeyboardMarkup(rows))
    return END


async def day_at(update: Update, context: Context) -> int:
    """A day at one location (0: everywhere)."""
    admin = await admin_tapped(update, context)
    assert update.callback_query
    chosen = cb.ADMIN_DAY_AT.unpack(update.callback_query.data)
    if admin is None or chosen is None:
        return END
    location_id, day = chosen
    names = {loc.id: loc.name for loc in await clinic_locations(context.deps, admin)}
    place = names.get(location_id) or context.t("admin.appt.everywhere")
    query = DayQuery(day, location_id=location_id or None)
    await _show_day(update, context, query, place, codec=cb.ADMIN_DAY_AT, owner=location_id)
    return END


async def day_of(update: Update, context: Context) -> int:
    """A doctor's day; with doctor 0, the doctors to choose from."""
    admin = await admin_tapped(update, context)
    assert update.callback_query
    chosen = cb.ADMIN_DAY_OF.unpack(update.callback_query.data)
    if admin is None or chosen is None:
        return END
    doctor_id, day = chosen
    doctors = await clinic_doctors(context.deps, admin)
    if not doctor_id:
        choices = [button(d.full_name, cb.ADMIN_DAY_OF.pack((d.id or 0, day))) for d in doctors]
        markup = InlineKeyboardMarkup([*columns(choices, 1), back_to_section(context)])
        await show(update, context.t("admin.appt.choose_doctor"), markup)
        return END
    name = next((d.full_name for d in doctors if d.id == doctor_id), "")
    query = DayQuery(day, doctor_id=doctor_id)
    await _show_day(update, context, query, name, codec=cb.ADMIN_DAY_OF, owner=doctor_id)
    return END


async def _show_day(
    update: Update,
    context: Context,
    query: DayQuery,
    title: str,
    *,
    codec: cb.Codec[tuple[int, date]],
    owner: int,
) -> None:
    t = context.t
    admin = await context.admin()
    assert admin is not None
    lines = await clinic_day(context.deps, admin, query)
    text = [t("admin.appt.day", place=title, day=t.day(query.day))]
    text += [line_text(t, line) for line in lines] or [t("admin.appt.none")]
    opens = [_open_button(t, line) for line in lines]
    days = [
        button(t("admin.appt.previous"), codec.pack((owner, query.day - timedelta(days=1)))),
        button(t("admin.appt.next"), codec.pack((owner, query.day + timedelta(days=1)))),
    ]
    markup = InlineKeyboardMarkup([*columns(opens, 2), days, back_to_section(context)])
    await show(update, "\n".join(text), markup)


def _open_button(t: Translator, line: AppointmentLine) -> InlineKeyboardButton:
    """``10:30 K7M2-9QX4``: opens the appointment."""
    a = line.appointment
    return button(f"{t.time(a.start, _zone(line))} {a.reference}", cb.ADMIN_OPEN.pack(a.id))


def _zone(line: AppointmentLine) -> ZoneInfo:
    return get_country(line.appointment.country).timezone


async def open_one(update: Update, context: Context) -> int:
    admin = await admin_tapped(update, context)
    assert update.callback_query
    appointment_id = cb.ADMIN_OPEN.unpack(update.callback_query.data)
    if admin is None or appointment_id is None:
        return END
    await show_appointment(update, context, appointment_id)
    return END


async def show_appointment(
    update: Update, context: Context, appointment_id: uuid.UUID, above: str = ""
) -> None:
    """The appointment opened (audited), with a button for each change its status allows."""
    admin = await context.admin()
    assert admin is not None
    try:
        line = await open_appointment(context.deps, admin, appointment_id)
    except DomainError as error:
        await tell(update, context, reply_for("admin_open", error))
        return
    text = "\n\n".join(filter(None, [above, detail_text(context.t, line)]))
    await show(update, text, InlineKeyboardMarkup(actions(context, line)))


def actions(context: Context, line: AppointmentLine) -> list[list[InlineKeyboardButton]]:
    t = context.t
    a = line.appointment
    rows = []
    if can_transition(a.status, Status.CANCELLED):
        rows.append([button(t("admin.appt.cancel"), cb.ADMIN_CANCEL.pack(a.id))])
    if a.is_active:
        rows.append([button(t("admin.appt.move"), cb.ADMIN_MOVE.pack(a.id))])
    marks = [
        button(t(f"admin.appt.mark.{s}"), cb.ADMIN_MARK.pack((a.id, s.value)))
        for s in (Status.COMPLETED, Status.NO_SHOW)
        if can_transition(a.status, s)
    ]
    if marks:
        rows.append(marks)
    local_day = a.start.astimezone(_zone(line)).date()
    rows.append(
        [button(t("admin.appt.doctor_day"), cb.ADMIN_DAY_OF.pack((a.doctor_id, local_day)))]
    )
    rows.append(back_to_section(context))
    return rows


async def ask_to_find(update: Update, context: Context) -> int:
    if await admin_tapped(update, context) is None:
        return END
    markup = InlineKeyboardMarkup([back_to_section(context)])
    await show(update, context.t("admin.appt.find_prompt"), markup)
    return FIND


async def found(update: Update, context: Context) -> int:
    """What the admin typed: a reference opens that appointment; a national ID lists the
    patient's. Bad input is answered and the admin may type again."""
    admin = await context.admin()
    message = update.effective_message
    if admin is None or message is None or not message.text:
        return END
    t = context.t
    markup = InlineKeyboardMarkup([back_to_section(context)])
    try:
        result = await find_appointments(context.deps, admin, message.text)
    except DomainError as error:
        reply = reply_for("admin_find", error)
        await message.reply_text(t(reply.key), reply_markup=markup)
        return FIND
    if result.patient is None and len(result.lines) == 1:
        [line] = result.lines
        await show(update, detail_text(t, line), InlineKeyboardMarkup(actions(context, line)))
        return END
    text = [
        t("admin.appt.patient_visits", patient=result.patient.full_name if result.patient else "")
    ]
    text += [line_text(t, line, with_day=True) for line in result.lines] or [t("admin.appt.none")]
    opens = [
        button(line.appointment.reference, cb.ADMIN_OPEN.pack(line.appointment.id))
        for line in result.lines
    ]
    rights = patient_buttons(context, result.patient) if result.patient else []
    rows = [*columns(opens, 2), *rights, *markup.inline_keyboard]
    await show(update, "\n".join(text), InlineKeyboardMarkup(rows))
    return END
