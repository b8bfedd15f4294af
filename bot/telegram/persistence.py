"""python-telegram-bot persistence on the database.

Conversation states and user data survive restarts. PTB hands changes over
every ``update_interval`` seconds (and on shutdown); they are written in one
transaction per round, so a hard kill loses at most that interval.

Before the first load, state untouched for a week is deleted
(``TelegramStateStore.forget_stale``): abandoned registrations keep no name or
national ID for longer, and what is kept is encrypted.

The keys of conversations in progress are kept here too, for the
``medbot_conversations_active`` gauge: PTB reports every change of state here.

PTB keeps the state in memory and reads the database only in ``initialize()``. That
is coherent because one process handles all updates (the polling lock,
``storage/polling_lock.py``); a process that takes polling over from another calls
:func:`reload_state` first, so it starts from what its predecessor wrote.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from telegram.ext import Application, BasePersistence, ConversationHandler, PersistenceInput
from telegram.ext._utils.trackingdict import TrackingDict
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from bot.metrics import CONVERSATIONS
from storage.telegram_state import TelegramStateStore

UserData = dict[Any, Any]


class DatabasePersistence(BasePersistence[UserData, UserData, UserData]):
    def __init__(self, store: TelegramStateStore, update_interval: float = 1.0) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, callback_data=False),
            update_interval=update_interval,
        )
        self._store = store
        self._pending: dict[tuple[str, str], Any] = {}
        self._flushing: asyncio.Future[None] | None = None
        self._active: dict[str, set[ConversationKey]] = {}
        self._stale_forgotten = False

    async def _load(self, kind: str) -> dict[str, Any]:
        if not self._stale_forgotten:
            self._stale_forgotten = True
            await self._store.forget_stale()
        return await self._store.load(kind)

    async def get_user_data(self) -> dict[int, UserData]:
        return {int(k): v for k, v in (await self._load("user")).items()}

    async def get_chat_data(self) -> dict[int, UserData]:
        return {int(k): v for k, v in (await self._load("chat")).items()}

    async def get_bot_data(self) -> UserData:
        return {}

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        stored = await self._load(f"conversation:{name}")
        found: ConversationDict = {tuple(json.loads(k)): v for k, v in stored.items()}
        self._active[name] = {k for k, v in found.items() if v is not None}
        CONVERSATIONS.labels(name).set(len(self._active[name]))
        return found

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        active = self._active.setdefault(name, set())
        if new_state is None:
            active.discard(key)
        else:
            active.add(key)
        CONVERSATIONS.labels(name).set(len(active))
        await self._write(f"conversation:{name}", json.dumps(list(key)), new_state)

    async def update_user_data(self, user_id: int, data: UserData) -> None:
        """Empty data is no row: a person erased (``/forget``) leaves none behind when
        a later handler of the same update touches their data again."""
        await self._write("user", str(user_id), data or None)

    async def update_chat_data(self, chat_id: int, data: UserData) -> None:
        await self._write("chat", str(chat_id), data or None)

    async def drop_user_data(self, user_id: int) -> None:
        await self._write("user", str(user_id), None)

    async def drop_chat_data(self, chat_id: int) -> None:
        await self._write("chat", str(chat_id), None)

    async def update_bot_data(self, data: UserData) -> None:
        """Bot data holds the live ``Deps``, not state; it is not stored."""

    async def update_callback_data(self, data: CDCData) -> None:
        """Callback data is plain strings, not stored."""

    async def refresh_user_data(self, user_id: int, user_data: UserData) -> None:
        """The bot is the only writer; nothing to refresh."""

    async def refresh_chat_data(self, chat_id: int, chat_data: UserData) -> None:
        """The bot is the only writer; nothing to refresh."""

    async def refresh_bot_data(self, bot_data: UserData) -> None:
        """Bot data is not stored."""

    async def flush(self) -> None:
        if self._pending:
            changes, self._pending = self._pending, {}
            await self._store.write(changes)

    async def _write(self, kind: str, key: str, data: object) -> None:
        # PTB starts every update of a round together; the first one to get
        # here waits a tick so the others join, then all go in one transaction.
        self._pending[(kind, key)] = data
        if self._flushing is None:
            self._flushing = asyncio.ensure_future(self._flush_after_tick())
        await asyncio.shield(self._flushing)

    async def _flush_after_tick(self) -> None:
        await asyncio.sleep(0)
        self._flushing = None
        await self.flush()


async def reload_state(application: Application) -> None:  # type: ignore[type-arg]
    """Replace the state ``application`` holds in memory with the database's.

    For a process taking polling over: what it loaded in ``initialize()`` may be older
    than what the process before it wrote since. Call it only while no update is being
    handled. PTB has no public way to reload, so this clears its own containers (without
    tracking, so nothing is written back) and runs its own loaders;
    ``tests/e2e/test_two_instances.py`` and ``tests/unit/test_reload_state.py`` pin the
    behaviour against PTB upgrades. medbot nests no conversations, so only top-level
    ConversationHandlers are reloaded.
    """
    # PTB's private containers: see the docstring.
    application._user_data.clear()
    application._chat_data.clear()
    application._conversation_handler_conversations.clear()
    await application._initialize_persistence()
    for handler in itertools.chain.from_iterable(application.handlers.values()):
        if isinstance(handler, ConversationHandler) and handler.persistent and handler.name:
            handler._conversations = TrackingDict()
            await application._add_ch_to_persistence(handler)
