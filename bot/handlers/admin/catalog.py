"""Admin → Catalog: specialties (added and renamed, in es and en) and locations (added,
and their name, address, phone or country changed).

A specialty's names are typed in one message, ``Cardiología / Cardiology``. A new
location is its country (buttons), then its name, address and phone (typed); it is
stored only at the end, whole.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bot.handlers.admin.typed import ask, complain, step, tap
from bot.telegram import callbacks as cb
from bot.telegram.context import Context
from bot.telegram.keyboards import button, columns
from bot.telegram.screens import show
from domain.actors import Actor
from domain.countries import all_countries, get_country
from domain.entities import Location
from domain.errors import DomainError, InvalidPhone, NotFound
from domain.queries import clinic_catalog
from domain.usecases.catalog import (
    MAX_ADDRESS,
    LocationCommand,
    SpecialtyCommand,
    clean_name,
    save_location,
    save_specialty,
)

SECTION = cb.ADMIN_SECTION.pack("catalog")
DRAFT = "adm_ct"
NEW = 0


def draft(context: Context) -> dict[str, Any]:
    found: dict[str, Any] = context.state.setdefault(DRAFT, {})
    return found


async def show_catalog(update: Update, context: Context, admin: Actor, note: str = "") -> None:
    t = context.t
    catalog = await clinic_catalog(context.deps, admin)
    lines = [note] if note else []
    lines.append(t("admin.catalog.specialties"))
    lines += [f"• {s.name_es} / {s.name_en}" for s in catalog.specialties] or ["-"]
    lines.append(t("admin.catalog.locations"))
    lines += [f"• {loc.name} ({loc.country}) {loc.phone}" for loc in catalog.locations] or ["-"]
    renames = [
        button(
            t("admin.catalog.rename", name=s.name(t.language)), cb.ADMIN_SPECIALTY.pack(s.id or 0)
        )
        for s in catalog.specialties
    ]
    places = [button(loc.name, cb.ADMIN_LOCATION.pack(loc.id or 0)) for loc in catalog.locations]
    rows = [
        *columns(renames, 2),
        *columns(places, 2),
        [
            button(t("admin.catalog.add_specialty"), cb.ADMIN_SPECIALTY.pack(NEW)),
            button(t("admin.catalog.add_location"), cb.ADMIN_LOCATION.pack(NEW)),
        ],
        [button(t("admin.back"), cb.ADMIN_MENU.pack())],
    ]
    await show(update, "\n".join(lines), InlineKeyboardMarkup(rows))


async def opened(update: Update, context: Context, admin: Actor) -> None:
    await show_catalog(update, context, admin)


# Specialties ---------------------------------------------------------------------------


async def specialty_chosen(update: Update, context: Context, _admin: Actor) -> None:
    assert update.callback_query
    specialty_id = cb.ADMIN_SPECIALTY.unpack(update.callback_query.data) or NEW
    context.state[DRAFT] = {"specialty": specialty_id}
    await ask(update, context, context.t("admin.catalog.ask_specialty"), "ct.specialty")


@step("ct.specialty")
async def specialty_typed(update: Update, context: Context, admin: Actor, text: str) -> None:
    name_es, _, name_en = text.partition("/")
    specialty_id = draft(context).get("specialty") or None
    command = SpecialtyCommand(name_es, name_en or name_es, specialty_id)
    try:
        specialty = await save_specialty(context.deps, admin, command)
    except NotFound as error:
        await complain(update, context, error)
        return
    except DomainError as error:
        await complain(update, context, error, "ct.specialty")
        return
    context.state.pop(DRAFT, None)
    note = context.t("admin.catalog.saved", name=specialty.name(context.t.language))
    await show_catalog(update, context, admin, note)


# Locations -----------------------------------------------------------------------------


async def _location(context: Context, admin: Actor, location_id: int) -> Location:
    catalog = await clinic_catalog(context.deps, admin)
    found = next((loc for loc in catalog.locations if loc.id == location_id), None)
    if found is None:
        raise NotFound("location")
    return found


async def show_location(update: Update, context: Context, admin: Actor, location_id: int) -> None:
    t = context.t
    try:
        loc = await _location(context, admin, location_id)
    except DomainError as error:
        await complain(update, context, error)
        return
    country = get_country(loc.country).name(t.language)
    text = t(
        "admin.location.card", name=loc.name, country=country, address=loc.address, phone=loc.phone
    )

    def field(key: str, name: str) -> Any:
        return button(t(key), cb.ADMIN_LOCATION_FIELD.pack((location_id, name)))

    rows = [
        *columns(
            [
                field("admin.location.edit_name", "name"),
                field("admin.location.edit_address", "address"),
                field("admin.location.edit_phone", "phone"),
                field("admin.location.edit_country", "country"),
            ],
            2,
        ),
        [button(t("admin.back"), SECTION)],
    ]
    await show(update, text, InlineKeyboardMarkup(rows))


async def location_chosen(update: Update, context: Context, admin: Actor) -> None:
    assert update.callback_query
    location_id = cb.ADMIN_LOCATION.unpack(update.callback_query.data) or NEW
    if location_id != NEW:
        await show_location(update, context, admin, location_id)
        return
    context.state[DRAFT] = {"location": NEW}
    await show_countries(update, context)


async def show_countries(update: Update, context: Context) -> None:
    t = context.t
    choices = [
        button(c.name(t.language), cb.ADMIN_LOCATION_COUNTRY.pack(c.code)) for c in all_countries()
    ]
    await show(
        update, t("admin.location.choose_country"), InlineKeyboardMarkup(columns(choices, 2))
    )


async def country_chosen(update: Update, context: Context, admin: Actor) -> None:
    assert update.callback_query
    known = draft(context)
    if "location" not in known:
        await show_catalog(update, context, admin)  # a stale button: the draft is gone
        return
    known["country"] = cb.ADMIN_LOCATION_COUNTRY.unpack(update.callback_query.data)
    if known["location"] == NEW:
        await ask(update, context, context.t("admin.location.ask_name"), "ct.name")
    else:
        await _save(update, context, admin, None)


async def field_chosen(update: Update, context: Context, _admin: Actor) -> None:
    assert update.callback_query
    chosen = cb.ADMIN_LOCATION_FIELD.unpack(update.callback_query.data)
    if chosen is None:
        return
    location_id, name = chosen
    context.state[DRAFT] = {"location": location_id}
    if name == "country":
        await show_countries(update, context)
    elif name in ("name", "address", "phone"):
        await ask(update, context, context.t(f"admin.location.ask_{name}"), f"ct.{name}")


@step("ct.name")
async def name_typed(update: Update, context: Context, admin: Actor, text: str) -> None:
    await _typed(update, context, admin, "name", text)


@step("ct.address")
async def address_typed(update: Update, context: Context, admin: Actor, text: str) -> None:
    await _typed(update, context, admin, "address", text)


@step("ct.phone")
async def phone_typed(update: Update, context: Context, admin: Actor, text: str) -> None:
    await _typed(update, context, admin, "phone", text)


async def _typed(update: Update, context: Context, admin: Actor, name: str, text: str) -> None:
    """A new location's next question, or an existing one's change saved."""
    known = draft(context)
    if "location" not in known:
        await show_catalog(update, context, admin)
        return
    try:
        value = (
            clean_name(text, MAX_ADDRESS if name == "address" else 120) if name != "phone" else text
        )
    except DomainError as error:
        await complain(update, context, error, f"ct.{name}")
        return
    known[name] = value
    if known["location"] == NEW and name != "phone":
        following = {"name": "address", "address": "phone"}[name]
        await ask(update, context, context.t(f"admin.location.ask_{following}"), f"ct.{following}")
        return
    await _save(update, context, admin, name)


async def _save(update: Update, context: Context, admin: Actor, asked: str | None) -> None:
    known = draft(context)
    try:
        old = (
            None if known["location"] == NEW else await _location(context, admin, known["location"])
        )
        command = LocationCommand(
            name=known.get("name", old.name if old else ""),
            country=known.get("country", old.country if old else ""),
            address=known.get("address", old.address if old else ""),
            phone=known.get("phone", old.phone if old else ""),
            location_id=old.id if old else None,
        )
        location = await save_location(context.deps, admin, command)
    except InvalidPhone as error:
        await complain(update, context, error, "ct.phone")
        return
    except DomainError as error:
        await complain(update, context, error, f"ct.{asked}" if asked else None)
        return
    context.state.pop(DRAFT, None)
    await show_location(update, context, admin, location.id or 0)


def handlers() -> list[CallbackQueryHandler[Context, int]]:
    return [
        tap(f"^{SECTION}$", opened),
        tap(cb.ADMIN_SPECIALTY.pattern, specialty_chosen),
        tap(cb.ADMIN_LOCATION.pattern, location_chosen),
        tap(cb.ADMIN_LOCATION_FIELD.pattern, field_chosen),
        tap(cb.ADMIN_LOCATION_COUNTRY.pattern, country_chosen),
    ]
