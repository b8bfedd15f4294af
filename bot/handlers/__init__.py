"""Every handler, registered from one place, in order of precedence."""

from __future__ import annotations

from telegram import BotCommand, BotCommandScopeChat
from telegram.ext import Application, CallbackQueryHandler

from bot.handlers.admin import admin_handlers
from bot.handlers.common import common_handlers, on_error, stale_button
from bot.handlers.patient.booking import booking_handler
from bot.handlers.patient.my_appointments import my_appointments_handlers
from bot.handlers.patient.registration import registration_handler
from bot.handlers.patient.reschedule import reschedule_handler
from bot.i18n import LANGUAGES, Translator
from bot.telegram.context import DEPS_KEY
from domain.ports import Deps

COMMANDS = ("start", "book", "my", "language", "cancel")
ADMIN_COMMAND = "admin"


def register_handlers(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(registration_handler())
    application.add_handler(booking_handler())
    application.add_handler(reschedule_handler())
    application.add_handlers(my_appointments_handlers())
    application.add_handlers(admin_handlers())
    application.add_handlers(common_handlers())
    application.add_handler(CallbackQueryHandler(stale_button))
    application.add_error_handler(on_error)


async def publish_commands(application: Application) -> None:  # type: ignore[type-arg]
    """The command menu in Spanish (also the default) and English; admins from the
    settings also see /admin in their own chats (nobody else learns it exists)."""
    deps: Deps = application.bot_data[DEPS_KEY]
    for language in (None, *LANGUAGES):
        t = Translator(language or "es")
        commands = [BotCommand(c, t(f"cmd.{c}")) for c in COMMANDS]
        await application.bot.set_my_commands(commands, language_code=language)
        for admin in sorted(deps.admin_ids):
            staff = [*commands, BotCommand(ADMIN_COMMAND, t(f"cmd.{ADMIN_COMMAND}"))]
            scope = BotCommandScopeChat(admin)
            await application.bot.set_my_commands(staff, scope=scope, language_code=language)
