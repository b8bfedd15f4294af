"""``domain.usecases.language.choose_language``."""

import pytest

from domain.actors import Actor, Role
from domain.errors import InvalidInput, NotAllowed
from domain.usecases.language import choose_language
from tests.unit.fakes import FakeDatabase, seed_clinic

ANA_CHAT = 101  # seed_clinic's Ana, who speaks Spanish


@pytest.fixture
async def clinic(db: FakeDatabase) -> dict[str, int]:
    return await seed_clinic(db)


async def test_a_patient_who_chooses_english_is_remembered_as_speaking_it(db, deps, clinic) -> None:
    await choose_language(deps, Actor(Role.PATIENT, clinic["ana"], ANA_CHAT), "en")

    assert db.patients[clinic["ana"]].language == "en"


async def test_a_guest_may_choose_a_language_and_no_patient_changes(db, deps, clinic) -> None:
    before = dict(db.patients)

    await choose_language(deps, Actor(Role.GUEST, None, 555), "en")

    assert db.patients == before


async def test_a_language_the_bot_does_not_speak_is_refused(db, deps, clinic) -> None:
    with pytest.raises(InvalidInput):
        await choose_language(deps, Actor(Role.PATIENT, clinic["ana"], ANA_CHAT), "fr")

    assert db.patients[clinic["ana"]].language == "es"


async def test_an_actor_without_a_telegram_account_cannot_choose_one(deps, clinic) -> None:
    with pytest.raises(NotAllowed):
        await choose_language(deps, Actor(Role.PATIENT, clinic["ana"]), "en")


async def test_a_guest_who_chooses_english_hears_the_outbox_in_english(db, deps, clinic) -> None:
    await choose_language(deps, Actor(Role.GUEST, None, 555), "en")

    assert db.languages[555] == "en"
