"""The clinic registers a patient, or changes a patient's contact details (the REST
API's patients). A person registering themselves goes through ``registration``."""

from __future__ import annotations

from dataclasses import dataclass, replace

from domain.actors import Actor
from domain.appointment_lines import check_clinic_admin
from domain.audit import Action
from domain.countries import get_country
from domain.entities import Patient
from domain.errors import AlreadyRegistered, InvalidInput, NotFound
from domain.people import SUPPORTED_LANGUAGES, clean_full_name, clean_national_id, clean_phone
from domain.ports import Deps
from domain.usecases.shared import audit


@dataclass(frozen=True, slots=True)
class ClinicRegisterCommand:
    """The patient's Telegram account is where medbot tells them of their visits."""

    telegram_user_id: int
    full_name: str
    country: str
    national_id: str
    phone: str
    language: str


async def register_patient(deps: Deps, actor: Actor, command: ClinicRegisterCommand) -> Patient:
    """A new patient, every field checked as the bot checks it; ``AlreadyRegistered`` if
    the Telegram account is a patient already (their details change with
    :func:`update_contact`, or by the patient)."""
    check_clinic_admin(actor)
    country = get_country(command.country)
    if command.language not in SUPPORTED_LANGUAGES:
        raise InvalidInput(f"language is one of {', '.join(SUPPORTED_LANGUAGES)}")
    patient = Patient(
        id=None,
        telegram_user_id=command.telegram_user_id,
        full_name=clean_full_name(command.full_name),
        national_id=clean_national_id(command.national_id, country.code),
        phone=clean_phone(command.phone, country.code),
        language=command.language,
        country=country.code,
        privacy_accepted_at=None,  # the clinic's system holds the patient's consent
    )
    async with deps.uow() as uow:
        if await uow.patients.get_by_telegram_id(command.telegram_user_id) is not None:
            raise AlreadyRegistered("telegram account")
        patient = await uow.patients.add(patient)
        record = ("patient", patient.id)
        await audit(uow, deps, actor, Action.REGISTERED, record, patient_id=patient.id)
        await uow.commit()
    return patient


@dataclass(frozen=True, slots=True)
class ContactCommand:
    patient_id: int
    phone: str | None = None  # None: unchanged
    language: str | None = None


async def update_contact(deps: Deps, actor: Actor, command: ContactCommand) -> Patient:
    """Change a patient's phone or language (name and national ID are who they are)."""
    check_clinic_admin(actor)
    if command.language is not None and command.language not in SUPPORTED_LANGUAGES:
        raise InvalidInput(f"language is one of {', '.join(SUPPORTED_LANGUAGES)}")
    async with deps.uow() as uow:
        patient = await uow.patients.get(command.patient_id)
        if patient is None:
            raise NotFound("patient")
        if command.phone is not None:
            patient = replace(patient, phone=clean_phone(command.phone, patient.country))
        if command.language is not None:
            patient = replace(patient, language=command.language)
        await uow.patients.save(patient)
        record = ("patient", patient.id)
        await audit(uow, deps, actor, Action.PROFILE_CHANGED, record, patient_id=patient.id)
        await uow.commit()
    return patient
