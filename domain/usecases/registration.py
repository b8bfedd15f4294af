"""Registration: a Telegram user becomes a patient, every field checked once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.actors import Actor
from domain.audit import Action
from domain.countries import get_country
from domain.entities import Patient
from domain.errors import NationalIdTaken, NotAllowed
from domain.people import SUPPORTED_LANGUAGES, clean_full_name, clean_national_id, clean_phone
from domain.ports import Deps
from domain.usecases.shared import audit


@dataclass(frozen=True, slots=True)
class RegisterCommand:
    full_name: str
    country: str
    national_id: str
    phone: str
    language: str
    privacy_accepted_at: datetime | None = None


async def register(deps: Deps, actor: Actor, command: RegisterCommand) -> Patient:
    """Store the acting Telegram user as a patient, or update the patient they are.

    One patient per national ID per country: an ID another account registered is refused
    with :class:`NationalIdTaken`, and that patient is left as they were.
    """
    if actor.telegram_user_id is None:
        raise NotAllowed("only a Telegram user registers")
    country = get_country(command.country)
    patient = Patient(
        id=None,
        telegram_user_id=actor.telegram_user_id,
        full_name=clean_full_name(command.full_name),
        national_id=clean_national_id(command.national_id, country.code),
        phone=clean_phone(command.phone, country.code),
        language=command.language if command.language in SUPPORTED_LANGUAGES else "es",
        country=country.code,
        privacy_accepted_at=command.privacy_accepted_at or deps.clock.now(),
    )
    async with deps.uow() as uow:
        existing = await uow.patients.get_by_telegram_id(actor.telegram_user_id)
        holder = await uow.patients.get_by_national_id(country.code, patient.national_id)
        if holder is not None and (existing is None or holder.id != existing.id):
            raise NationalIdTaken(country.code)  # never the ID itself: errors reach logs
        if existing is None:
            patient = await uow.patients.add(patient)
            action = Action.REGISTERED
        else:
            patient.id = existing.id
            await uow.patients.save(patient)
            action = Action.PROFILE_CHANGED
        await audit(uow, deps, actor, action, ("patient", patient.id), patient_id=patient.id)
        await uow.commit()
    return patient
