"""The audit trail: who did what to which record, when and from where.

Every use case that changes or reveals clinic or patient data appends one
:class:`AuditEntry` through ``uow.audit`` in its own transaction, so the entry and the
change commit or roll back together. The log is append-only: its port has no update
or delete. An entry names records by id and never holds what a person typed (names,
national IDs, phones, reasons).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.actors import Actor


class Source(StrEnum):
    """The front door an action came through."""

    BOT = "bot"
    CLI = "cli"
    API = "api"


class Action(StrEnum):
    REGISTERED = "patient.registered"
    PROFILE_CHANGED = "patient.profile_changed"
    LANGUAGE_CHOSEN = "language.chosen"
    BOOKED = "appointment.booked"
    RESCHEDULED = "appointment.rescheduled"
    WILL_ATTEND = "appointment.will_attend"  # the patient's "I'll attend" on a reminder
    #: Processing (``domain.processing``): each step leaves one of these.
    CHECKED = "appointment.checked"
    OFFERED = "appointment.offered"
    DECLINED = "appointment.declined"
    LAPSED = "appointment.lapsed"
    REASSIGNED = "appointment.reassigned"
    #: A status change; the action is ``appointment.<new status>`` (see :func:`status_action`).
    INVITED = "invitation.created"
    INVITATION_ACCEPTED = "invitation.accepted"
    DOCTOR_LINKED = "role.doctor_linked"
    DOCTOR_UNLINKED = "role.doctor_unlinked"
    ADMIN_GRANTED = "role.admin_granted"
    ADMIN_REVOKED = "role.admin_revoked"
    CLINIC_IMPORTED = "clinic.imported"
    DOCTOR_ADDED = "doctor.added"
    DOCTOR_CHANGED = "doctor.changed"
    DOCTOR_DEACTIVATED = "doctor.deactivated"
    DOCTOR_REACTIVATED = "doctor.reactivated"
    HOURS_CHANGED = "doctor.hours_changed"
    TIME_OFF_ADDED = "doctor.time_off_added"
    TIME_OFF_REMOVED = "doctor.time_off_removed"
    SPECIALTY_ADDED = "specialty.added"
    SPECIALTY_RENAMED = "specialty.renamed"
    LOCATION_ADDED = "location.added"
    LOCATION_CHANGED = "location.changed"
    #: An admin's look-ups reveal patient data, so they are audited too.
    PATIENT_LOOKED_UP = "patient.looked_up"
    APPOINTMENT_VIEWED = "appointment.viewed"
    #: A person's rights over their data (``domain.usecases.privacy``).
    DATA_EXPORTED = "patient.data_exported"
    ERASED = "patient.erased"
    #: The REST API: its tokens, and every call made with one (the record is the operation).
    API_TOKEN_CREATED = "api_token.created"  # noqa: S105 (an action's name)
    API_TOKEN_REVOKED = "api_token.revoked"  # noqa: S105
    API_CALLED = "api.called"
    #: A doctor's calendar feed (``domain.usecases.calendar_feeds``).
    CALENDAR_FEED_CREATED = "calendar_feed.created"
    CALENDAR_FEED_REVOKED = "calendar_feed.revoked"


def status_action(status: str) -> str:
    """``appointment.cancelled``, ``appointment.assigned``, …: a status change's action."""
    return f"appointment.{status}"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    actor_role: str
    #: Patient id, doctor id, or the Telegram id of an admin or guest; None for the system.
    actor_id: int | None
    action: str
    record_type: str  # "appointment", "patient", "doctor", "invitation", "admin", "person"
    record_id: str
    source: Source
    #: The patient the record belongs to, when there is one: the audit's "by patient".
    patient_id: int | None = None
    id: int | None = None

    @classmethod
    def of(
        cls,
        actor: Actor,
        action: str,
        record: tuple[str, object],
        *,
        at: datetime,
        source: Source,
        patient_id: int | None = None,
    ) -> AuditEntry:
        actor_id = actor.id if actor.id is not None else actor.telegram_user_id
        record_type, record_id = record
        return cls(
            at, str(actor.role), actor_id, action, record_type, str(record_id), source, patient_id
        )


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which entries :meth:`~domain.ports.AuditLog.latest` returns; ``None`` matches any."""

    record_type: str | None = None
    record_id: str | None = None
    patient_id: int | None = None
    actor_role: str | None = None
    actor_id: int | None = None
    limit: int = 50
