"""The visits a doctor's new block covers, as an admin's change of hours does: the doctor
keeps each, or cancels it with a reason the patient reads (through the cancellation use
case, which tells the patient with the clinic's phone), or all at once.

Only the visits this block covers are listed, and each step lists again those still
active and still outside the doctor's plan: one cancelled or moved meanwhile drops out.
"""

from __future__ import annotations

import uuid

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.handlers.common import unknown_command
from bot.handlers.doctor.block_screens import (
    END,
    REASON,
    as_doctor,
    chosen,
    show_days,
    show_stranded,
)
from bot.telegram import callbacks as cb
from bot.telegram.context import Context
from bot.telegram.screens import on_tap, show
from domain.actors import Actor
from domain.entities import Appointment, Doctor
from domain.errors import DomainError
from domain.usecases.cancellation import CancelCommand, cancel
from domain.usecases.hours import outside_hours, schedule_of
from domain.working_hours import MAX_REASON


async def _left(context: Context, doctor: Actor) -> list[Appointment]:
    """The block's visits still stranded and not kept, soonest first."""
    found = chosen(context)
    listed = set(found.get("stranded", [])) - set(found.get("kept", []))
    outside = await outside_hours(context.deps, doctor, doctor.id or 0)
    return [a for a in outside if a.id.hex in listed]


async def _next(
    update: Update, context: Context, doctor: Actor, found: Doctor, above: str = ""
) -> int:
    left = await _left(context, doctor)
    if left:
        return await show_stranded(update, context, found, left, above)
    chosen(context).pop("stranded", None)
    chosen(context).pop("kept", None)
    done = "\n".join(filter(None, [above, context.t("block.stranded.done")]))
    return await show_days(update, context, found, above=done)


@as_doctor
async def keep_one(
    update: Update, context: Context, doctor: Actor, found: Doctor, data: str
) -> int | None:
    kept = cb.BLOCK_KEEP.unpack(data)
    if kept is None or kept.hex not in chosen(context).get("stranded", []):
        return None
    chosen(context).setdefault("kept", []).append(kept.hex)
    return await _next(update, context, doctor, found)


@as_doctor
async def keep_all(
    update: Update, context: Context, doctor: Actor, found: Doctor, _data: str
) -> int | None:
    chosen(context)["kept"] = list(chosen(context).get("stranded", []))
    return await _next(update, context, doctor, found)


@as_doctor
async def cancel_one(
    update: Update, context: Context, doctor: Actor, _found: Doctor, data: str
) -> int | None:
    picked = cb.BLOCK_CANCEL.unpack(data)
    if picked is None or picked not in [a.id for a in await _left(context, doctor)]:
        return None
    return await _ask_reason(update, context, [picked])


@as_doctor
async def cancel_all(
    update: Update, context: Context, doctor: Actor, _found: Doctor, _data: str
) -> int | None:
    left = await _left(context, doctor)
    if not left:
        return None
    return await _ask_reason(update, context, [a.id for a in left])


async def _ask_reason(update: Update, context: Context, visits: list[uuid.UUID]) -> int:
    chosen(context)["cancelling"] = [v.hex for v in visits]
    await show(update, context.t("block.ask_reason", count=len(visits)))
    return REASON


async def reason_typed(update: Update, context: Context) -> int:
    """Cancel the chosen visits with the reason typed; each patient is told."""
    doctor = await context.doctor()
    if doctor is None:
        await unknown_command(update, context)
        return END
    assert update.effective_message
    reason = " ".join((update.effective_message.text or "").split())
    if not 2 <= len(reason) <= MAX_REASON:
        await update.effective_message.reply_text(context.t("block.bad_reason"))
        return REASON
    done = 0
    for hex_id in chosen(context).pop("cancelling", []):
        try:
            await cancel(context.deps, doctor, CancelCommand(uuid.UUID(hex=hex_id), reason))
        except DomainError:
            continue  # cancelled or moved meanwhile: nothing left to do for it
        done += 1
    found = await schedule_of(context.deps, doctor, doctor.id or 0)
    above = context.t("block.cancelled", count=done)
    return await _next(update, context, doctor, found, above)


def taps() -> list[CallbackQueryHandler[Context, object]]:
    return [
        on_tap(cb.BLOCK_KEEP.pattern, keep_one),
        on_tap(cb.BLOCK_CANCEL.pattern, cancel_one),
        on_tap(cb.BLOCK_KEEP_ALL.pattern, keep_all),
        on_tap(cb.BLOCK_CANCEL_ALL.pattern, cancel_all),
    ]
