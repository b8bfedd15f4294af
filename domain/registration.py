"""Registering a patient: validating what they type, once, and storing it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import phonenumbers

from domain.countries import get_country
from domain.entities import Patient
from domain.errors import InvalidInput
from domain.ports import Clock, UnitOfWork

SUPPORTED_LANGUAGES = ("es", "en")
MAX_NAME = 120


class InvalidName(InvalidInput):
    code = "invalid_name"


class InvalidPhone(InvalidInput):
    code = "invalid_phone"


def clean_full_name(raw: str) -> str:
    """A name of at least two words, letters only (any alphabet), at most 120 characters."""
    name = " ".join(raw.split())
    words = name.replace("-", " ").replace("'", " ").replace(".", " ").split()
    if len(words) < 2 or len(name) > MAX_NAME or not all(w.isalpha() for w in words):
        raise InvalidName("not a full name")  # never the name itself: errors reach logs
    return name


def clean_phone(raw: str, country: str) -> str:
    """The phone in E.164, valid for any country; local numbers are read in ``country``.

    Telegram sends a shared contact's number with or without the leading +.
    """
    region = get_country(country).phone_region
    candidates = [raw] if raw.startswith("+") else [raw, "+" + raw]
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise InvalidPhone("invalid")


def language_for(code: str | None) -> str:
    """Spanish unless Telegram says the person uses English."""
    return "en" if (code or "").lower().startswith("en") else "es"


@dataclass(frozen=True, slots=True)
class RegisterCommand:
    telegram_user_id: int
    full_name: str
    country: str
    national_id: str
    phone: str
    language: str
    privacy_accepted_at: datetime


async def register_patient(uow: UnitOfWork, clock: Clock, command: RegisterCommand) -> Patient:
    """Validate every field and store the patient (or update the one with this Telegram id)."""
    country = get_country(command.country)
    patient = Patient(
        id=None,
        telegram_user_id=command.telegram_user_id,
        full_name=clean_full_name(command.full_name),
        national_id=country.national_id.parse(command.national_id),
        phone=clean_phone(command.phone, country.code),
        language=command.language if command.language in SUPPORTED_LANGUAGES else "es",
        country=country.code,
        privacy_accepted_at=command.privacy_accepted_at or clock.now(),
    )
    async with uow:
        existing = await uow.patients.get_by_telegram_id(command.telegram_user_id)
        if existing is None:
            patient = await uow.patients.add(patient)
        else:
            patient.id = existing.id
            await uow.patients.save(patient)
        await uow.commit()
    return patient


async def find_patient(uow: UnitOfWork, telegram_user_id: int) -> Patient | None:
    async with uow:
        return await uow.patients.get_by_telegram_id(telegram_user_id)


async def set_language(uow: UnitOfWork, telegram_user_id: int, language: str) -> None:
    """Remember a registered patient's language; unregistered people keep it in chat state."""
    if language not in SUPPORTED_LANGUAGES:
        raise InvalidInput(language)
    async with uow:
        patient = await uow.patients.get_by_telegram_id(telegram_user_id)
        if patient is not None:
            patient.language = language
            await uow.patients.save(patient)
            await uow.commit()
