"""The kinds of update the bot's handlers can receive, asked of Telegram by name.

``setWebhook`` (and getUpdates) take ``allowed_updates``: Telegram then never sends
what no handler would look at. The list is derived from the registered handlers, so a
new kind of handler cannot be forgotten: one this module does not know stops start-up.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
)

#: What each kind of handler receives in a private chat. Text, commands and shared
#: contacts come in messages; python-telegram-bot's message filters match an edit of one
#: too (the bot answers an edit by saying edits are not read), so edits are asked for.
_MESSAGES = (Update.MESSAGE, Update.EDITED_MESSAGE)
_KINDS: dict[type[BaseHandler], tuple[str, ...]] = {  # type: ignore[type-arg]
    CallbackQueryHandler: (Update.CALLBACK_QUERY,),
    CommandHandler: _MESSAGES,
    MessageHandler: _MESSAGES,
}


class UnknownHandler(Exception):
    """A handler whose update kinds this module cannot name."""


def handled_update_types(application: Application) -> list[str]:  # type: ignore[type-arg]
    """Every update kind some registered handler receives, in Telegram's order."""
    kinds: set[str] = set()
    for group in application.handlers.values():
        for handler in group:
            kinds.update(_kinds_of(handler))
    return [str(kind) for kind in Update.ALL_TYPES if kind in kinds]


def _kinds_of(handler: BaseHandler) -> set[str]:  # type: ignore[type-arg]
    if isinstance(handler, ConversationHandler):
        inner = [*handler.entry_points, *handler.fallbacks]
        inner += [h for state in handler.states.values() for h in state]
        return {kind for h in inner for kind in _kinds_of(h)}
    for handler_type, kinds in _KINDS.items():
        if isinstance(handler, handler_type):
            return set(kinds)
    raise UnknownHandler(
        f"{type(handler).__name__}: add the update kinds it receives to "
        "bot/telegram/update_types.py"
    )
