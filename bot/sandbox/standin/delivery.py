"""Getting updates to the bot: a queue for long polling, or POSTs to a webhook."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.sandbox.standin.errors import ApiError
from bot.sandbox.standin.notify import ChangeSignal

JSON = dict[str, Any]

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 -- a header name
# Update kinds Telegram leaves out unless allowed_updates asks for them explicitly.
_OPT_IN_KINDS = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class UpdateQueue:
    """Unconfirmed updates in order; ``getUpdates`` long-polls on it."""

    def __init__(self, first_update_id: int = 1) -> None:
        self.history: list[JSON] = []
        self.allowed_updates: list[str] = []
        self.arrived = ChangeSignal()
        self._pending: list[JSON] = []
        self._next_id = first_update_id
        self._polls = 0
        self._closed = False

    @property
    def pending(self) -> list[JSON]:
        return list(self._pending)

    def push(self, kind: str, payload: JSON) -> JSON | None:
        """Queue an update unless allowed_updates filters its kind out."""
        allowed = (
            kind in self.allowed_updates if self.allowed_updates else kind not in _OPT_IN_KINDS
        )
        if not allowed:
            return None
        update = {"update_id": self._next_id, kind: payload}
        self._next_id += 1
        self._pending.append(update)
        self.history.append(update)
        self.arrived.fire()
        return update

    def confirm(self, offset: int) -> None:
        """Forget updates below ``offset``; a negative offset keeps only the last -offset."""
        if offset < 0:
            self._pending = self._pending[offset:]
        else:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]

    def drop_all(self) -> None:
        self._pending.clear()

    def close(self) -> None:
        """Answer every waiting long poll now (the server is stopping)."""
        self._closed = True
        self.arrived.fire()

    async def poll(self, *, offset: int | None, limit: int, wait_seconds: float) -> list[JSON]:
        self._polls += 1
        ticket = self._polls
        self.arrived.fire()  # an older poll still waiting is terminated, as in Telegram
        if offset is not None:
            self.confirm(offset)
        deadline = time.monotonic() + max(wait_seconds, 0)
        while True:
            if ticket != self._polls:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            event = self.arrived.next()
            if self._pending or self._closed:
                return self._pending[: max(1, min(limit, 100))]
            if not await ChangeSignal.wait(event, deadline - time.monotonic()):
                return []


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


class WebhookDelivery:
    """POSTs pending updates one at a time to the webhook, retrying until it answers 2xx."""

    def __init__(self, queue: UpdateQueue, *, retry_delay: float, timeout: float = 10.0) -> None:
        self.queue = queue
        self.config: WebhookConfig | None = None
        self.delivered = 0
        self._retry_delay = retry_delay
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    async def set(self, config: WebhookConfig) -> None:
        await self.delete()
        self.config = config
        self._task = asyncio.create_task(self._run(config), name="sandbox-webhook")

    async def delete(self) -> None:
        self.config = None
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def close(self) -> None:
        await self.delete()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _run(self, config: WebhookConfig) -> None:
        while True:
            event = self.queue.arrived.next()
            pending = self.queue.pending
            if not pending:
                await event.wait()
                continue
            update = pending[0]
            if await self._post(config, update):
                self.delivered += 1
                self.queue.confirm(update["update_id"] + 1)
            else:
                await asyncio.sleep(self._retry_delay)

    async def _post(self, config: WebhookConfig, update: JSON) -> bool:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        headers = {"Content-Type": "application/json"}
        if config.secret_token:
            headers[SECRET_HEADER] = config.secret_token
        try:
            async with self._session.post(
                config.url, data=json.dumps(update), headers=headers
            ) as response:
                if 200 <= response.status < 300:
                    return True
                error = f"Wrong response from the webhook: {response.status} {response.reason}"
        except aiohttp.ClientConnectionError:
            error = "Connection refused"
        except TimeoutError:
            error = "Read timeout expired"
        except aiohttp.ClientError as exc:
            error = f"Webhook delivery failed: {type(exc).__name__}"
        config.last_error_date = int(time.time())
        config.last_error_message = error
        return False
