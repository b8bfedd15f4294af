"""Conversation plumbing: building persistent conversations and showing each step."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, ConversationHandler
from telegram.warnings import PTBUserWarning

from bot.telegram.context import Context


async def show(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    query = update.callback_query
    if query is not None and query.message is not None:
        try:
            await query.edit_message_text(text, reply_markup=markup)
        except BadRequest as error:
            # A repeated tap on the same choice: the screen already shows it.
            if "not modified" not in str(error):
                raise
        return
    assert update.effective_message
    await update.effective_message.reply_text(text, reply_markup=markup)


def conversation(**kwargs: Any) -> ConversationHandler[Context]:
    """A persistent ConversationHandler tracked per chat and user, mixing text and buttons.

    PTB warns that buttons are then not tracked per message. That is on purpose:
    every button handler re-checks what its callback data says.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "If 'per_message=False'", PTBUserWarning)
        return ConversationHandler(persistent=True, allow_reentry=True, **kwargs)


async def stale(update: Update, context: Context) -> None:
    """A button this step does not expect: refuse politely and stay where we are.

    A tap already answered (its spinner stopped) cannot take an alert any more, so the
    refusal then comes as a message.
    """
    t = context.t
    query = update.callback_query
    if query is not None and not context.answered:
        context.answered = True
        await query.answer(t("button.stale"), show_alert=True)
    elif query is not None and query.message is not None:
        await context.bot.send_message(query.message.chat.id, t("button.stale"))
    elif update.effective_message:
        await update.effective_message.reply_text(t("text.unexpected"))


async def answered(update: Update, context: Context) -> str:
    """Stop the tapped button's spinner; the button's callback data."""
    query = update.callback_query
    assert query and query.data
    await query.answer()
    context.answered = True
    return query.data


Choice = Callable[[Update, Context], Coroutine[Any, Any, object]]


def on_tap(pattern: str, callback: Choice) -> CallbackQueryHandler[Context, object]:
    """A conversation step: ``callback`` answers the buttons whose data match ``pattern``."""
    return CallbackQueryHandler(callback, pattern=pattern)
