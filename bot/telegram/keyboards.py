"""Inline keyboards shared by the handlers."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from bot.telegram import callbacks as cb


def button(label: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data)


def columns(
    buttons: Sequence[InlineKeyboardButton], width: int
) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


def with_navigation(
    t: Translator, rows: list[list[InlineKeyboardButton]], *, back: bool = True, flow: str = "bk"
) -> InlineKeyboardMarkup:
    """Rows of choices, then Back (if there is a step to go back to) and Cancel.

    ``flow`` prefixes the two buttons' data: ``bk`` for /book, ``rs`` for reschedule.
    """
    buttons = cb.CalendarButtons(flow)
    nav = [button(t("book.back"), buttons.back.pack())] if back else []
    nav.append(button(t("book.cancel"), buttons.cancel.pack()))
    return InlineKeyboardMarkup([*rows, nav])


def languages() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[button("Español", cb.LANGUAGE.pack("es")), button("English", cb.LANGUAGE.pack("en"))]]
    )
