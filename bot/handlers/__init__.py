"""Every handler, registered from one place, in order of precedence."""

from __future__ import annotations

from telegram import BotCommand
from telegram.ext import Application, CallbackQueryHandler

from bot.handlers.admin import admin_handlers
from bot.handlers.common import common_handlers, on_error, stale_button
from bot.handlers.patient.booking import booking_handler
from bot.handlers.patient.my_appointments import my_appointments_handlers
from bot.handlers.patient.registration import registration_handler
from bot.handlers.patient.reschedule import reschedule_handler
from bot.i18n import LANGUAGES, Translator

COMMANDS = ("start", "book", "my", "language", "cancel")


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
    """The command menu in Spanish (also the default) and English."""
    for language in (None, *LANGUAGES):
        t = Translator(language or "es")
        commands = [BotCommand(c, t(f"cmd.{c}")) for c in COMMANDS]
        await application.bot.set_my_commands(commands, language_code=language)
