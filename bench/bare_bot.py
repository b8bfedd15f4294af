"""The floor of ``bench/conversations.py``: a bare python-telegram-bot bot that answers
every update with one message.

It polls the Bot API stand-in the benchmark started, as the bot does
(``TELEGRAM_BOT_TOKEN``, ``TELEGRAM_API_BASE_URL``), with the bot's transport
(``bot.telegram.transport.AiohttpRequest``, the same pool sizes), the same polling
(no interval, 10 s long polls) and updates processed concurrently, and no database,
conversation, persistence or translation. The benchmark runs it as a process of its
own and measures its CPU per update the way it measures the bot's. SIGTERM stops it.
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, TypeHandler

from bot.telegram.transport import AiohttpRequest

ANSWER = "ok"


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, ANSWER)


def main() -> None:
    application = (
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_API_BASE_URL"])
        .concurrent_updates(True)
        .request(AiohttpRequest(64, pool_timeout=10.0))
        .get_updates_request(AiohttpRequest(1))
        .build()
    )
    application.add_handler(TypeHandler(Update, answer))
    application.run_polling(poll_interval=0.0, timeout=10)


if __name__ == "__main__":
    main()
