"""Choosing a language: every message to this person, from the bot or the outbox, uses it."""

from __future__ import annotations

from domain.actors import Actor
from domain.audit import Action
from domain.errors import InvalidInput, NotAllowed
from domain.people import SUPPORTED_LANGUAGES
from domain.ports import Deps
from domain.usecases.shared import audit


async def choose_language(deps: Deps, actor: Actor, language: str) -> None:
    """Remember the language for the actor's Telegram account, whatever their role."""
    if language not in SUPPORTED_LANGUAGES:
        raise InvalidInput(language)
    if actor.telegram_user_id is None:
        raise NotAllowed("only a Telegram user chooses a language")
    async with deps.uow() as uow:
        await uow.languages.set(actor.telegram_user_id, language)
        patient = await uow.patients.get_by_telegram_id(actor.telegram_user_id)
        record: tuple[str, object] = ("person", actor.telegram_user_id)
        if patient is not None:
            patient.language = language
            await uow.patients.save(patient)
            record = ("patient", patient.id)
        patient_id = patient.id if patient is not None else None
        await audit(uow, deps, actor, Action.LANGUAGE_CHOSEN, record, patient_id=patient_id)
        await uow.commit()
