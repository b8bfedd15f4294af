"""Rendering an outbox row in its recipient's language, at send time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from telegram import InlineKeyboardMarkup

from bot.i18n import Translator
from bot.telegram import callbacks as cb
from bot.telegram.keyboards import button
from domain.countries import get_country
from storage.outbox import Claimed


def render(row: Claimed, language: str, now: datetime) -> tuple[str, InlineKeyboardMarkup | None]:
    t = Translator(language)
    params: dict[str, Any] = dict(row.params)
    if "start" in params and "country" in params:
        zone = get_country(str(params["country"])).timezone
        start = datetime.fromtimestamp(int(params["start"]), UTC)
        params.update(day=t.day(start, zone), time=t.time(start, zone), zone=zone.key)
    text = t(row.template, **params)
    markup = None
    if row.template == "notify.reminder" and row.appointment_id is not None:
        buttons = [button(t("notify.attend"), cb.REMINDER_ATTEND.pack(row.appointment_id))]
        if _may_still_cancel(params, now):
            buttons.append(button(t("notify.cancel"), cb.MY_CANCEL.pack(row.appointment_id)))
        elif params.get("phone"):  # too late to cancel here: the clinic can still be called
            text = "\n".join([text, t("notify.clinic_phone", phone=params["phone"])])
        markup = InlineKeyboardMarkup([buttons])
    if params.get("rebook"):
        text = _with_clinic_details(t, text, params)
        markup = InlineKeyboardMarkup([[button(t("notify.book_again"), cb.BOOK_AGAIN.pack())]])
    return text, markup


def _may_still_cancel(params: dict[str, Any], now: datetime) -> bool:
    """Whether the patient's cancellation window is still open when the row is sent."""
    if "start" not in params or "country" not in params:
        return True
    window = get_country(str(params["country"])).booking.cancellation_window
    return now <= datetime.fromtimestamp(int(params["start"]), UTC) - window


def _with_clinic_details(t: Translator, text: str, params: dict[str, Any]) -> str:
    """A visit the clinic called off: its reason and the clinic's phone below the news."""
    lines = [text]
    if params.get("reason"):
        lines.append(t("notify.reason", reason=params["reason"]))
    if params.get("phone"):
        lines.append(t("notify.clinic_phone", phone=params["phone"]))
    return "\n".join(lines)
