"""Every handler, registered from one place, in order of precedence."""

from __future__ import annotations

from telegram import BotCommand, BotCommandScopeChat
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot.handlers.admin import admin_handlers
from bot.handlers.common import common_handlers, edit_not_read, on_error, stale_button
from bot.handlers.doctor.agenda import agenda_handlers
from bot.handlers.doctor.blocks import block_handler
from bot.handlers.doctor.calendar_feed import calendar_feed_handlers
from bot.handlers.doctor.offers import offer_handlers
from bot.handlers.patient.booking import booking_handler
from bot.handlers.patient.my_appointments import my_appointments_handlers
from bot.handlers.patient.privacy import privacy_handlers
from bot.handlers.patient.registration import registration_handler
from bot.handlers.patient.reschedule import reschedule_handler
from bot.i18n import LANGUAGES, Translator
from bot.telegram.context import DEPS_KEY
from bot.telegram.screens import close_tap
from domain.actors import SYSTEM
from domain.ports import Deps
from domain.queries import staff_members
from domain.staff import StaffRole

#: The group of the handlers that run before every other: edits are not new input.
OPENING = -1
#: The group of the handler that runs after every other, even a failed one.
CLOSING = 1

COMMANDS = ("start", "book", "my", "language", "mydata", "forget", "cancel")
ADMIN_COMMAND = "admin"
DOCTOR_COMMANDS = ("agenda", "block", "calendar")


def register_handlers(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(MessageHandler(filters.UpdateType.EDITED, edit_not_read), OPENING)
    application.add_handler(registration_handler())
    application.add_handler(booking_handler())
    application.add_handler(reschedule_handler())
    application.add_handlers(my_appointments_handlers())
    application.add_handlers(privacy_handlers())
    application.add_handlers(admin_handlers())
    application.add_handlers(agenda_handlers())
    application.add_handlers(offer_handlers())
    application.add_handlers(calendar_feed_handlers())
    application.add_handler(block_handler())
    application.add_handlers(common_handlers())
    application.add_handler(CallbackQueryHandler(stale_button))
    application.add_handler(CallbackQueryHandler(close_tap), group=CLOSING)
    application.add_error_handler(on_error)


async def publish_commands(application: Application) -> None:  # type: ignore[type-arg]
    """The command menu in Spanish (also the default) and English; admins from the
    settings also see /admin in their own chats, and doctors linked by start-up /agenda,
    /block and /calendar (nobody else learns they exist). A doctor linked later finds them by
    typing them."""
    deps: Deps = application.bot_data[DEPS_KEY]
    doctors = {g.telegram_user_id for g in await staff_members(deps, SYSTEM, StaffRole.DOCTOR)}
    for language in (None, *LANGUAGES):
        t = Translator(language or "es")
        commands = [BotCommand(c, t(f"cmd.{c}")) for c in COMMANDS]
        await application.bot.set_my_commands(commands, language_code=language)
        for chat in sorted(deps.admin_ids | doctors):
            extra = [ADMIN_COMMAND] if chat in deps.admin_ids else []
            extra += DOCTOR_COMMANDS if chat in doctors else ()
            staff = [*commands, *(BotCommand(c, t(f"cmd.{c}")) for c in extra)]
            scope = BotCommandScopeChat(chat)
            await application.bot.set_my_commands(staff, scope=scope, language_code=language)
