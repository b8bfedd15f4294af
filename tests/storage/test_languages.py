"""Messages go out in the language each person chose, doctors and admins included."""

from datetime import time

from domain.entities import Doctor, Patient
from domain.schedule import weekdays_plan
from storage.outbox import OutboxStore
from storage.unit_of_work import SqlUnitOfWork
from tests.storage.conftest import make_clinic

DOCTOR_CHAT = 7001
ADMIN_CHAT = 9001
STRANGER_CHAT = 9999


async def choose(engine, telegram_user_id: int, language: str) -> None:
    async with SqlUnitOfWork(engine) as uow:
        await uow.languages.set(telegram_user_id, language)
        await uow.commit()


async def test_a_doctors_chosen_language_is_used_for_their_messages(engine) -> None:
    clinic = await make_clinic(engine)
    async with SqlUnitOfWork(engine) as uow:
        plan = weekdays_plan(time(9), time(13))
        await uow.doctors.add(
            Doctor(None, "Dr. Dos", "PE", (clinic.specialty,), plan, telegram_user_id=DOCTOR_CHAT)
        )
        await uow.commit()
    await choose(engine, DOCTOR_CHAT, "en")

    assert await OutboxStore(engine).languages([DOCTOR_CHAT]) == {DOCTOR_CHAT: "en"}


async def test_an_admins_chosen_language_is_used_though_they_are_no_patient(engine) -> None:
    await choose(engine, ADMIN_CHAT, "en")

    assert await OutboxStore(engine).languages([ADMIN_CHAT, ADMIN_CHAT]) == {ADMIN_CHAT: "en"}


async def test_a_patients_choice_wins_over_the_language_they_registered_with(engine) -> None:
    await make_clinic(engine, patients=2)  # Telegram ids 1000 and 1001, registered in Spanish
    await choose(engine, 1000, "en")

    assert await OutboxStore(engine).languages([1000, 1001]) == {1000: "en", 1001: "es"}


async def test_a_patient_who_chose_nothing_gets_the_language_they_registered_with(
    engine,
) -> None:
    async with SqlUnitOfWork(engine) as uow:
        await uow.patients.add(Patient(None, 1500, "P", "10000000", "+51987654321", "en", "PE"))
        await uow.commit()

    assert await OutboxStore(engine).languages([1500]) == {1500: "en"}


async def test_someone_who_chose_nothing_and_is_no_patient_gets_spanish(engine) -> None:
    assert await OutboxStore(engine).languages([STRANGER_CHAT]) == {STRANGER_CHAT: "es"}


async def test_choosing_again_replaces_the_earlier_choice(engine) -> None:
    await choose(engine, ADMIN_CHAT, "en")
    await choose(engine, ADMIN_CHAT, "es")

    async with SqlUnitOfWork(engine, read_only=True) as uow:
        assert await uow.languages.get(ADMIN_CHAT) == "es"
        assert await uow.languages.get(STRANGER_CHAT) is None


async def test_a_choice_in_a_unit_of_work_that_rolls_back_is_not_kept(engine) -> None:
    async with SqlUnitOfWork(engine) as uow:
        await uow.languages.set(ADMIN_CHAT, "en")

    assert await OutboxStore(engine).languages([ADMIN_CHAT]) == {ADMIN_CHAT: "es"}
