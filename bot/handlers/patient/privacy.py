"""/mydata: a copy of everything stored about the person; /forget: erasure, asked first."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.handlers.privacy_files import forget_in_memory, send_export
from bot.telegram import callbacks as cb
from bot.telegram.context import Context
from bot.telegram.keyboards import button
from bot.telegram.screens import show
from domain.actors import Role
from domain.errors import NotFound
from domain.usecases.privacy import erase, export_data


async def my_data(update: Update, context: Context) -> None:
    """Two files to the person's chat: the summary and the JSON (``privacy_files``)."""
    assert update.effective_message
    actor = await context.actor()
    if actor.role is not Role.PATIENT:
        await update.effective_message.reply_text(context.t("mydata.nothing"))
        return
    export = await export_data(context.deps, actor)
    await send_export(context, update.effective_message.chat_id, export)


async def ask_to_forget(update: Update, context: Context) -> None:
    assert update.effective_message
    t = context.t
    if (await context.actor()).role is not Role.PATIENT:
        await update.effective_message.reply_text(t("forget.nothing"))
        return
    markup = InlineKeyboardMarkup(
        [
            [
                button(t("forget.yes"), cb.FORGET_YES.pack()),
                button(t("forget.no"), cb.FORGET_NO.pack()),
            ]
        ]
    )
    await update.effective_message.reply_text(t("forget.confirm"), reply_markup=markup)


async def forget(update: Update, context: Context) -> None:
    """Erase the person who tapped; then drop what the bot holds in memory for them, so
    nothing writes their conversation data back."""
    t = context.t  # their language, read before it is forgotten
    actor = await context.actor()
    if actor.role is not Role.PATIENT:
        await context.answer(t("button.stale"), alert=True)
        return
    await context.answer()
    try:
        erasure = await erase(context.deps, actor)
    except NotFound:
        await show(update, t("forget.nothing"))
        return
    forget_in_memory(context, erasure.former_account)
    await show(update, t("forget.done", count=len(erasure.cancelled)))


async def keep(update: Update, context: Context) -> None:
    await context.answer()
    await show(update, context.t("forget.kept"))


def privacy_handlers() -> list[CommandHandler[Context, None] | CallbackQueryHandler[Context, None]]:
    return [
        CommandHandler("mydata", my_data),
        CommandHandler("forget", ask_to_forget),
        CallbackQueryHandler(forget, pattern=cb.FORGET_YES.pattern),
        CallbackQueryHandler(keep, pattern=cb.FORGET_NO.pattern),
    ]
