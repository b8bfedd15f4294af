"""Everything the stand-in remembers, shared by the Bot API method handlers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.standin.delivery import UpdateQueue, WebhookDelivery
from bot.sandbox.standin.faults import Faults
from bot.sandbox.standin.files import FileStore, Upload
from bot.sandbox.standin.flood import FloodControl
from bot.sandbox.standin.world import Profile, World

JSON = dict[str, Any]


@dataclass
class Call:
    """A decoded Bot API call: typed parameters and the file parts sent with it."""

    method: str
    params: dict[str, Any]
    attachments: dict[str, Upload] = field(default_factory=dict)


class SandboxState:
    """The bot's side of Telegram: updates, files, settings, limits; and the people."""

    def __init__(
        self,
        bot: Profile,
        *,
        flood_limits: bool = True,
        webhook_retry_delay: float = 1.0,
        first_update_id: int = 1,
    ) -> None:
        self.bot = bot
        self.updates = UpdateQueue(first_update_id)
        self.world = World(bot, self._deliver)
        self.files = FileStore()
        self.flood = FloodControl(enabled=flood_limits)
        self.faults = Faults()
        self.webhook = WebhookDelivery(self.updates, retry_delay=webhook_retry_delay)
        # (scope as canonical JSON, language code or "") -> list of BotCommand
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        # chat id (None for the default button) -> MenuButton
        self.menu_buttons: dict[int | None, JSON] = {}

    def _deliver(self, kind: str, payload: JSON) -> None:
        self.updates.push(kind, payload)

    async def close(self) -> None:
        self.updates.close()
        await self.webhook.close()


Handler = Callable[[SandboxState, Call], Awaitable[Any]]
