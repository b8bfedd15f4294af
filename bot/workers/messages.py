"""Rendering an outbox row in its recipient's language, at send time."""

from __future__ import annotations

import uuid
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
    if "deadline" in params and "country" in params:
        zone = get_country(str(params["country"])).timezone
        params["deadline"] = t.time(datetime.fromtimestamp(int(params["deadline"]), UTC), zone)
    params["specialty"] = params.get(f"specialty_{t.language}", "")
    if row.template == "notify.rejected":
        params["why"] = t(f"notify.rejected.{params.get('reason', 'failed')}")
    text = t(row.template, **params)
    markup = None
    if row.template in ("notify.offer", "notify.offer.admin") and row.appointment_id is not None:
        markup = _offer_buttons(t, row.template, row.appointment_id)
    if row.template == "notify.rejected":
        text, markup = _alternatives(t, text, params)
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


def _offer_buttons(t: Translator, template: str, appointment_id: uuid.UUID) -> InlineKeyboardMarkup:
    """Accept (Confirm, for the admins) and Decline."""
    accept = t("offer.confirm" if template == "notify.offer.admin" else "offer.accept")
    return InlineKeyboardMarkup(
        [
            [
                button(accept, cb.OFFER_ACCEPT.pack(appointment_id)),
                button(t("offer.decline"), cb.OFFER_DECLINE.pack(appointment_id)),
            ]
        ]
    )


def _alternatives(
    t: Translator, text: str, params: dict[str, Any]
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A rejected booking's next free times, one button each, to book again."""
    zone = get_country(str(params["country"])).timezone
    times = []
    for item in str(params.get("alternatives") or "").split(";"):
        doctor, _, epoch = item.partition(":")
        if doctor.isdigit() and epoch.isdigit():
            times.append((int(doctor), datetime.fromtimestamp(int(epoch), UTC)))
    if not times:
        return "\n".join([text, t("notify.rejected.none")]), None
    specialty = int(params.get("specialty_id") or 0)
    rows = [
        [
            button(
                f"{t.short_day(start.astimezone(zone).date())} {t.time(start, zone)}",
                cb.REBOOK.pack((specialty, doctor, start)),
            )
        ]
        for doctor, start in times
    ]
    return "\n".join([text, t("notify.rejected.alternatives")]), InlineKeyboardMarkup(rows)
