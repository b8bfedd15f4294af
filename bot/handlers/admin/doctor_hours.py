"""Admin → Doctors → hours and time off, and the booked visits a change leaves outside.

The hours are typed, one line per day or days (``domain.working_hours`` has the
format); time off is a day or a range of days. After either is saved, the admin sees
every active visit from now on that no longer fits, and keeps or cancels each (or all):
a cancellation asks for the reason the patients will read, then goes through the
cancellation use case, which tells each patient with the clinic's phone.
"""

from __future__ import annotations

import uuid

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bot.handlers.admin.doctor_card import DRAFT, NEW, command, draft, find_doctor, show_card
from bot.handlers.admin.typed import ask, complain, step, tap
from bot.telegram import callbacks as cb
from bot.telegram.context import Context
from bot.telegram.keyboards import button
from bot.telegram.screens import show
from domain.actors import Actor
from domain.countries import get_country
from domain.entities import Appointment, Doctor
from domain.errors import DomainError, InvalidSetup
from domain.usecases.cancellation import CancelCommand, cancel
from domain.usecases.doctors import save_doctor
from domain.usecases.hours import add_time_off, outside_hours, set_hours
from domain.working_hours import MAX_REASON, local_today, parse_time_off, parse_week, show_week

KEPT = "adm_kept"  # the stranded visits the admin chose to keep, by doctor
CANCELLING = "adm_cancelling"  # the visits whose reason is being typed


async def field_chosen(update: Update, context: Context, doctor: Doctor, name: str) -> None:
    if name == "hours":
        await ask_hours(update, context, doctor)
    elif name == "off":
        await ask(update, context, context.t("admin.hours.ask_time_off"), "dr.off")


async def ask_hours(update: Update, context: Context, doctor: Doctor | None) -> None:
    t = context.t
    current = show_week(doctor.plan.weekly, t.language) if doctor else ""
    text = t("admin.hours.ask", current=current or "-")
    await ask(update, context, text, "dr.hours")


@step("dr.hours")
async def hours_typed(update: Update, context: Context, admin: Actor, text: str) -> None:
    try:
        weekly = parse_week(text)
    except DomainError as error:
        await complain(update, context, error, "dr.hours")
        return
    known = draft(context)
    try:
        if known.get("id", NEW) == NEW:
            doctor = await save_doctor(context.deps, admin, command(context, weekly))
            stranded: list[Appointment] = []
        else:
            stranded = await set_hours(context.deps, admin, known["id"], weekly)
            doctor = await find_doctor(context, admin, known["id"])
    except InvalidSetup as error:
        await complain(update, context, error, "dr.hours")
        return
    except DomainError as error:
        await complain(update, context, error)
        return
    context.state.pop(DRAFT, None)
    await after_change(update, context, admin, doctor, stranded)


@step("dr.off")
async def time_off_typed(update: Update, context: Context, admin: Actor, text: str) -> None:
    doctor_id = draft(context).get("id", NEW)
    try:
        doctor = await find_doctor(context, admin, doctor_id)
        zone = get_country(doctor.country).timezone
        off = parse_time_off(text, zone, local_today(context.deps.clock.now(), zone))
        stranded = await add_time_off(context.deps, admin, doctor_id, off)
    except InvalidSetup as error:
        await complain(update, context, error, "dr.off")
        return
    except DomainError as error:
        await complain(update, context, error)
        return
    await after_change(update, context, admin, doctor, stranded)


async def after_change(
    update: Update, context: Context, admin: Actor, doctor: Doctor, stranded: list[Appointment]
) -> None:
    """The card, or first the visits the change left outside the doctor's hours."""
    context.state.setdefault(KEPT, {})[str(doctor.id)] = []
    if stranded:
        await show_stranded(update, context, doctor, stranded)
    else:
        await show_card(update, context, admin, doctor.id or 0)


def _kept(context: Context, doctor_id: int) -> set[str]:
    return set(context.state.get(KEPT, {}).get(str(doctor_id), []))


async def show_stranded(
    update: Update, context: Context, doctor: Doctor, stranded: list[Appointment]
) -> None:
    t = context.t
    zone = get_country(doctor.country).timezone
    kept = _kept(context, doctor.id or 0)
    rows, lines = [], [t("admin.stranded.title", name=doctor.full_name, count=len(stranded))]
    for a in stranded:
        when = f"{t.day(a.start, zone)} {t.time(a.start, zone)}"
        lines.append(t("admin.stranded.item", when=when, reference=a.reference))
        if a.id.hex in kept:
            continue
        rows.append(
            [
                button(
                    t("admin.stranded.keep", reference=a.reference),
                    cb.ADMIN_STRANDED_KEEP.pack(a.id),
                ),
                button(
                    t("admin.stranded.cancel", reference=a.reference),
                    cb.ADMIN_STRANDED_CANCEL.pack(a.id),
                ),
            ]
        )
    rows.append(
        [
            button(t("admin.stranded.keep_all"), cb.ADMIN_STRANDED_KEEP_ALL.pack()),
            button(t("admin.stranded.cancel_all"), cb.ADMIN_STRANDED_CANCEL_ALL.pack()),
        ]
    )
    context.state[DRAFT] = {"id": doctor.id}
    await show(update, "\n".join(lines), InlineKeyboardMarkup(rows))


async def _open(context: Context, admin: Actor) -> tuple[Doctor, list[Appointment]]:
    """The doctor being looked at and their visits still outside the hours, not kept."""
    doctor = await find_doctor(context, admin, draft(context).get("id", NEW))
    kept = _kept(context, doctor.id or 0)
    stranded = await outside_hours(context.deps, admin, doctor.id or 0)
    return doctor, [a for a in stranded if a.id.hex not in kept]


async def _next(update: Update, context: Context, admin: Actor) -> None:
    try:
        doctor, left = await _open(context, admin)
    except DomainError as error:
        await complain(update, context, error)
        return
    if left:
        await show_stranded(update, context, doctor, left)
    else:
        await show_card(update, context, admin, doctor.id or 0)


async def keep_one(update: Update, context: Context, admin: Actor) -> None:
    assert update.callback_query
    chosen = cb.ADMIN_STRANDED_KEEP.unpack(update.callback_query.data)
    doctor_id = str(draft(context).get("id", NEW))
    if chosen is not None:
        context.state.setdefault(KEPT, {}).setdefault(doctor_id, []).append(chosen.hex)
    await _next(update, context, admin)


async def keep_all(update: Update, context: Context, admin: Actor) -> None:
    doctor_id = draft(context).get("id", NEW)
    await show_card(update, context, admin, doctor_id)


async def cancel_one(update: Update, context: Context, _admin: Actor) -> None:
    assert update.callback_query
    chosen = cb.ADMIN_STRANDED_CANCEL.unpack(update.callback_query.data)
    if chosen is None:
        return
    context.state[CANCELLING] = [chosen.hex]
    await ask(update, context, context.t("admin.stranded.ask_reason", count=1), "dr.reason")


async def cancel_all(update: Update, context: Context, admin: Actor) -> None:
    try:
        _, left = await _open(context, admin)
    except DomainError as error:
        await complain(update, context, error)
        return
    context.state[CANCELLING] = [a.id.hex for a in left]
    await ask(update, context, context.t("admin.stranded.ask_reason", count=len(left)), "dr.reason")


@step("dr.reason")
async def reason_typed(update: Update, context: Context, admin: Actor, text: str) -> None:
    reason = " ".join(text.split())
    if not 2 <= len(reason) <= MAX_REASON:
        await complain(update, context, InvalidSetup("reason_length"), "dr.reason")
        return
    done = 0
    for hex_id in context.state.pop(CANCELLING, []):
        try:
            await cancel(context.deps, admin, CancelCommand(uuid.UUID(hex=hex_id), reason))
        except DomainError:
            continue  # cancelled or moved meanwhile: nothing left to do for it
        done += 1
    assert update.effective_message
    await update.effective_message.reply_text(context.t("admin.stranded.cancelled", count=done))
    await _next(update, context, admin)


def handlers() -> list[CallbackQueryHandler[Context, int]]:
    return [
        tap(cb.ADMIN_STRANDED_KEEP.pattern, keep_one),
        tap(cb.ADMIN_STRANDED_KEEP_ALL.pattern, keep_all),
        tap(cb.ADMIN_STRANDED_CANCEL.pattern, cancel_one),
        tap(cb.ADMIN_STRANDED_CANCEL_ALL.pattern, cancel_all),
    ]
