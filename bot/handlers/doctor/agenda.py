"""/agenda: the linked doctor's visits today, tomorrow or this week, each with its time
in the clinic's zone, patient, status, reference and a ✓ when the patient said "I'll
attend"; once a visit has started, buttons mark it completed or no-show. "Block time"
opens /block (``bot/handlers/doctor/blocks.py``).

Every handler asks ``context.doctor()`` on every update: anyone else gets the
unknown-command help (for /agenda) or the stale-button alert (for a button).
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.handlers.common import unknown_command
from bot.handlers.errors import reply_for
from bot.i18n import Translator
from bot.telegram import callbacks as cb
from bot.telegram.context import Context
from bot.telegram.keyboards import button
from bot.telegram.screens import show, stale
from domain.actors import Actor
from domain.agenda import Agenda, AgendaLine, AgendaPeriod
from domain.countries import get_country
from domain.errors import DomainError
from domain.queries import doctor_agenda
from domain.status import Status
from domain.usecases.status import StatusCommand, change_status


async def agenda(update: Update, context: Context) -> None:
    doctor = await context.doctor()
    if doctor is None:
        await unknown_command(update, context)
        return
    await _show(update, context, doctor, AgendaPeriod.TODAY)


async def period_chosen(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query
    doctor = await context.doctor()
    chosen = cb.AGENDA_PERIOD.unpack(query.data)
    if doctor is None or chosen is None:
        await stale(update, context)
        return
    await context.answer()
    await _show(update, context, doctor, AgendaPeriod(chosen))


async def mark(update: Update, context: Context) -> None:
    """Mark a visit through the status use case, which re-checks it is the doctor's own,
    has started and may still take that status."""
    query = update.callback_query
    assert query
    doctor = await context.doctor()
    chosen = cb.AGENDA_MARK.unpack(query.data)
    if doctor is None or chosen is None:
        await stale(update, context)
        return
    appointment_id, status, period = chosen
    try:
        await change_status(context.deps, doctor, StatusCommand(appointment_id, Status(status)))
    except DomainError as error:
        await context.answer(context.t(reply_for("agenda_mark", error).key), alert=True)
        return
    await context.answer()
    above = context.t("admin.appt.marked", status=context.t(f"status.{status}"))
    await _show(update, context, doctor, AgendaPeriod(period), above)


async def _show(
    update: Update, context: Context, doctor: Actor, period: AgendaPeriod, above: str = ""
) -> None:
    t = context.t
    found = await doctor_agenda(context.deps, doctor, period)
    text = [above, _title(t, found), *(_line(t, line, period) for line in found.lines)]
    if not found.lines:
        text.append(t("agenda.none"))
    if found.awaiting:
        text += ["", t("agenda.awaiting")]
        text += [_line(t, line, AgendaPeriod.THIS_WEEK) for line in found.awaiting]
    rows = [_marks(t, line, period) for line in found.lines if line.marks]
    rows += [_answers(t, line) for line in found.awaiting]
    rows.append(
        [
            button(t(f"agenda.period.{p.value}"), cb.AGENDA_PERIOD.pack(p.value))
            for p in AgendaPeriod
        ]
    )
    rows.append([button(t("agenda.block"), cb.BLOCK_OPEN.pack())])  # opens /block
    await show(update, "\n".join(filter(None, text)), InlineKeyboardMarkup(rows))


def _title(t: Translator, found: Agenda) -> str:
    if found.first_day == found.last_day:
        return t("agenda.title", days=t.day(found.first_day))
    days = t("agenda.days", first=t.short_day(found.first_day), last=t.short_day(found.last_day))
    return t("agenda.title", days=days)


def _line(t: Translator, line: AgendaLine, period: AgendaPeriod) -> str:
    a = line.appointment
    zone = get_country(a.country).timezone
    when = t.time(a.start, zone)
    if period is AgendaPeriod.THIS_WEEK:
        when = f"{t.short_day(a.start.astimezone(zone).date())} {when}"
    return t(
        "agenda.line",
        time=when,
        patient=line.patient_name,
        status=t(f"status.{a.status}"),
        reference=a.reference,
        attend=t("agenda.will_attend") if line.will_attend else "",
    )


def _marks(t: Translator, line: AgendaLine, period: AgendaPeriod) -> list[InlineKeyboardButton]:
    a = line.appointment
    time = t.time(a.start, get_country(a.country).timezone)
    return [
        button(
            t(f"agenda.mark.{s}", time=time),
            cb.AGENDA_MARK.pack((a.id, s.value, period.value)),
        )
        for s in line.marks
    ]


def _answers(t: Translator, line: AgendaLine) -> list[InlineKeyboardButton]:
    """Accept or decline a booking that waits for the doctor (``bot.handlers.doctor.offers``)."""
    a = line.appointment
    zone = get_country(a.country).timezone
    when = f"{t.short_day(a.start.astimezone(zone).date())} {t.time(a.start, zone)}"
    return [
        button(f"{t('offer.accept')} {when}", cb.OFFER_ACCEPT.pack(a.id)),
        button(f"{t('offer.decline')} {when}", cb.OFFER_DECLINE.pack(a.id)),
    ]


def agenda_handlers() -> list[CommandHandler[Context, None] | CallbackQueryHandler[Context, None]]:
    return [
        CommandHandler("agenda", agenda),
        CallbackQueryHandler(period_chosen, pattern=cb.AGENDA_PERIOD.pattern),
        CallbackQueryHandler(mark, pattern=cb.AGENDA_MARK.pattern),
    ]
