"""Admin → Doctors: the list, a doctor's card, adding one and editing their details.

Adding asks, in order, the name (typed), the specialties and the location and the visit
length (buttons), then the weekly hours (typed); the doctor is stored only at the end,
whole. Editing changes one detail at a time. Hours, time off and the visits they
strand are in :mod:`bot.handlers.admin.doctor_hours`.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bot.handlers.admin import doctor_hours
from bot.handlers.admin.doctor_card import (
    DRAFT,
    NEW,
    SECTION,
    back_to_list,
    command,
    draft,
    find_doctor,
    show_card,
)
from bot.handlers.admin.typed import ask, complain, step, tap
from bot.telegram import callbacks as cb
from bot.telegram.context import Context
from bot.telegram.keyboards import button, columns
from bot.telegram.screens import show
from domain.actors import Actor
from domain.errors import DomainError
from domain.queries import clinic_catalog, clinic_doctors
from domain.usecases.catalog import clean_name
from domain.usecases.doctors import require_specialty, save_doctor, set_active

VISITS = (15, 20, 30, 45, 60)


async def show_list(update: Update, context: Context, admin: Actor) -> None:
    t = context.t
    doctors = await clinic_doctors(context.deps, admin)
    label = {True: "admin.doctors.item", False: "admin.doctors.item_inactive"}
    rows = [
        [button(t(label[d.active], name=d.full_name), cb.ADMIN_DOCTOR.pack(d.id or 0))]
        for d in doctors
    ]
    rows.append([button(t("admin.doctors.add"), cb.ADMIN_DOCTOR_NEW.pack())])
    rows.append([button(t("admin.back"), cb.ADMIN_MENU.pack())])
    await show(update, t("admin.doctors.title", count=len(doctors)), InlineKeyboardMarkup(rows))


async def opened(update: Update, context: Context, admin: Actor) -> None:
    assert update.callback_query
    doctor_id = cb.ADMIN_DOCTOR.unpack(update.callback_query.data)
    await show_card(update, context, admin, doctor_id or 0)


async def add(update: Update, context: Context, _admin: Actor) -> None:
    context.state[DRAFT] = {"id": NEW, "specialties": []}
    await ask(update, context, context.t("admin.doctor.ask_name"), "dr.name")


@step("dr.name")
async def name_typed(update: Update, context: Context, admin: Actor, text: str) -> None:
    try:
        name = clean_name(text)
    except DomainError as error:
        await complain(update, context, error, "dr.name")
        return
    known = draft(context)
    known["name"] = name
    if known.get("id", NEW) == NEW:
        await show_specialties(update, context, admin)
    else:
        await save(update, context, admin)


async def field_chosen(update: Update, context: Context, admin: Actor) -> None:
    assert update.callback_query
    chosen = cb.ADMIN_DOCTOR_FIELD.unpack(update.callback_query.data)
    if chosen is None:
        return
    doctor_id, name = chosen
    try:
        doctor = await find_doctor(context, admin, doctor_id)
    except DomainError as error:
        await complain(update, context, error)
        return
    context.state[DRAFT] = {
        "id": doctor_id,
        "name": doctor.full_name,
        "specialties": list(doctor.specialty_ids),
        "location": doctor.location_id or 0,
        "visit": int(doctor.slot_length.total_seconds() // 60),
    }
    t = context.t
    if name == "name":
        await ask(update, context, t("admin.doctor.ask_name"), "dr.name")
    elif name == "spec":
        await show_specialties(update, context, admin)
    elif name == "loc":
        await show_locations(update, context, admin)
    elif name == "visit":
        await show_visits(update, context)
    elif name in ("deact", "react"):
        await set_active(context.deps, admin, doctor_id, active=name == "react")
        await show_card(update, context, admin, doctor_id)
    else:
        await doctor_hours.field_chosen(update, context, doctor, name)


async def show_specialties(update: Update, context: Context, admin: Actor) -> None:
    t = context.t
    chosen = set(draft(context).get("specialties", []))
    catalog = await clinic_catalog(context.deps, admin)
    marks = {True: "admin.doctor.specialty_on", False: "admin.doctor.specialty_off"}
    choices = [
        button(
            t(marks[s.id in chosen], name=s.name(t.language)),
            cb.ADMIN_DOCTOR_SPECIALTY.pack(s.id or 0),
        )
        for s in catalog.specialties
    ]
    rows = [
        *columns(choices, 2),
        [button(t("admin.done"), cb.ADMIN_DOCTOR_SPECIALTIES_DONE.pack())],
    ]
    text = t("admin.doctor.choose_specialties", name=draft(context).get("name", ""))
    await show(update, text, InlineKeyboardMarkup(rows))


async def specialty_toggled(update: Update, context: Context, admin: Actor) -> None:
    assert update.callback_query
    specialty_id = cb.ADMIN_DOCTOR_SPECIALTY.unpack(update.callback_query.data) or 0
    chosen = set(draft(context).get("specialties", []))
    chosen ^= {specialty_id}
    draft(context)["specialties"] = sorted(chosen)
    await show_specialties(update, context, admin)


async def specialties_done(update: Update, context: Context, admin: Actor) -> None:
    known = draft(context)
    if "name" not in known:
        await show_list(update, context, admin)  # a stale button: the draft is gone
        return
    try:
        require_specialty(tuple(known.get("specialties", [])))
    except DomainError as error:
        await complain(update, context, error)
        return
    if known["id"] == NEW:
        await show_locations(update, context, admin)
    else:
        await save(update, context, admin)


async def show_locations(update: Update, context: Context, admin: Actor) -> None:
    t = context.t
    catalog = await clinic_catalog(context.deps, admin)
    if not catalog.locations:
        markup = InlineKeyboardMarkup([back_to_list(context)])
        await show(update, t("admin.doctor.no_locations"), markup)
        return
    choices = [
        button(loc.name, cb.ADMIN_DOCTOR_LOCATION.pack(loc.id or 0)) for loc in catalog.locations
    ]
    text = t("admin.doctor.choose_location", name=draft(context).get("name", ""))
    await show(update, text, InlineKeyboardMarkup(columns(choices, 1)))


async def location_chosen(update: Update, context: Context, admin: Actor) -> None:
    assert update.callback_query
    known = draft(context)
    if "name" not in known:
        await show_list(update, context, admin)
        return
    known["location"] = cb.ADMIN_DOCTOR_LOCATION.unpack(update.callback_query.data) or 0
    if known["id"] == NEW:
        await show_visits(update, context)
    else:
        await save(update, context, admin)


async def show_visits(update: Update, context: Context) -> None:
    t = context.t
    choices = [
        button(t("admin.doctor.minutes", minutes=m), cb.ADMIN_DOCTOR_VISIT.pack(m)) for m in VISITS
    ]
    text = t("admin.doctor.choose_visit", name=draft(context).get("name", ""))
    await show(update, text, InlineKeyboardMarkup(columns(choices, 3)))


async def visit_chosen(update: Update, context: Context, admin: Actor) -> None:
    assert update.callback_query
    known = draft(context)
    if "name" not in known:
        await show_list(update, context, admin)
        return
    known["visit"] = cb.ADMIN_DOCTOR_VISIT.unpack(update.callback_query.data) or 0
    if known["id"] == NEW:
        await doctor_hours.ask_hours(update, context, None)
    else:
        await save(update, context, admin)


async def save(update: Update, context: Context, admin: Actor) -> None:
    """Store an edited detail; the card again."""
    try:
        doctor = await save_doctor(context.deps, admin, command(context))
    except DomainError as error:
        await complain(update, context, error)
        return
    context.state.pop(DRAFT, None)
    await show_card(update, context, admin, doctor.id or 0)


def handlers() -> list[CallbackQueryHandler[Context, int]]:
    return [
        tap(f"^{SECTION}$", show_list),
        tap(cb.ADMIN_DOCTOR.pattern, opened),
        tap(cb.ADMIN_DOCTOR_NEW.pattern, add),
        tap(cb.ADMIN_DOCTOR_FIELD.pattern, field_chosen),
        tap(cb.ADMIN_DOCTOR_SPECIALTY.pattern, specialty_toggled),
        tap(cb.ADMIN_DOCTOR_SPECIALTIES_DONE.pattern, specialties_done),
        tap(cb.ADMIN_DOCTOR_LOCATION.pattern, location_chosen),
        tap(cb.ADMIN_DOCTOR_VISIT.pattern, visit_chosen),
        *doctor_hours.handlers(),
    ]
