"""A local stand-in for the Telegram Bot API, served over HTTP, and a driver for tests.

``BotApiStandIn`` serves ``/bot<token>/<method>`` like api.telegram.org, checks every
call against the Bot API spec, answers with Telegram's shapes and errors, and lets tests
act as people (``Person``) who write, share contacts and tap buttons.
"""

from bot.sandbox.standin.driver import BotApiStandIn, Person
from bot.sandbox.standin.server import DEFAULT_TOKEN, BotApiServer
from bot.sandbox.standin.spec import BotApiSpec
from bot.sandbox.standin.world import CallbackAnswer, ChatMessage

__all__ = [
    "DEFAULT_TOKEN",
    "BotApiServer",
    "BotApiSpec",
    "BotApiStandIn",
    "CallbackAnswer",
    "ChatMessage",
    "Person",
]
