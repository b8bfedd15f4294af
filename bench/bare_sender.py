"""The floor of ``bench/dispatch.py``: a bare loop sending messages through the bot's
transport, and nothing else.

Usage: ``python bench/bare_sender.py JOB.json`` with ``TELEGRAM_BOT_TOKEN`` and
``TELEGRAM_API_BASE_URL`` set. ``JOB.json`` holds ``chats`` (chat ids) and ``params``
(the ``sendMessage`` parameters of a message the bot sent, but ``chat_id``). The
process imports and prepares everything, prints ``ready``, waits for a line on stdin,
then sends one message to each chat through ``bot.telegram.transport.AiohttpRequest``
(the bot's pool size, and as many sends in flight as the outbox sender allows), prints
``sent N`` and exits after one more line: no database, no rate limiter, no retry, no
``Bot`` object. The benchmark reads its CPU from /proc at ``ready`` and at ``sent``,
the way it measures the bot's.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.telegram.transport import AiohttpRequest
from bot.workers.outbox_sender import SenderSettings

IN_FLIGHT = SenderSettings().in_flight


async def send_all(url: str, chats: list[int], params: dict[str, Any]) -> int:
    request = AiohttpRequest(64, pool_timeout=10.0)
    await request.initialize()
    pending = iter(chats)
    sent = 0

    async def worker() -> None:
        nonlocal sent
        for chat in pending:
            data = {**params, "chat_id": chat}
            parameters = [RequestParameter.from_input(k, v) for k, v in data.items()]
            await request.post(url, RequestData(parameters))
            sent += 1

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(IN_FLIGHT):
                group.create_task(worker())
    finally:
        await request.shutdown()
    return sent


def main() -> None:
    job = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    url = f"{os.environ['TELEGRAM_API_BASE_URL']}{os.environ['TELEGRAM_BOT_TOKEN']}/sendMessage"
    print("ready", flush=True)
    sys.stdin.readline()
    sent = asyncio.run(send_all(url, job["chats"], job["params"]))
    print(f"sent {sent}", flush=True)
    sys.stdin.readline()  # alive until the benchmark has read its CPU time


if __name__ == "__main__":
    main()
