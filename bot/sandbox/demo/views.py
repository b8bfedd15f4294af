"""What the page is sent: messages, chat states, the request journal and the clock, as JSON."""

from __future__ import annotations

import json
from typing import Any

from bot.sandbox.demo.clock import DemoClock
from bot.sandbox.standin.journal import RequestRecord
from bot.sandbox.standin.markup import reply_buttons
from bot.sandbox.standin.world import CallbackAnswer, Chat, ChatMessage

JSON = dict[str, Any]
_SHOWN_PARAM = 80


def message_json(message: ChatMessage) -> JSON:
    shown: JSON = {
        "chat_id": message.chat_id,
        "message_id": message.message_id,
        "revision": message.revision,
        "from_bot": message.from_bot,
        "date": message.date,
        "text": message.shown_text,
        "entities": message.entities,
        "edited": message.edit_date is not None,
        "deleted": message.deleted,
        "inline_keyboard": [
            [
                {
                    "text": str(button.get("text", "")),
                    "data": button.get("callback_data"),
                    "url": button.get("url"),
                }
                for button in row
            ]
            for row in message.inline_keyboard
        ],
    }
    if message.document is not None:
        shown["document"] = {
            "file_id": message.document["file_id"],
            "name": message.document.get("file_name", "file"),
            "size": message.document.get("file_size", 0),
        }
    if message.contact is not None:
        shown["contact"] = {"phone": message.contact.get("phone_number", "")}
    return shown


def chat_json(chat: Chat) -> JSON:
    """The chat's current reply keyboard (shown under the input), if any."""
    keyboard = None
    if chat.reply_keyboard is not None and not chat.reply_keyboard.deleted:
        markup = chat.reply_keyboard.reply_markup or {}
        rows = markup.get("keyboard", [])
        keyboard = [
            [
                {"text": b["text"], "contact": bool(b.get("request_contact"))}
                for b in reply_buttons({"keyboard": [row]})
            ]
            for row in rows
        ]
    return {"chat_id": chat.id, "reply_keyboard": keyboard}


def alert_json(chat_id: int, answer: CallbackAnswer) -> JSON:
    return {
        "chat_id": chat_id,
        "revision": answer.revision,
        "text": answer.text,
        "show_alert": answer.show_alert,
    }


def request_json(record: RequestRecord) -> JSON:
    """One Bot API call for the side panel: method, a short parameter summary, the outcome.

    Parameters are cut short: the panel is for seeing what the bot called, not a log.
    """
    summary = []
    for key, value in record.params.items():
        text = value if isinstance(value, str) else _compact(value)
        if len(text) > _SHOWN_PARAM:
            text = text[:_SHOWN_PARAM] + "…"
        summary.append(f"{key}={text}")
    return {
        "seq": record.seq,
        "at": record.at,
        "method": record.method,
        "params": summary,
        "status": record.status,
        "description": record.description,
        "violations": list(record.violations),
        "ms": round(record.duration * 1000, 1),
    }


def clock_json(clock: DemoClock) -> JSON:
    """The sandbox's time (ISO 8601, UTC) and how far it was skipped ahead of its base."""
    return {
        "now": clock.now().isoformat(timespec="seconds"),
        "skipped_minutes": int(clock.skipped.total_seconds() // 60),
    }


def _compact(value: object) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    except TypeError:
        return str(value)
