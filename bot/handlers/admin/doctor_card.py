"""A doctor as the admin sees it: their card, and the draft being added or edited."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.handlers.admin.typed import complain
from bot.handlers.time_off_text import span_text
from bot.telegram import callbacks as cb
from bot.telegram.context import Context
from bot.telegram.keyboards import button, columns
from bot.telegram.screens import show
from domain.actors import Actor
from domain.blocks import upcoming
from domain.countries import get_country
from domain.entities import Doctor
from domain.errors import DomainError, NotFound
from domain.queries import clinic_catalog, clinic_doctors
from domain.schedule import DayHours
from domain.usecases.doctors import DoctorCommand
from domain.working_hours import show_week

SECTION = cb.ADMIN_SECTION.pack("doctors")
DRAFT = "adm_dr"
NEW = 0


def draft(context: Context) -> dict[str, Any]:
    found: dict[str, Any] = context.state.setdefault(DRAFT, {})
    return found


def back_to_list(context: Context) -> list[InlineKeyboardButton]:
    return [button(context.t("admin.back"), SECTION)]


async def find_doctor(context: Context, admin: Actor, doctor_id: int) -> Doctor:
    found = [d for d in await clinic_doctors(context.deps, admin) if d.id == doctor_id]
    if not found:
        raise NotFound("doctor")
    return found[0]


async def show_card(update: Update, context: Context, admin: Actor, doctor_id: int) -> None:
    t = context.t
    try:
        doctor = await find_doctor(context, admin, doctor_id)
    except DomainError as error:
        await complain(update, context, error)
        return
    catalog = await clinic_catalog(context.deps, admin)
    specialties = ", ".join(
        s.name(t.language) for s in catalog.specialties if s.id in doctor.specialty_ids
    )
    place = next((loc.name for loc in catalog.locations if loc.id == doctor.location_id), "-")
    lines = [
        t("admin.doctor.card", name=doctor.full_name, specialties=specialties, location=place),
        t("admin.doctor.visit", minutes=int(doctor.slot_length.total_seconds() // 60)),
        t("admin.doctor.active" if doctor.active else "admin.doctor.inactive"),
        t("admin.doctor.hours", hours=show_week(doctor.plan.weekly, t.language) or "-"),
    ]
    lines += time_off_lines(context, doctor)
    did = doctor.id or 0

    def field(key: str, name: str) -> InlineKeyboardButton:
        return button(t(key), cb.ADMIN_DOCTOR_FIELD.pack((did, name)))

    rows = columns(
        [
            field("admin.doctor.edit_name", "name"),
            field("admin.doctor.edit_specialties", "spec"),
            field("admin.doctor.edit_location", "loc"),
            field("admin.doctor.edit_visit", "visit"),
            field("admin.doctor.edit_hours", "hours"),
            field("admin.doctor.add_time_off", "off"),
        ],
        2,
    )
    if doctor.active:
        rows.append([field("admin.doctor.deactivate", "deact")])
    else:
        rows.append([field("admin.doctor.reactivate", "react")])
    rows.append(back_to_list(context))
    await show(update, "\n".join(lines), InlineKeyboardMarkup(rows))


def command(context: Context, weekly: dict[int, DayHours] | None = None) -> DoctorCommand:
    known = draft(context)
    return DoctorCommand(
        name=known.get("name", ""),
        specialty_ids=tuple(known.get("specialties", [])),
        location_id=known.get("location", 0),
        visit_minutes=known.get("visit", 0),
        weekly=weekly,
        doctor_id=known.get("id") or None,
    )


def time_off_lines(context: Context, doctor: Doctor) -> list[str]:
    """The doctor's time off that has not ended, as dates (and hours, for a break within
    a day) in the doctor's country; ✎ marks what the doctor blocked themselves."""
    t = context.t
    zone = get_country(doctor.country).timezone
    return [
        t(
            "admin.doctor.time_off",
            span=span_text(t, off, zone),
            by=t("admin.doctor.by_doctor") if off.by_doctor else "",
        )
        for off in upcoming(doctor.plan, context.deps.clock.now())
    ]
