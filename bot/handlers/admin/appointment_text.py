"""How an appointment reads to an admin: a line of a list, or opened with its history."""

from __future__ import annotations

from bot.i18n import Translator
from domain.appointment_lines import AppointmentLine
from domain.countries import get_country
from domain.entities import RESCHEDULED_REASON, WILL_ATTEND_REASON, StatusChange


def line_text(t: Translator, line: AppointmentLine, *, with_day: bool = False) -> str:
    a = line.appointment
    zone = get_country(a.country).timezone
    when = t.time(a.start, zone)
    if with_day:
        when = f"{t.short_day(a.start.astimezone(zone).date())} {when}"
    return t(
        "admin.appt.line",
        time=when,
        patient=line.patient_name,
        doctor=line.doctor_name,
        status=t(f"status.{a.status}"),
        reference=a.reference,
    )


def detail_text(t: Translator, line: AppointmentLine) -> str:
    a = line.appointment
    zone = get_country(a.country).timezone
    lines = [
        t(
            "admin.appt.detail",
            reference=a.reference,
            patient=line.patient_name,
            doctor=line.doctor_name,
            day=t.day(a.start, zone),
            time=t.time(a.start, zone),
            zone=zone.key,
            status=t(f"status.{a.status}"),
        ),
        t("admin.appt.history"),
    ]
    lines += [_change_text(t, change, a.country) for change in a.history]
    return "\n".join(lines)


def _change_text(t: Translator, change: StatusChange, country: str) -> str:
    zone = get_country(country).timezone
    when = f"{t.short_day(change.at.astimezone(zone).date())} {t.time(change.at, zone)}"
    same = change.from_status == change.to_status
    if same and change.reason.startswith(RESCHEDULED_REASON):
        what = t("admin.appt.moved")
    elif same and change.reason == WILL_ATTEND_REASON:
        what = t("admin.appt.will_attend")
    else:
        what = t(f"status.{change.to_status}")
    reason = f": {change.reason}" if change.reason and not same else ""
    return t("admin.appt.change", when=when, what=what, actor=change.actor, reason=reason)
