"""A driver for end-to-end tests: start the stand-in and act as people talking to the bot.

    async with BotApiStandIn() as api:
        ana = api.person("Ana", language_code="es")
        await ana.send("/start")
        await ana.wait_for("Bienvenida")
        await ana.tap("Confirmar")

``wait_for`` works like ``expect``: it only looks at bot messages that arrived or changed
after the person's last action, and a match moves the person's cursor past that message.
A waiting person wakes only when their own chat changes (``Chat.changed``), so a change
in one chat does not wake everyone waiting in the others.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from types import TracebackType

from bot.sandbox.standin.markup import inline_buttons, reply_buttons
from bot.sandbox.standin.notify import ChangeSignal
from bot.sandbox.standin.server import BotApiServer
from bot.sandbox.standin.world import CallbackAnswer, Chat, ChatMessage

Pattern = str | re.Pattern[str]
_Matcher = Callable[[ChatMessage], bool]
_SHOWN_MESSAGES = 5
_SHOWN_CHARACTERS = 160


class BotApiStandIn(BotApiServer):
    """The stand-in server plus the people who talk to the bot through it."""

    async def __aenter__(self) -> BotApiStandIn:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    def person(
        self,
        first_name: str = "Ana",
        last_name: str | None = None,
        *,
        language_code: str | None = "es",
        user_id: int | None = None,
        username: str | None = None,
        phone_number: str | None = None,
    ) -> Person:
        """A new person with a private chat; the chat is known to Telegram once they write."""
        chat = self.state.world.add_person(
            first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            user_id=user_id,
        )
        return Person(self, chat, phone_number)

    def assert_no_violations(self) -> None:
        if self.violations:
            shown = "\n  ".join(str(v) for v in self.violations)
            raise AssertionError(f"Bot API spec violations:\n  {shown}")

    def file_content(self, file_id: str) -> bytes:
        stored = self.state.files.by_id(file_id)
        if stored is None:
            raise AssertionError(f"no file with file_id {file_id!r}")
        return stored.content


class Person:
    """Someone in a private chat with the bot."""

    def __init__(self, api: BotApiStandIn, chat: Chat, phone_number: str | None) -> None:
        self.api = api
        self.chat = chat
        self.phone_number = phone_number
        self._cursor = 0
        self._alert_cursor = 0

    @property
    def user_id(self) -> int:
        return self.chat.person.id

    @property
    def chat_id(self) -> int:
        return self.chat.id

    @property
    def first_name(self) -> str:
        return self.chat.person.first_name

    # What the person does ---------------------------------------------------------------

    async def send(self, text: str) -> ChatMessage:
        """Write a text message; a leading /command gets its bot_command entity."""
        self._before_acting()
        return self.api.state.world.person_sends(self.chat, text)

    async def edit(self, message: ChatMessage, text: str) -> ChatMessage:
        """Edit one of the person's own text messages (as returned by :meth:`send`)."""
        self._before_acting()
        found = self.chat.messages[message.message_id]
        return self.api.state.world.person_edits(self.chat, found, text)

    async def share_contact(
        self, phone_number: str | None = None, *, user_id: int | None = None
    ) -> ChatMessage:
        """Share a contact: one's own by default (user_id is the person's id)."""
        phone = phone_number or self.phone_number
        if phone is None:
            raise AssertionError("give the person a phone_number to share")
        contact = {
            "phone_number": phone,
            "first_name": self.chat.person.first_name,
            "user_id": user_id if user_id is not None else self.user_id,
        }
        if self.chat.person.last_name:
            contact["last_name"] = self.chat.person.last_name
        self._before_acting()
        return self.api.state.world.person_sends(self.chat, contact=contact)

    async def tap(self, label: str) -> None:
        """Press the newest visible button with this label (inline or reply keyboard)."""
        for message in reversed(self.chat.visible_bot_messages()):
            for button in inline_buttons(message.reply_markup):
                if button.get("text") == label:
                    await self._press_inline(message, button)
                    return
            if message is self.chat.reply_keyboard:
                for button in reply_buttons(message.reply_markup):
                    if button.get("text") == label:
                        await self._press_reply(message, button)
                        return
        raise AssertionError(
            f"no button {label!r} in the chat; visible buttons, newest first: "
            f"{self._visible_buttons()}"
        )

    async def tap_data(self, data: str, message_id: int | None = None) -> None:
        """Send a callback query with any data, even data no button carries (a forgery)."""
        if message_id is not None:
            message = self.chat.messages.get(message_id)
            if message is None:
                raise AssertionError(f"no message {message_id} in the chat")
        else:
            messages = self.chat.visible_bot_messages()
            with_keyboard = [m for m in messages if m.inline_keyboard]
            if not messages:
                raise AssertionError("the bot has sent no message to attach a button press to")
            message = (with_keyboard or messages)[-1]
        self._before_acting()
        self.api.state.world.person_presses(self.chat, message, data)

    def block_bot(self) -> None:
        """Block the bot: its messages now get 403 and it receives a my_chat_member update."""
        self.api.state.world.person_sets_blocked(self.chat, blocked=True)

    def unblock_bot(self) -> None:
        self.api.state.world.person_sets_blocked(self.chat, blocked=False)

    async def _press_inline(self, message: ChatMessage, button: dict[str, object]) -> None:
        if "callback_data" not in button:
            kind = next(iter(set(button) - {"text", "style", "icon_custom_emoji_id"}), "?")
            raise AssertionError(
                f"button {button.get('text')!r} is a {kind} button; it sends nothing to the bot"
            )
        self._before_acting()
        self.api.state.world.person_presses(self.chat, message, str(button["callback_data"]))

    async def _press_reply(self, message: ChatMessage, button: dict[str, object]) -> None:
        if (message.reply_markup or {}).get("one_time_keyboard"):
            self.chat.reply_keyboard = None
        if button.get("request_contact"):
            await self.share_contact()
        elif set(button) - {"text", "style", "icon_custom_emoji_id"}:
            raise AssertionError(f"the stand-in cannot press a button like {button!r}")
        else:
            await self.send(str(button["text"]))

    def _before_acting(self) -> None:
        if self.chat.blocked:
            raise AssertionError(f"{self.first_name} blocked the bot; call unblock_bot() first")
        self._cursor = self._alert_cursor = self.api.state.world.revision

    # What the person sees -----------------------------------------------------------------

    @property
    def messages(self) -> list[ChatMessage]:
        """The bot's messages still in the chat, oldest first."""
        return self.chat.visible_bot_messages()

    @property
    def transcript(self) -> list[ChatMessage]:
        """Every message of the chat, both sides, deleted ones flagged."""
        return self.chat.transcript()

    @property
    def last_message(self) -> ChatMessage:
        messages = self.messages
        if not messages:
            raise AssertionError(f"the bot has sent nothing to {self.first_name}")
        return messages[-1]

    @property
    def last_alert(self) -> CallbackAnswer | None:
        return self.chat.alerts[-1] if self.chat.alerts else None

    def buttons(self) -> list[str]:
        """Labels of the newest keyboard: an inline one, or the reply keyboard if newer."""
        for message in reversed(self.messages):
            if message.inline_keyboard or message is self.chat.reply_keyboard:
                return message.buttons()
        return []

    async def wait_for(
        self,
        pattern: Pattern,
        timeout: float = 5.0,  # noqa: ASYNC109 -- a test-facing deadline
    ) -> ChatMessage:
        """The first bot message, new or edited since the last action, matching ``pattern``.

        The text (or a document's caption) is searched with ``re.search`` and DOTALL.  Like
        ``expect``, a match moves the cursor past that message, so consecutive calls walk
        forward through what the bot sent.  Returns a snapshot of the message.
        """
        regex = re.compile(pattern, re.DOTALL) if isinstance(pattern, str) else pattern
        found = await self._wait(lambda m: regex.search(m.shown_text) is not None, timeout)
        if found is None:
            raise AssertionError(
                f"{self.first_name} waited {timeout}s for a bot message matching "
                f"{regex.pattern!r}; last bot messages:\n{self._recent_messages()}"
            )
        return found

    async def wait_for_document(
        self,
        file_name: Pattern = ".*",
        timeout: float = 5.0,  # noqa: ASYNC109 -- a test-facing deadline
    ) -> ChatMessage:
        """The first document since the last action whose file name matches."""
        regex = re.compile(file_name) if isinstance(file_name, str) else file_name
        found = await self._wait(
            lambda m: m.document is not None and regex.search(m.document["file_name"]) is not None,
            timeout,
        )
        if found is None:
            raise AssertionError(
                f"{self.first_name} waited {timeout}s for a document named like "
                f"{regex.pattern!r}; last bot messages:\n{self._recent_messages()}"
            )
        return found

    async def wait_for_alert(
        self,
        pattern: Pattern = ".*",
        timeout: float = 5.0,  # noqa: ASYNC109 -- a test-facing deadline
    ) -> CallbackAnswer:
        """The first answer to a button press since the last action whose text matches."""
        regex = re.compile(pattern, re.DOTALL) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        while True:
            event = self.chat.changed.next()
            for answer in self.chat.alerts:
                if answer.revision > self._alert_cursor and regex.search(answer.text or ""):
                    self._alert_cursor = answer.revision
                    return answer
            if not await ChangeSignal.wait(event, deadline - time.monotonic()):
                shown = [a.text for a in self.chat.alerts[-_SHOWN_MESSAGES:]]
                raise AssertionError(
                    f"{self.first_name} waited {timeout}s for a button answer matching "
                    f"{regex.pattern!r}; last answers: {shown}"
                )

    async def _wait(self, accepts: _Matcher, seconds: float) -> ChatMessage | None:
        deadline = time.monotonic() + seconds
        while True:
            event = self.chat.changed.next()
            for message in self.chat.bot_messages_since(self._cursor):
                if accepts(message):
                    self._cursor = message.revision
                    return message.snapshot()
            if not await ChangeSignal.wait(event, deadline - time.monotonic()):
                return None

    def _recent_messages(self) -> str:
        lines = []
        for message in self.messages[-_SHOWN_MESSAGES:]:
            text = message.shown_text
            if len(text) > _SHOWN_CHARACTERS:
                text = text[:_SHOWN_CHARACTERS] + "…"
            age = "new" if message.revision > self._cursor else "before the last action or match"
            lines.append(f"  #{message.message_id} ({age}) {text!r} buttons={message.buttons()}")
        return "\n".join(lines) or "  (none)"

    def _visible_buttons(self) -> list[str]:
        return [
            f"#{message.message_id}: {message.buttons()}"
            for message in reversed(self.messages)
            if message.inline_keyboard or message is self.chat.reply_keyboard
        ]
