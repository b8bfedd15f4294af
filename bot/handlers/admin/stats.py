"""Admin → Statistics: a period chosen by button, its totals, then one dimension at a time
(country, location, doctor, specialty), each with its fill rate where it has one."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot.handlers.admin.guard import admin_tapped
from bot.i18n import Translator
from bot.telegram import callbacks as cb
from bot.telegram.context import Context
from bot.telegram.keyboards import button, columns
from bot.telegram.screens import show, stale
from domain.countries import get_country
from domain.queries import clinic_statistics
from domain.statistics import Counts, Dimension, Period, Statistics, fill_rate

SECTION = cb.ADMIN_SECTION.pack("stats")
END = ConversationHandler.END
ALL = "all"


async def show_periods(update: Update, context: Context) -> int:
    if await admin_tapped(update, context) is None:
        return END
    t = context.t
    periods = [
        button(t(f"admin.stats.period.{p.name.lower()}"), cb.ADMIN_STATS.pack((p.value, ALL)))
        for p in Period
    ]
    rows = [*columns(periods, 2), [button(t("admin.back"), cb.ADMIN_MENU.pack())]]
    await show(update, t("admin.stats.choose"), InlineKeyboardMarkup(rows))
    return END


async def show_period(update: Update, context: Context) -> int:
    admin = await admin_tapped(update, context)
    assert update.callback_query
    chosen = cb.ADMIN_STATS.unpack(update.callback_query.data)
    if admin is None or chosen is None:
        return END
    try:
        period = Period(chosen[0])
        dimension = None if chosen[1] == ALL else Dimension(chosen[1])
    except ValueError:
        await stale(update, context)
        return END
    t = context.t
    stats = await clinic_statistics(context.deps, admin, period)
    text = [t("admin.stats.title", first=t.day(stats.first_day), last=t.day(stats.last_day))]
    if dimension is None:
        text.append(counts_text(t, stats.total, stats.offered))
    else:
        text += _breakdown(t, stats, dimension)
    dimensions = [
        button(t(f"admin.stats.by.{d.value}"), cb.ADMIN_STATS.pack((period.value, d.value)))
        for d in Dimension
        if d is not dimension
    ]
    if dimension is not None:
        dimensions.insert(
            0, button(t("admin.stats.totals"), cb.ADMIN_STATS.pack((period.value, ALL)))
        )
    rows = [*columns(dimensions, 2), [button(t("admin.back"), SECTION)]]
    await show(update, "\n\n".join(text), InlineKeyboardMarkup(rows))
    return END


def counts_text(t: Translator, counts: Counts, offered: int | None) -> str:
    rate = fill_rate(counts.held, offered) if offered is not None else None
    filled = (
        t("admin.stats.fill", rate=f"{rate:.0%}", held=counts.held, offered=offered)
        if rate is not None
        else ""
    )
    return t(
        "admin.stats.counts",
        booked=counts.booked,
        cancelled=counts.cancelled,
        by_patient=counts.cancelled_by_patient,
        by_admin=counts.cancelled_by_admin,
        by_doctor=counts.cancelled_by_doctor,
        by_system=counts.cancelled_by_system,
        no_shows=counts.no_shows,
        completed=counts.completed,
        fill=filled,
    ).rstrip()


def _breakdown(t: Translator, stats: Statistics, dimension: Dimension) -> list[str]:
    found = stats.by.get(dimension, {})
    offered = stats.offered_by.get(dimension, {})
    keys = sorted(found.keys() | offered.keys(), key=lambda k: _name(t, stats, dimension, k))
    if not keys:
        return [t("admin.stats.nothing")]
    return [
        f"{_name(t, stats, dimension, key)}\n"
        + counts_text(
            t,
            found.get(key, Counts()),
            offered.get(key) if dimension is not Dimension.SPECIALTY else None,
        )
        for key in keys
    ]


def _name(t: Translator, stats: Statistics, dimension: Dimension, key: object) -> str:
    if dimension is Dimension.COUNTRY:
        return get_country(str(key)).name(t.language) if key else "-"
    if dimension is Dimension.LOCATION:
        location = stats.locations.get(key) if isinstance(key, int) else None
        return location.name if location else t("admin.stats.no_location")
    if dimension is Dimension.DOCTOR:
        doctor = stats.doctors.get(key) if isinstance(key, int) else None
        return doctor.full_name if doctor else "-"
    specialty = stats.specialties.get(key) if isinstance(key, int) else None
    return specialty.name(t.language) if specialty else "-"
