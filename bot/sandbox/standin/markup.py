"""Keyboards attached to messages: Telegram's checks and the labels a person sees."""

from __future__ import annotations

from typing import Any

from bot.sandbox.standin.errors import bad_request

JSON = dict[str, Any]

MAX_CALLBACK_DATA_BYTES = 64
# Fields of an inline button that are not its action; exactly one other field must be set.
_INLINE_BUTTON_LOOKS = frozenset({"text", "icon_custom_emoji_id", "style"})


def inline_buttons(markup: JSON | None) -> list[JSON]:
    return [button for row in (markup or {}).get("inline_keyboard", []) for button in row]


def reply_buttons(markup: JSON | None) -> list[JSON]:
    """Buttons of a reply keyboard; a bare string is a text button, as Telegram allows."""
    rows = (markup or {}).get("keyboard", [])
    return [b if isinstance(b, dict) else {"text": str(b)} for row in rows for b in row]


def button_labels(markup: JSON | None) -> list[str]:
    return [str(b.get("text", "")) for b in inline_buttons(markup) + reply_buttons(markup)]


def check_reply_markup(markup: JSON | None) -> None:
    """Refuse a keyboard the way Telegram does (the spec check has already passed)."""
    for button in inline_buttons(markup):
        actions = set(button) - _INLINE_BUTTON_LOOKS
        if not actions:
            raise bad_request(
                "can't parse inline keyboard button: "
                "Text buttons are unallowed in the inline keyboard"
            )
        data = button.get("callback_data")
        if data is not None:
            size = len(str(data).encode("utf-8"))
            if size == 0 or size > MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")
