"""A person's rights over their data: a copy of everything stored about them
(:func:`export_data`) and erasure (:func:`erase`). A patient acts on their own record; an
admin on any patient's, for one who asks by phone. Both are audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from domain.actors import Actor, Role
from domain.appointment_lines import check_clinic_admin
from domain.audit import Action, AuditEntry, AuditFilter
from domain.entities import Appointment, Patient
from domain.errors import NotFound
from domain.ports import Deps, UnitOfWork
from domain.privacy import (
    ERASED,
    ERASED_REASON,
    DataExport,
    Visit,
    erased,
    is_erased,
    unlinked_account,
)
from domain.usecases.cancellation import call_off
from domain.usecases.shared import audit

#: Before any appointment: a patient's whole history starts after it.
_BEGINNING = datetime(1970, 1, 1, tzinfo=UTC)
#: More audit entries about one person than any export needs to cut.
_AUDIT_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class Erasure:
    """An erased patient: the Telegram account they had (the bot drops what it holds in
    memory for it) and the future visits cancelled."""

    patient_id: int
    former_account: int
    cancelled: list[Appointment]


def _whose(actor: Actor, patient_id: int | None) -> int:
    """The patient acted on: the acting patient's own record, or the one an admin names."""
    if actor.role is Role.PATIENT or patient_id is None:
        own = actor.patient_id()
        if patient_id not in (None, own):
            raise NotFound("patient")
        return own
    check_clinic_admin(actor)
    return patient_id


async def export_data(deps: Deps, actor: Actor, patient_id: int | None = None) -> DataExport:
    """Everything stored about the patient: profile, chosen language, appointments with
    their status history, the notifications planned for them and the audit entries about
    them. Audited as ``patient.data_exported`` in the same transaction as the read."""
    target = _whose(actor, patient_id)
    async with deps.uow() as uow:
        patient = await uow.patients.get(target)
        if patient is None:
            raise NotFound("patient")
        export = await _gather(uow, patient, deps.clock.now())
        record = ("patient", patient.id)
        await audit(uow, deps, actor, Action.DATA_EXPORTED, record, patient_id=patient.id)
        await uow.commit()
    return export


async def _gather(uow: UnitOfWork, patient: Patient, now: datetime) -> DataExport:
    patient_id, account = patient.id or 0, patient.telegram_user_id
    doctors = {d.id: d.full_name for d in await uow.doctors.list_all()}
    specialties = {s.id: s.name(patient.language) for s in await uow.specialties.list_all()}
    visits = []
    for found in await uow.appointments.upcoming_for_patient(patient_id, _BEGINNING):
        a = await uow.appointments.get(found.id) or found  # with its status history
        visits.append(Visit(a, doctors.get(a.doctor_id, ""), specialties.get(a.specialty_id, "")))
    about = await uow.audit.latest(AuditFilter(patient_id=patient_id, limit=_AUDIT_LIMIT))
    as_guest = await uow.audit.latest(
        AuditFilter(actor_role=Role.GUEST.value, actor_id=account, limit=_AUDIT_LIMIT)
    )
    entries: list[AuditEntry] = about + [e for e in as_guest if e.patient_id != patient_id]
    return DataExport(
        patient=patient,
        language=await uow.languages.get(account),
        visits=visits,
        notices=await uow.notifications.to_chat(account),
        audit=sorted(entries, key=lambda e: (e.at, e.id or 0)),
        made_at=now,
    )


async def erase(deps: Deps, actor: Actor, patient_id: int | None = None) -> Erasure:
    """Forget the patient, in one transaction:

    - future active visits are cancelled as the actor (their doctors are told, their
      reminders withdrawn, the processing of each ends at its next run);
    - name, national ID and phone become placeholders, and the Telegram account a
      negative number no Telegram user has; the row and its id stay, so past visits and
      the audit trail stay as the clinic's record, naming the patient by id only;
    - the account's chosen language, saved conversations and drafts are deleted; its
      queued notifications are withdrawn and every row that named its chat, or named it
      in the audit, names the pseudonym instead; messages to staff about the patient's
      visits no longer hold the name.

    Audited as ``patient.erased``. The person may register again, as someone new.
    """
    target = _whose(actor, patient_id)
    now = deps.clock.now()
    async with deps.uow() as uow:
        patient = await uow.patients.get(target)
        if patient is None or is_erased(patient):
            raise NotFound("patient")
        cancelled = []
        for found in await uow.appointments.upcoming_for_patient(target, now):
            appointment = await uow.appointments.get(found.id)
            if appointment is not None and appointment.is_active:
                await call_off(
                    uow, deps, actor, appointment, now=now, reason=ERASED_REASON, tell_patient=False
                )
                cancelled.append(appointment)
        account, pseudonym = patient.telegram_user_id, unlinked_account(target)
        await uow.patients.save(erased(patient))
        every = await uow.appointments.upcoming_for_patient(target, _BEGINNING)
        await uow.notifications.forget_name([a.id for a in every], ERASED)
        await uow.notifications.forget_chat(account, pseudonym)
        await uow.languages.forget(account)
        await uow.chat_state.forget(account)
        await uow.audit.pseudonymise(account, pseudonym)
        await audit(uow, deps, actor, Action.ERASED, ("patient", target), patient_id=target)
        await uow.commit()
    return Erasure(target, account, cancelled)
