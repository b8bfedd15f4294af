"""/language, /cancel outside a conversation, unknown commands, stale buttons, and the
global error handler."""

from __future__ import annotations

import uuid

import structlog
from telegram import Update
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.telegram import callbacks as cb
from bot.telegram.context import Context
from bot.telegram.keyboards import languages
from bot.telegram.updates import mark_failed
from domain.people import SUPPORTED_LANGUAGES
from domain.usecases.language import choose_language

log = structlog.get_logger(__name__)


async def ask_language(update: Update, context: Context) -> None:
    assert update.effective_message
    await update.effective_message.reply_text(context.t("lang.choose"), reply_markup=languages())


async def language_chosen(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query
    language = cb.LANGUAGE.unpack(query.data)
    if language not in SUPPORTED_LANGUAGES:
        await context.answer(context.t("button.stale"), alert=True)
        return
    await context.answer()
    context.use_language(language)
    await choose_language(context.deps, await context.actor(), language)
    await query.edit_message_text(context.t("lang.set"))


async def nothing_to_cancel(update: Update, context: Context) -> None:
    assert update.effective_message
    await update.effective_message.reply_text(context.t("text.nothing_to_cancel"))


async def unknown_command(update: Update, context: Context) -> None:
    """A command no handler knows (or one the sender's role may not use): a short help."""
    assert update.effective_message
    await update.effective_message.reply_text(context.t("help.unknown"))


async def stale_button(update: Update, context: Context) -> None:
    """Any button no handler claimed: old, forged or from a finished conversation."""
    assert update.callback_query
    await context.answer(context.t("button.stale"), alert=True)


async def edit_not_read(update: Update, context: Context) -> None:
    """An edited message is not new input (an old /cancel edited into /my runs nothing, an
    edited name moves no step on): the person is told once, for that edit, to send anew.
    Registered before every other handler, it stops the update there."""
    assert update.effective_message
    await update.effective_message.reply_text(context.t("text.edit_not_read"))
    raise ApplicationHandlerStop


async def on_error(update: object, context: Context) -> None:
    """Log with a correlation id and no patient data; tell the person how to go on."""
    mark_failed()
    ref = uuid.uuid4().hex[:8]
    error = context.error
    log.error(
        "update_failed",
        ref=ref,
        error=type(error).__name__,
        update_id=update.update_id if isinstance(update, Update) else None,
        exc_info=error,
    )
    if isinstance(update, Update) and update.effective_chat:
        try:
            await context.bot.send_message(
                update.effective_chat.id, context.t("error.generic", ref=ref)
            )
        except Exception:  # noqa: BLE001 (the apology itself failed; the log has it)
            log.warning("apology_failed", ref=ref)


def common_handlers() -> list[
    CommandHandler[Context, None]
    | CallbackQueryHandler[Context, None]
    | MessageHandler[Context, None]
]:
    """Registered after every feature's handlers: the last one takes any command left."""
    return [
        CommandHandler("language", ask_language),
        CallbackQueryHandler(language_chosen, pattern=cb.LANGUAGE.pattern),
        CommandHandler("cancel", nothing_to_cancel),
        MessageHandler(filters.COMMAND, unknown_command),
    ]
