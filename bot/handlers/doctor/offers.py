"""A booking offered to a doctor (or to the admins): Accept, or Decline with a reason.

The offer comes as an outbox message (``notify.offer``). Decline swaps its buttons for
common reasons; "Another reason…" asks for the doctor's own words in the next
message. Every answer goes through :func:`domain.usecases.offers.answer`, which
checks again that the booking still waits for this person: an old button gets a
polite alert saying why, and changes nothing.
"""

from __future__ import annotations

import uuid

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler
from telegram.ext import filters as f

from bot.telegram import callbacks as cb
from bot.telegram.context import Context
from bot.telegram.keyboards import button
from bot.telegram.screens import conversation, stale
from domain.actors import Actor
from domain.entities import Appointment
from domain.errors import DomainError, NotFound, OfferClosed
from domain.usecases.offers import REASON_LENGTH, AnswerCommand, answer

REASON = 0
END = ConversationHandler.END
_WAITING = "offer_reason"  # the appointment whose decline waits for the doctor's words


async def _answerers(context: Context) -> list[Actor]:
    """The sender as the doctor linked to their account, then as an admin: someone who
    is both answers their own bookings as the doctor, and the clinic's as an admin."""
    return [a for a in (await context.doctor(), await context.admin()) if a is not None]


async def accepted(update: Update, context: Context) -> int | None:
    query = update.callback_query
    assert query
    appointment_id = cb.OFFER_ACCEPT.unpack(query.data)
    if appointment_id is None:
        await stale(update, context)
        return None
    if await _answer(update, context, AnswerCommand(appointment_id, accept=True)):
        await _settle(update, context, "offer.accepted")
    return None


async def declining(update: Update, context: Context) -> int | None:
    """Decline: the common reasons take the offer's buttons' place."""
    query = update.callback_query
    assert query
    appointment_id = cb.OFFER_DECLINE.unpack(query.data)
    if appointment_id is None or not await _answerers(context):
        await stale(update, context)
        return None
    await context.answer()
    t = context.t
    rows = [
        [button(t(f"offer.reason.{code}"), cb.OFFER_REASON.pack((appointment_id, code)))]
        for code in cb.DECLINE_REASONS
    ]
    await query.edit_message_reply_markup(InlineKeyboardMarkup(rows))
    return None


async def reason_chosen(update: Update, context: Context) -> int | None:
    query = update.callback_query
    assert query
    chosen = cb.OFFER_REASON.unpack(query.data)
    if chosen is None:
        await stale(update, context)
        return None
    appointment_id, code = chosen
    if code == "other":
        await context.answer()
        context.state[_WAITING] = appointment_id.hex
        await query.edit_message_reply_markup(None)
        assert isinstance(query.message, Message)
        await query.message.reply_text(context.t("offer.write_reason"))
        return REASON
    if await _answer(update, context, AnswerCommand(appointment_id, False, code)):
        await _settle(update, context, "offer.declined")
    return END


async def reason_written(update: Update, context: Context) -> int | None:
    message = update.effective_message
    assert message and message.text is not None
    waiting = context.state.get(_WAITING)
    if not isinstance(waiting, str):
        return END
    reason = message.text.strip()
    if len(reason) > REASON_LENGTH:
        await message.reply_text(context.t("offer.reason_too_long"))
        return REASON
    command = AnswerCommand(uuid.UUID(hex=waiting), False, reason)
    context.state.pop(_WAITING, None)
    if await _answer(update, context, command):
        await message.reply_text(context.t("offer.declined", reference=_reference(context)))
    return END


async def not_declined(update: Update, context: Context) -> int:
    context.state.pop(_WAITING, None)
    assert update.effective_message
    await update.effective_message.reply_text(context.t("offer.not_declined"))
    return END


async def _answer(update: Update, context: Context, command: AnswerCommand) -> bool:
    """Give the answer; on refusal tell the person why (an alert on a tap) and
    take the offer's buttons away. Whether it was taken."""
    t = context.t
    try:
        appointment = await _first_taken(context, command)
    except DomainError as error:
        why = error.why if isinstance(error, OfferClosed) else "passed"
        text = t(f"error.offer_closed.{why}")
        query = update.callback_query
        if query is not None:
            await context.answer(text, alert=True)
            if isinstance(query.message, Message) and query.message.reply_markup:
                await query.edit_message_reply_markup(None)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(text)
        return False
    context.state["offer_reference"] = appointment.reference
    return True


async def _settle(update: Update, context: Context, key: str) -> None:
    """The tapped offer keeps its text, loses its buttons and says what was done."""
    query = update.callback_query
    assert query and isinstance(query.message, Message)
    await context.answer()
    done = context.t(key, reference=_reference(context))
    await query.edit_message_text(f"{query.message.text}\n\n✓ {done}", reply_markup=None)


async def _first_taken(context: Context, command: AnswerCommand) -> Appointment:
    """The answer as the doctor, or, for a booking that was never the doctor's, as an
    admin; the refusal otherwise."""
    refusal: DomainError = OfferClosed("passed")
    for actor in await _answerers(context):
        try:
            return await answer(context.deps, actor, command)
        except NotFound as error:  # not this role's booking: the next role may answer it
            refusal = error
    raise refusal


def _reference(context: Context) -> str:
    return str(context.state.pop("offer_reference", ""))


def offer_handlers() -> list[CallbackQueryHandler[Context, object] | ConversationHandler[Context]]:
    return [
        CallbackQueryHandler(accepted, pattern=cb.OFFER_ACCEPT.pattern),
        CallbackQueryHandler(declining, pattern=cb.OFFER_DECLINE.pattern),
        conversation(
            entry_points=[CallbackQueryHandler(reason_chosen, pattern=cb.OFFER_REASON.pattern)],
            states={REASON: [MessageHandler(f.TEXT & ~f.COMMAND, reason_written)]},
            fallbacks=[
                CommandHandler("cancel", not_declined),
                CallbackQueryHandler(reason_chosen, pattern=cb.OFFER_REASON.pattern),
            ],
            name="offer_reason",
        ),
    ]
