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

    The refusal is the tap's one answer, an alert; a tap answered already (its spinner
    stopped) cannot take another, so the refusal then comes as a message.
    """
    t = context.t
    query = update.callback_query
    if query is not None:
        if not await context.answer(t("button.stale"), alert=True) and query.message:
            await context.bot.send_message(query.message.chat.id, t("button.stale"))
    elif update.effective_message:
        await update.effective_message.reply_text(t("text.unexpected"))


def tapped(update: Update) -> str:
    """The tapped button's callback data. The tap is not answered yet: the handler answers
    once it knows the outcome (a refusal is an alert), else ``close_tap`` does."""
    query = update.callback_query
    assert query and query.data
    return query.data


async def answered(update: Update, context: Context) -> str:
    """:func:`tapped`, the tap answered at once (a refusal after it comes as a message):
    for the screens that cannot refuse any more once they have the data."""
    await context.answer()
    return tapped(update)


async def close_tap(_update: Update, context: Context) -> None:
    """Registered after every handler (in a later group): stop the spinner of a tap that
    no handler answered, whether it was handled or failed."""
    await context.answer()


Choice = Callable[[Update, Context], Coroutine[Any, Any, object]]


def on_tap(pattern: str, callback: Choice) -> CallbackQueryHandler[Context, object]:
    """A conversation step: ``callback`` answers the buttons whose data match ``pattern``."""
    return CallbackQueryHandler(callback, pattern=pattern)
