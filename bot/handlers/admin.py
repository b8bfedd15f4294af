"""/admin: the admin's menu. Anyone else gets the unknown-command help, so nothing
reveals that an admin side exists."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.handlers.common import unknown_command
from bot.telegram.context import Context


async def admin_menu(update: Update, context: Context) -> None:
    if await context.admin() is None:  # checked on every command, never remembered
        await unknown_command(update, context)
        return
    assert update.effective_message
    await update.effective_message.reply_text(context.t("admin.menu"))


def admin_handlers() -> list[CommandHandler[Context, None]]:
    return [CommandHandler("admin", admin_menu)]
