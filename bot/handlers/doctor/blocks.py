"""/block, and the agenda's "Block time": a linked doctor blocks a whole day or a break
within a day, sees their upcoming blocks and removes their own; patients are no longer
offered the slots a block covers.

A conversation with named states (``block_screens``): DAY (the calendar of the doctor's
working days, the upcoming blocks, a button to remove each of the doctor's own), FROM
(the whole day, or a break's start), TO (its end), then, when the block covers booked
visits, STRANDED and REASON (``block_stranded``), the same rule as an admin's change of
hours. Every step asks ``context.doctor()`` afresh and re-checks what its button says;
the use cases check again. ``/cancel`` and Cancel leave; a stale or forged button gets
the polite alert, typed text the hint to use the buttons.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import time

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler
from telegram.ext import filters as f

from bot.handlers.common import unknown_command
from bot.handlers.doctor import block_stranded
from bot.handlers.doctor.block_screens import (
    DAY,
    FLOW,
    FROM,
    REASON,
    STRANDED,
    TO,
    as_doctor,
    chosen,
    ends,
    own,
    picked_day,
    rules,
    show_days,
    show_from,
    show_stranded,
    show_to,
    starts,
)
from bot.handlers.errors import Then, reply_for, tell
from bot.handlers.time_off_text import span_text
from bot.telegram import callbacks as cb
from bot.telegram.context import Context
from bot.telegram.screens import answered, conversation, on_tap, show, stale
from domain.actors import Actor
from domain.blocks import covered, whole_day, within_day
from domain.entities import Doctor
from domain.errors import DomainError, InvalidSetup
from domain.schedule import TimeOff
from domain.usecases.hours import add_time_off, remove_time_off

END = ConversationHandler.END


async def begin(update: Update, context: Context) -> int:
    doctor = await context.doctor()
    if doctor is None:
        if update.callback_query is not None:
            await stale(update, context)
        else:
            await unknown_command(update, context)
        return END
    if update.callback_query is not None:
        await answered(update, context)
    context.state[FLOW] = {}
    return await show_days(update, context, await own(context, doctor))


@as_doctor
async def week_chosen(
    update: Update, context: Context, _doctor: Actor, found: Doctor, data: str
) -> int | None:
    week = cb.BLOCKING.week.unpack(data)
    if week is None or week.weekday() != 0:
        return None
    return await show_days(update, context, found, week)


@as_doctor
async def day_chosen(
    update: Update, context: Context, _doctor: Actor, found: Doctor, data: str
) -> int | None:
    day = cb.BLOCKING.day.unpack(data)
    chosen(context)["day"] = cb.day_token(day) if day else ""
    if picked_day(context, found) is None:
        return None
    return await show_from(update, context, found)


@as_doctor
async def whole_day_chosen(
    update: Update, context: Context, doctor: Actor, found: Doctor, _data: str
) -> int | None:
    picked = picked_day(context, found)
    if picked is None:
        return None
    zone, now = rules(found).timezone, context.deps.clock.now()
    return await _block(update, context, doctor, found, lambda: whole_day(picked[0], zone, now))


@as_doctor
async def from_chosen(
    update: Update, context: Context, _doctor: Actor, found: Doctor, data: str
) -> int | None:
    start, picked = cb.BLOCK_FROM.unpack(data), picked_day(context, found)
    if start is None or picked is None or start not in starts(context, found, *picked):
        return None
    chosen(context)["from"] = start.isoformat("minutes")
    return await show_to(update, context, found, start)


@as_doctor
async def to_chosen(
    update: Update, context: Context, doctor: Actor, found: Doctor, data: str
) -> int | None:
    end, picked, start = cb.BLOCK_TO.unpack(data), picked_day(context, found), _from(context)
    if end is None or picked is None or start is None or end not in ends(picked[1], start):
        return None
    day, zone, now = picked[0], rules(found).timezone, context.deps.clock.now()
    return await _block(
        update, context, doctor, found, lambda: within_day(day, start, end, zone, now)
    )


def _from(context: Context) -> time | None:
    raw = chosen(context).get("from")
    try:
        return time.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


async def _block(
    update: Update, context: Context, doctor: Actor, found: Doctor, make: Callable[[], TimeOff]
) -> int:
    """Save the block; then the visits it strands, or the days again, with a note above."""
    t, zone = context.t, rules(found).timezone
    try:
        off = make()
        stranded = await add_time_off(context.deps, doctor, found.id or 0, off)
    except InvalidSetup as error:
        above = t(f"block.bad.{error.reason}")
        return await show_days(update, context, await own(context, doctor), above=above)
    except DomainError as error:
        await tell(update, context, reply_for("block", error))
        return END
    mine = covered(off, stranded)
    saved = t("block.saved", span=span_text(t, off, zone))
    if not mine:
        return await show_days(update, context, await own(context, doctor), above=saved)
    chosen(context).update(stranded=[a.id.hex for a in mine], kept=[])
    return await show_stranded(update, context, found, mine, above=saved)


@as_doctor
async def remove_chosen(
    update: Update, context: Context, doctor: Actor, found: Doctor, data: str
) -> int | None:
    span = cb.BLOCK_REMOVE.unpack(data)
    if span is None:
        return None
    try:
        await remove_time_off(context.deps, doctor, found.id or 0, *span)
    except DomainError as error:
        reply = reply_for("block_remove", error)
        if reply.then is Then.STALE:
            return None
        await tell(update, context, reply)
        return END
    t = context.t
    above = t("block.removed", span=span_text(t, TimeOff(*span), rules(found).timezone))
    return await show_days(update, context, await own(context, doctor), above=above)


@as_doctor
async def back_to_days(
    update: Update, context: Context, _doctor: Actor, found: Doctor, _data: str
) -> int | None:
    return await show_days(update, context, found)


@as_doctor
async def back_to_from(
    update: Update, context: Context, _doctor: Actor, found: Doctor, _data: str
) -> int | None:
    if picked_day(context, found) is None:
        return await show_days(update, context, found)
    return await show_from(update, context, found)


async def closed(update: Update, context: Context) -> int:
    """/cancel or Cancel: what was blocked stays blocked; undecided visits stay booked."""
    context.state.pop(FLOW, None)
    if update.callback_query is not None:
        await answered(update, context)
    await show(update, context.t("block.closed"))
    return END


def block_handler() -> ConversationHandler[Context]:
    buttons = cb.BLOCKING
    return conversation(
        entry_points=[
            CommandHandler("block", begin),
            CallbackQueryHandler(begin, pattern=cb.BLOCK_OPEN.pattern),
        ],
        states={
            DAY: [
                on_tap(buttons.day.pattern, day_chosen),
                on_tap(buttons.week.pattern, week_chosen),
                on_tap(cb.BLOCK_REMOVE.pattern, remove_chosen),
            ],
            FROM: [
                on_tap(cb.BLOCK_WHOLE_DAY.pattern, whole_day_chosen),
                on_tap(cb.BLOCK_FROM.pattern, from_chosen),
                on_tap(buttons.back.pattern, back_to_days),
            ],
            TO: [
                on_tap(cb.BLOCK_TO.pattern, to_chosen),
                on_tap(buttons.back.pattern, back_to_from),
            ],
            STRANDED: block_stranded.taps(),
            REASON: [MessageHandler(f.TEXT & ~f.COMMAND, block_stranded.reason_typed)],
        },
        fallbacks=[
            CommandHandler("cancel", closed),
            on_tap(buttons.cancel.pattern, closed),
            CallbackQueryHandler(stale, pattern=buttons.any_pattern),
            MessageHandler(f.ALL & ~f.COMMAND, stale),
        ],
        name="blocking",
    )
