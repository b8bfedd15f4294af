"""A person's data export as files: the JSON copy (portability) and a readable summary in
the reader's language. The patient's /mydata and the admin's Export data send the same."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.i18n import Translator
from bot.telegram.context import Context
from domain.countries import get_country
from domain.privacy import DataExport, Visit

JSON_NAME = "medbot-data-{patient_id}.json"
TEXT_NAME = "medbot-data-{patient_id}.txt"


@dataclass(frozen=True, slots=True)
class ExportFile:
    name: str
    content: bytes


def export_files(t: Translator, export: DataExport) -> list[ExportFile]:
    """The summary first (what a person reads), then the JSON (what a program reads)."""
    patient_id = export.patient.id or 0
    data = json.dumps(export.as_dict(), ensure_ascii=False, indent=2)
    return [
        ExportFile(TEXT_NAME.format(patient_id=patient_id), summary(t, export).encode()),
        ExportFile(JSON_NAME.format(patient_id=patient_id), data.encode()),
    ]


async def send_export(context: Context, chat_id: int, export: DataExport) -> None:
    """Both files, in the reader's language, the first with a caption saying what they are."""
    for n, file in enumerate(export_files(context.t, export)):
        caption = context.t("mydata.caption") if n == 0 else None
        await context.bot.send_document(
            chat_id, document=file.content, filename=file.name, caption=caption
        )


def forget_in_memory(context: Context, telegram_user_id: int) -> None:
    """Drop the user data and private chat's data python-telegram-bot holds for an erased
    account: their rows went with the erasure, and PTB would write these back."""
    context.application.drop_user_data(telegram_user_id)
    context.application.drop_chat_data(telegram_user_id)
    context.forget_actor()


def summary(t: Translator, export: DataExport) -> str:
    p = export.patient
    accepted = p.privacy_accepted_at
    sections = [
        t("mydata.title", day=t.day(export.made_at)),
        t(
            "mydata.profile",
            name=p.full_name,
            national_id=p.national_id,
            country=p.country,
            phone=p.phone,
            language=export.language or p.language,
            accepted=t.day(accepted) if accepted else t("mydata.not_given"),
            patient_id=p.id,
            account=p.telegram_user_id,
        ),
        "\n".join(
            [t("mydata.visits", count=len(export.visits))]
            + ([_visit(t, v) for v in export.visits] or [t("mydata.none")])
        ),
        "\n".join(
            [t("mydata.notices", count=len(export.notices))]
            + [
                t(
                    "mydata.notice",
                    at=_moment(n.sent_at or n.due_at),
                    template=n.template,
                    state=n.state,
                )
                for n in export.notices
            ]
        ),
        "\n".join(
            [t("mydata.audit", count=len(export.audit))]
            + [
                t("mydata.entry", at=_moment(e.at), action=e.action, by=e.actor_role)
                for e in export.audit
            ]
        ),
    ]
    return "\n\n".join(sections) + "\n"


def _visit(t: Translator, visit: Visit) -> str:
    a = visit.appointment
    zone = get_country(a.country).timezone
    line = t(
        "mydata.visit",
        reference=a.reference,
        day=t.day(a.start, zone),
        time=t.time(a.start, zone),
        zone=zone.key,
        doctor=visit.doctor,
        specialty=visit.specialty,
        status=t(f"status.{a.status}"),
    )
    changes = [
        t(
            "mydata.change",
            at=_moment(c.at),
            status=t(f"status.{c.to_status}"),
            by=c.actor,
            reason=c.reason,
        ).rstrip()
        for c in a.history
    ]
    return "\n".join([line, *changes])


def _moment(at: datetime) -> str:
    """An instant in UTC, to the minute: exact, and the same in every language."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
