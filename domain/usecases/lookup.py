"""An admin looks up a patient's appointments or opens one: audited, because it reveals
patient data.

A read would do, but the audit entry must be written in the same transaction as
the look-up, so these open a write unit of work, append the entry and commit.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from domain.actors import Actor
from domain.appointment_lines import AppointmentLine, Found, check_clinic_admin, parse_reference
from domain.audit import Action, AuditEntry, AuditFilter
from domain.countries import all_countries
from domain.entities import Appointment, Patient
from domain.errors import InvalidNationalId, InvalidSearch, NotFound
from domain.ports import Deps, UnitOfWork
from domain.usecases.shared import audit, audit_appointment

#: A patient's visits shown from this long ago onwards.
RECENT = timedelta(days=30)


async def find_appointments(deps: Deps, actor: Actor, typed: str) -> Found:
    """The appointment a reference names, else the appointments of the patient with that
    national ID (from 30 days ago on). Raises ``InvalidSearch`` for text that is neither,
    ``NotFound`` when nothing matches."""
    check_clinic_admin(actor)
    reference = parse_reference(typed)
    national_ids = _national_ids(typed)
    if reference is None and not national_ids:
        raise InvalidSearch("neither a reference nor a national ID")
    async with deps.uow() as uow:
        appointment = await uow.appointments.get_by_reference(reference) if reference else None
        if appointment is not None:
            await audit_appointment(uow, deps, actor, Action.APPOINTMENT_VIEWED, appointment)
            found = Found(await _lines(uow, [appointment]))
        else:
            patients = await _audited_patients(uow, deps, actor, national_ids)
            since = deps.clock.now() - RECENT
            mine: list[Appointment] = []
            for patient in patients:
                mine += await uow.appointments.upcoming_for_patient(patient.id or 0, since)
            found = Found(await _lines(uow, mine), patients[0] if len(patients) == 1 else None)
        await uow.commit()
    return found


async def open_appointment(deps: Deps, actor: Actor, appointment_id: uuid.UUID) -> AppointmentLine:
    """One appointment with its status history, its patient's and doctor's names."""
    check_clinic_admin(actor)
    async with deps.uow() as uow:
        appointment = await uow.appointments.get(appointment_id)
        if appointment is None:
            raise NotFound("appointment")
        await audit_appointment(uow, deps, actor, Action.APPOINTMENT_VIEWED, appointment)
        [line] = await _lines(uow, [appointment])
        await uow.commit()
    return line


async def patient_audit(deps: Deps, actor: Actor, typed: str, limit: int = 15) -> list[AuditEntry]:
    """The latest audit entries about the patient with the typed national ID."""
    check_clinic_admin(actor)
    national_ids = _national_ids(typed)
    if not national_ids:
        raise InvalidSearch("not a national ID")
    async with deps.uow() as uow:
        patients = await _audited_patients(uow, deps, actor, national_ids)
        await uow.commit()
    entries: list[AuditEntry] = []
    async with deps.uow(read_only=True) as uow:
        for patient in patients:
            entries += await uow.audit.latest(AuditFilter(patient_id=patient.id, limit=limit))
    return sorted(entries, key=lambda e: (e.at, e.id or 0), reverse=True)[:limit]


def _national_ids(typed: str) -> list[str]:
    """The compact forms ``typed`` is valid as, in any country."""
    found = []
    for country in all_countries():
        try:
            found.append(country.national_id.parse(typed.strip()))
        except InvalidNationalId:
            continue
    return sorted(set(found))


async def _audited_patients(
    uow: UnitOfWork, deps: Deps, actor: Actor, national_ids: list[str]
) -> list[Patient]:
    patients = await uow.patients.with_national_id(national_ids)
    if not patients:
        raise NotFound("patient")
    for patient in patients:
        record = ("patient", patient.id)
        await audit(uow, deps, actor, Action.PATIENT_LOOKED_UP, record, patient_id=patient.id)
    return patients


async def _lines(uow: UnitOfWork, appointments: list[Appointment]) -> list[AppointmentLine]:
    patients = await uow.patients.get_many(sorted({a.patient_id for a in appointments}))
    doctors = {d.id: d for d in await uow.doctors.list_all()}
    lines = []
    for a in sorted(appointments, key=lambda a: a.start):
        patient, doctor = patients.get(a.patient_id), doctors.get(a.doctor_id)
        lines.append(
            AppointmentLine(
                a, patient.full_name if patient else "", doctor.full_name if doctor else ""
            )
        )
    return lines


async def find_patients(deps: Deps, actor: Actor, typed: str) -> list[Patient]:
    """The patients with the typed national ID (valid in any country), each look-up
    audited. ``InvalidSearch`` for what is no national ID, ``NotFound`` for nobody."""
    check_clinic_admin(actor)
    national_ids = _national_ids(typed)
    if not national_ids:
        raise InvalidSearch("not a national ID")
    async with deps.uow() as uow:
        patients = await _audited_patients(uow, deps, actor, national_ids)
        await uow.commit()
    return patients


async def open_patient(deps: Deps, actor: Actor, patient_id: int) -> Patient:
    """One patient's record, the look-up audited."""
    check_clinic_admin(actor)
    async with deps.uow() as uow:
        patient = await uow.patients.get(patient_id)
        if patient is None:
            raise NotFound("patient")
        record = ("patient", patient.id)
        await audit(uow, deps, actor, Action.PATIENT_LOOKED_UP, record, patient_id=patient.id)
        await uow.commit()
    return patient
