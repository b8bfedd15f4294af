"""A person's data, as they may see it (access, portability) and as it is left once they
ask to be forgotten (erasure).

Erasure keeps the patient's row and id: past visits, their status history and the audit
trail are the clinic's medical record and stay, naming the patient by id only. What
identified the person is replaced by placeholders that still meet the schema: a national
ID unique per patient (the unique index on national ID and country), and a Telegram
account no Telegram user can have (Telegram's ids are positive).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from domain.audit import AuditEntry
from domain.entities import Appointment, Patient

#: What an erased patient's name and phone read.
ERASED = "erased"
#: The reason an erased patient's future visits are cancelled with.
ERASED_REASON = "patient erased"


def unlinked_account(patient_id: int) -> int:
    """The Telegram account an erased patient is left with: negative, so nobody's."""
    return -patient_id


def is_erased(patient: Patient) -> bool:
    return patient.telegram_user_id < 0


def erased(patient: Patient) -> Patient:
    """The patient with every identifying field replaced; id, country and language stay."""
    patient_id = patient.id or 0
    return replace(
        patient,
        telegram_user_id=unlinked_account(patient_id),
        full_name=ERASED,
        national_id=f"{ERASED}:{patient_id}",
        phone=ERASED,
    )


@dataclass(frozen=True, slots=True)
class NoticeRecord:
    """A message the outbox planned for a person: what, about which visit, and whether and
    when it went out."""

    kind: str
    template: str
    appointment_id: uuid.UUID | None
    due_at: datetime
    state: str
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class Visit:
    """An appointment, with its status history, and the names of its doctor and specialty."""

    appointment: Appointment
    doctor: str
    specialty: str


@dataclass(frozen=True, slots=True)
class DataExport:
    """Everything medbot stores about one patient (``domain.usecases.privacy``)."""

    patient: Patient
    #: The language chosen for the Telegram account, if one was chosen.
    language: str | None
    visits: list[Visit]
    notices: list[NoticeRecord]
    audit: list[AuditEntry]
    made_at: datetime

    def as_dict(self) -> dict[str, Any]:
        """The export as plain JSON values: the portable copy."""
        p = self.patient
        return {
            "exported_at": _iso(self.made_at),
            "profile": {
                "patient_id": p.id,
                "full_name": p.full_name,
                "national_id": p.national_id,
                "country": p.country,
                "phone": p.phone,
                "language": p.language,
                "telegram_user_id": p.telegram_user_id,
                "privacy_accepted_at": _iso(p.privacy_accepted_at),
            },
            "chosen_language": self.language,
            "appointments": [_visit(v) for v in self.visits],
            "notifications": [_notice(n) for n in self.notices],
            "audit": [_entry(e) for e in self.audit],
        }


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def _visit(visit: Visit) -> dict[str, Any]:
    a = visit.appointment
    return {
        "reference": a.reference,
        "doctor": visit.doctor,
        "specialty": visit.specialty,
        "country": a.country,
        "starts_at": _iso(a.start),
        "ends_at": _iso(a.end),
        "status": a.status.value,
        "history": [
            {
                "at": _iso(c.at),
                "from": c.from_status.value if c.from_status else None,
                "to": c.to_status.value,
                "by": c.actor,
                "reason": c.reason,
            }
            for c in a.history
        ],
    }


def _notice(notice: NoticeRecord) -> dict[str, Any]:
    return {
        "kind": notice.kind,
        "template": notice.template,
        "appointment_id": str(notice.appointment_id) if notice.appointment_id else None,
        "due_at": _iso(notice.due_at),
        "state": notice.state,
        "sent_at": _iso(notice.sent_at),
    }


def _entry(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": _iso(entry.at),
        "by": entry.actor_role
        if entry.actor_id is None
        else f"{entry.actor_role}:{entry.actor_id}",
        "action": entry.action,
        "record": f"{entry.record_type}:{entry.record_id}",
        "source": entry.source.value,
    }
