"""Bot API methods about messages: send, edit, delete, documents, callback answers."""

from __future__ import annotations

import time
from typing import Any

from bot.sandbox.standin.errors import bad_request
from bot.sandbox.standin.files import StoredFile, Upload
from bot.sandbox.standin.formatting import render
from bot.sandbox.standin.markup import check_reply_markup
from bot.sandbox.standin.state import Call, Handler, SandboxState
from bot.sandbox.standin.world import Chat, ChatMessage

JSON = dict[str, Any]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


def _message_text(params: dict[str, Any]) -> tuple[str, list[JSON]]:
    text, entities = render(params["text"], params.get("parse_mode"), params.get("entities"))
    if not text.strip():
        raise bad_request("message text is empty")
    if len(text) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")
    return text, entities


def _check_reply_target(chat: Chat, params: dict[str, Any]) -> None:
    reply = params.get("reply_parameters")
    if reply is None or reply.get("allow_sending_without_reply"):
        return
    target = chat.messages.get(reply["message_id"])
    if target is None or target.deleted:
        raise bad_request("message to be replied not found")


def _inline_markup(message: ChatMessage) -> JSON | None:
    markup = message.reply_markup
    return markup if markup is not None and "inline_keyboard" in markup else None


def _message_to_edit(state: SandboxState, params: dict[str, Any]) -> tuple[Chat, ChatMessage]:
    if "inline_message_id" in params:
        raise bad_request("MESSAGE_ID_INVALID")  # the stand-in has no inline messages
    if "chat_id" not in params:
        raise bad_request("chat_id is empty")
    if "message_id" not in params:
        raise bad_request("message identifier is not specified")
    chat = state.world.chat_for_bot(params["chat_id"])
    message = chat.messages.get(params["message_id"])
    if message is None or message.deleted:
        raise bad_request("message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return chat, message


def _apply_edit(state: SandboxState, chat: Chat, message: ChatMessage, markup: JSON | None) -> JSON:
    if markup is not None or _inline_markup(message) is not None:
        message.reply_markup = markup  # an edit without reply_markup removes the keyboard
    message.edit_date = int(time.time())
    state.world.touch(message)
    return message.as_json(chat.as_json())


async def send_message(state: SandboxState, call: Call) -> JSON:
    params = call.params
    chat = state.world.chat_for_bot(params["chat_id"])
    text, entities = _message_text(params)
    markup = params.get("reply_markup")
    check_reply_markup(markup)
    _check_reply_target(chat, params)
    state.flood.check(chat.id)
    message = state.world.post(chat, state.bot, text=text, entities=entities, reply_markup=markup)
    return message.as_json(chat.as_json())


async def edit_message_text(state: SandboxState, call: Call) -> JSON:
    chat, message = _message_to_edit(state, call.params)
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    text, entities = _message_text(call.params)
    markup = call.params.get("reply_markup")
    check_reply_markup(markup)
    if (text, entities, markup) == (message.text, message.entities, _inline_markup(message)):
        raise bad_request(
            "message is not modified: specified new message content and reply markup are "
            "exactly the same as a current content and reply markup of the message"
        )
    message.text, message.entities = text, entities
    return _apply_edit(state, chat, message, markup)


async def edit_message_reply_markup(state: SandboxState, call: Call) -> JSON:
    chat, message = _message_to_edit(state, call.params)
    markup = call.params.get("reply_markup")
    check_reply_markup(markup)
    if markup == _inline_markup(message):
        raise bad_request(
            "message is not modified: specified new message content and reply markup are "
            "exactly the same as a current content and reply markup of the message"
        )
    return _apply_edit(state, chat, message, markup)


async def delete_message(state: SandboxState, call: Call) -> bool:
    chat = state.world.chat_for_bot(call.params["chat_id"], sending=False)
    message = chat.messages.get(call.params["message_id"])
    if message is None or message.deleted:
        raise bad_request("message to delete not found")
    message.deleted = True
    state.world.touch(message)
    return True


async def send_chat_action(state: SandboxState, call: Call) -> bool:
    chat = state.world.chat_for_bot(call.params["chat_id"])
    action = call.params["action"]
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    chat.chat_actions.append(action)
    return True


async def answer_callback_query(state: SandboxState, call: Call) -> bool:
    params = call.params
    state.world.answer_query(
        params["callback_query_id"],
        params.get("text"),
        show_alert=bool(params.get("show_alert", False)),
        url=params.get("url"),
    )
    return True


def _document(state: SandboxState, call: Call) -> StoredFile:
    document = call.params["document"]
    if isinstance(document, str) and document.startswith("attach://"):
        document = call.attachments.get(document.removeprefix("attach://"), document)
    if isinstance(document, Upload):
        return state.files.add(document)
    stored = state.files.by_id(document)
    if stored is not None:
        return stored
    if document.startswith(("http://", "https://")):
        raise bad_request("failed to get HTTP URL content")  # the stand-in stays offline
    raise bad_request("wrong file identifier/HTTP URL specified")


async def send_document(state: SandboxState, call: Call) -> JSON:
    params = call.params
    chat = state.world.chat_for_bot(params["chat_id"])
    caption: str | None = None
    entities: list[JSON] = []
    if "caption" in params:
        caption, entities = render(
            params["caption"], params.get("parse_mode"), params.get("caption_entities")
        )
        if len(caption) > MAX_CAPTION_LENGTH:
            raise bad_request("message caption is too long")
    markup = params.get("reply_markup")
    check_reply_markup(markup)
    _check_reply_target(chat, params)
    stored = _document(state, call)
    state.flood.check(chat.id)
    message = state.world.post(
        chat,
        state.bot,
        document=stored.as_document(),
        caption=caption,
        entities=entities,
        reply_markup=markup,
    )
    return message.as_json(chat.as_json())


async def get_file(state: SandboxState, call: Call) -> JSON:
    stored = state.files.by_id(call.params["file_id"])
    if stored is None:
        raise bad_request("invalid file_id")
    return stored.as_file()


MESSAGE_METHODS: dict[str, Handler] = {
    "sendMessage": send_message,
    "editMessageText": edit_message_text,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "sendChatAction": send_chat_action,
    "answerCallbackQuery": answer_callback_query,
    "sendDocument": send_document,
    "getFile": get_file,
}
