"""The Telegram side of the stand-in: people, their private chats with the bot, transcripts.

Message ids are counted per chat and shared by the person's and the bot's messages, as in
Telegram.  Every change (a new message, an edit, a deletion, a callback answer) bumps the
world's ``revision`` and fires two signals: the chat's own ``Chat.changed``, which a person
waiting in that chat follows, and the world's ``changed``, which a UI showing every chat
follows.  A change in one chat wakes no one waiting in another.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.standin.errors import BOT_BLOCKED, bad_request, forbidden
from bot.sandbox.standin.markup import button_labels
from bot.sandbox.standin.notify import ChangeSignal

JSON = dict[str, Any]
UpdateSink = Callable[[str, JSON], None]

_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]+)?(?=\s|$)")


def utf16_length(text: str) -> int:
    """Telegram measures entity offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Profile:
    """A Telegram user: a person or the bot."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def as_user(self) -> JSON:
        user: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        optional = {"last_name": self.last_name, "username": self.username}
        optional["language_code"] = self.language_code
        return user | {key: value for key, value in optional.items() if value is not None}

    def as_private_chat(self) -> JSON:
        chat: JSON = {"id": self.id, "type": "private", "first_name": self.first_name}
        optional = {"last_name": self.last_name, "username": self.username}
        return chat | {key: value for key, value in optional.items() if value is not None}


@dataclass
class ChatMessage:
    """One message of a transcript; edits are applied in place and bump ``revision``."""

    chat_id: int
    message_id: int
    sender: Profile
    date: int
    text: str | None = None
    entities: list[JSON] = field(default_factory=list)
    caption: str | None = None
    document: JSON | None = None
    contact: JSON | None = None
    reply_markup: JSON | None = None
    edit_date: int | None = None
    deleted: bool = False
    revision: int = 0

    @property
    def from_bot(self) -> bool:
        return self.sender.is_bot

    @property
    def shown_text(self) -> str:
        """What a person reads: the text, or a document's caption."""
        return self.text if self.text is not None else self.caption or ""

    @property
    def inline_keyboard(self) -> list[list[JSON]]:
        rows: list[list[JSON]] = (self.reply_markup or {}).get("inline_keyboard", [])
        return rows

    def buttons(self) -> list[str]:
        return button_labels(self.reply_markup)

    def snapshot(self) -> ChatMessage:
        return dataclasses.replace(self, entities=list(self.entities))

    def as_json(self, chat: JSON) -> JSON:
        message: JSON = {
            "message_id": self.message_id,
            "from": self.sender.as_user(),
            "chat": chat,
            "date": self.date,
        }
        if self.edit_date is not None:
            message["edit_date"] = self.edit_date
        if self.text is not None:
            message["text"] = self.text
            if self.entities:
                message["entities"] = self.entities
        if self.document is not None:
            message["document"] = self.document
        if self.caption is not None:
            message["caption"] = self.caption
            if self.entities:
                message["caption_entities"] = self.entities
        if self.contact is not None:
            message["contact"] = self.contact
        if self.inline_keyboard:  # Telegram echoes only inline keyboards
            message["reply_markup"] = {"inline_keyboard": self.inline_keyboard}
        return message


@dataclass(frozen=True)
class CallbackAnswer:
    """The bot's answer to a button press, as the person sees it (toast or alert)."""

    query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    revision: int


@dataclass
class Chat:
    """A private chat between one person and the bot."""

    person: Profile
    messages: dict[int, ChatMessage] = field(default_factory=dict)
    next_message_id: int = 1
    started: bool = False
    blocked: bool = False
    reply_keyboard: ChatMessage | None = None
    alerts: list[CallbackAnswer] = field(default_factory=list)
    chat_actions: list[str] = field(default_factory=list)
    changed: ChangeSignal = field(default_factory=ChangeSignal, repr=False, compare=False)

    @property
    def id(self) -> int:
        return self.person.id

    @property
    def chat_instance(self) -> str:
        return str(abs(self.id * 7_919 + 5_348_270_196_384_127))

    def as_json(self) -> JSON:
        return self.person.as_private_chat()

    def transcript(self) -> list[ChatMessage]:
        return sorted(self.messages.values(), key=lambda message: message.message_id)

    def visible_bot_messages(self) -> list[ChatMessage]:
        return [m for m in self.transcript() if m.from_bot and not m.deleted]

    def bot_messages_since(self, revision: int) -> list[ChatMessage]:
        """The bot's visible messages new or changed after ``revision``, in order of change."""
        fresh = (m for m in self.messages.values() if m.revision > revision)
        shown = [m for m in fresh if m.from_bot and not m.deleted]
        return sorted(shown, key=lambda message: message.revision)


class World:
    """People, chats and callback queries; turns what people do into updates."""

    def __init__(self, bot: Profile, deliver: UpdateSink) -> None:
        self.bot = bot
        self.chats: dict[int, Chat] = {}
        self.revision = 0
        self.changed = ChangeSignal()
        self._deliver = deliver
        self._user_ids = itertools.count(100_000_001)
        self._query_ids = itertools.count(4_000_000_000_000_000_000 + secrets.randbelow(10**9))
        self._open_queries: dict[str, int] = {}

    def add_person(
        self,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        user_id: int | None = None,
    ) -> Chat:
        if user_id is None:
            user_id = next(self._user_ids)
            while user_id in self.chats:
                user_id = next(self._user_ids)
        elif user_id in self.chats or user_id == self.bot.id:
            raise ValueError(f"user id {user_id} is already taken")
        person = Profile(user_id, first_name, last_name, username, language_code)
        self.chats[user_id] = chat = Chat(person)
        return chat

    def chat_for_bot(self, chat_id: object, *, sending: bool = True) -> Chat:
        """The chat a bot call addresses, or Telegram's refusal."""
        chat = self._find_chat(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        if not chat.started:
            raise forbidden("bot can't initiate conversation with a user")
        if sending and chat.blocked:
            raise forbidden(BOT_BLOCKED)
        return chat

    def _find_chat(self, chat_id: object) -> Chat | None:
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            wanted = chat_id[1:].lower()
            return next(
                (c for c in self.chats.values() if (c.person.username or "").lower() == wanted),
                None,
            )
        if isinstance(chat_id, str) and re.fullmatch(r"-?\d+", chat_id):
            chat_id = int(chat_id)
        return self.chats.get(chat_id) if isinstance(chat_id, int) else None

    def post(self, chat: Chat, sender: Profile, **content: Any) -> ChatMessage:
        message = ChatMessage(chat.id, chat.next_message_id, sender, int(time.time()), **content)
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        if sender.is_bot and message.reply_markup is not None:
            if "keyboard" in message.reply_markup:
                chat.reply_keyboard = message
            elif message.reply_markup.get("remove_keyboard"):
                chat.reply_keyboard = None
        self.touch(message)
        return message

    def touch(self, message: ChatMessage) -> None:
        self.revision += 1
        message.revision = self.revision
        self._changed(self.chats[message.chat_id])

    def _changed(self, chat: Chat) -> None:
        chat.changed.fire()
        self.changed.fire()

    # What people do -------------------------------------------------------------------

    def person_sends(
        self, chat: Chat, text: str | None = None, *, contact: JSON | None = None
    ) -> ChatMessage:
        chat.started = True
        entities = []
        command = _COMMAND.match(text or "")
        if command:
            length = utf16_length(command.group())
            entities.append({"offset": 0, "length": length, "type": "bot_command"})
        message = self.post(chat, chat.person, text=text, entities=entities, contact=contact)
        self._deliver("message", message.as_json(chat.as_json()))
        return message

    def person_edits(self, chat: Chat, message: ChatMessage, text: str) -> ChatMessage:
        """The person edits one of their own text messages: an ``edited_message`` update."""
        if message.sender is not chat.person or message.text is None:
            raise ValueError("a person edits only their own text messages")
        command = _COMMAND.match(text)
        length = utf16_length(command.group()) if command else 0
        message.text = text
        message.entities = (
            [{"offset": 0, "length": length, "type": "bot_command"}] if command else []
        )
        message.edit_date = int(time.time())
        self.touch(message)
        self._deliver("edited_message", message.as_json(chat.as_json()))
        return message

    def person_presses(self, chat: Chat, message: ChatMessage, data: str) -> str:
        query_id = str(next(self._query_ids))
        self._open_queries[query_id] = chat.id
        self._deliver(
            "callback_query",
            {
                "id": query_id,
                "from": chat.person.as_user(),
                "message": message.as_json(chat.as_json()),
                "chat_instance": chat.chat_instance,
                "data": data,
            },
        )
        return query_id

    def person_sets_blocked(self, chat: Chat, *, blocked: bool) -> None:
        if chat.blocked == blocked:
            return
        chat.blocked = blocked
        statuses: list[JSON] = [{"status": "member"}, {"status": "kicked", "until_date": 0}]
        old, new = statuses if blocked else statuses[::-1]
        self._deliver(
            "my_chat_member",
            {
                "chat": chat.as_json(),
                "from": chat.person.as_user(),
                "date": int(time.time()),
                "old_chat_member": {"user": self.bot.as_user()} | old,
                "new_chat_member": {"user": self.bot.as_user()} | new,
            },
        )

    # What the bot does with callback queries -----------------------------------------

    def answer_query(
        self, query_id: str, text: str | None, *, show_alert: bool, url: str | None
    ) -> None:
        chat_id = self._open_queries.pop(query_id, None)
        if chat_id is None:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self.revision += 1
        answer = CallbackAnswer(query_id, text, show_alert, url, self.revision)
        chat = self.chats[chat_id]
        chat.alerts.append(answer)
        self._changed(chat)
