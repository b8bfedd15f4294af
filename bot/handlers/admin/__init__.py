"""/admin: the admin's menu and its sections, registered from here.

Every admin handler asks ``context.admin()`` on every update, never remembering it:
anyone else gets the unknown-command help (for a command) or the stale-button alert
(for a button), so nothing reveals that an admin side exists.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.handlers.admin import api_tokens, catalog, doctors, staff
from bot.handlers.admin.guard import SECTIONS, admin_or_refuse
from bot.handlers.admin.records import records_states, records_taps
from bot.handlers.admin.typed import closing_prompts, setup_conversation
from bot.telegram import callbacks as cb
from bot.telegram.context import Context
from bot.telegram.keyboards import button, columns
from bot.telegram.screens import show


def menu_markup(context: Context) -> InlineKeyboardMarkup:
    buttons = [button(context.t(label), cb.ADMIN_SECTION.pack(name)) for name, label in SECTIONS]
    return InlineKeyboardMarkup(columns(buttons, 2))


async def admin_menu(update: Update, context: Context) -> None:
    if await admin_or_refuse(update, context) is None:
        return
    if update.callback_query is not None:
        await context.answer()
    await show(update, context.t("admin.menu"), menu_markup(context))


def admin_handlers() -> list[BaseHandler[Any, Context, Any]]:
    """The admin's one conversation first: while a prompt waits for text, ``/admin``, the
    menu's button and every section's buttons reach it and close the prompt."""
    return [
        setup_conversation(
            [
                *doctors.handlers(),
                *catalog.handlers(),
                *api_tokens.handlers(),
                *records_taps(),
                *(closing_prompts(h) for h in staff.handlers()),
            ],
            admin_menu,
            cb.ADMIN_MENU.pattern,
            records_states(),
        ),
        CommandHandler("admin", admin_menu),
        CallbackQueryHandler(admin_menu, pattern=cb.ADMIN_MENU.pattern),
    ]
