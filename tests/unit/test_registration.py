"""``domain.usecases.registration.register``: the Telegram account comes from the actor."""

import pytest

from domain.actors import Actor, Role
from domain.errors import InvalidName, InvalidPhone, NationalIdTaken, NotAllowed
from domain.queries import identify
from domain.usecases.registration import RegisterCommand, register

GUEST = Actor(Role.GUEST, None, 555)


def command(full_name: str = "Ana  Quispe", phone: str = "987654321") -> RegisterCommand:
    return RegisterCommand(full_name, "PE", "10117410", phone, "en")


async def test_a_guest_who_registers_is_identified_as_that_patient_afterwards(deps) -> None:
    patient = await register(deps, GUEST, command())

    assert await identify(deps, 555) == Actor(Role.PATIENT, patient.id)
    assert (patient.full_name, patient.phone, patient.language) == (
        "Ana Quispe",
        "+51987654321",
        "en",
    )


async def test_registering_again_updates_the_same_patient(db, deps) -> None:
    first = await register(deps, GUEST, command())

    again = await register(deps, GUEST, command(full_name="Ana María Quispe"))

    assert again.id == first.id
    assert [p.full_name for p in db.patients.values()] == ["Ana María Quispe"]


async def test_privacy_acceptance_defaults_to_now(deps, clock) -> None:
    patient = await register(deps, GUEST, command())

    assert patient.privacy_accepted_at == clock.now()


@pytest.mark.parametrize(
    ("bad", "error"),
    [(command(full_name="Ana"), InvalidName), (command(phone="12"), InvalidPhone)],
    ids=["one-word name", "short phone"],
)
async def test_a_malformed_field_is_refused_and_nothing_stored(db, deps, bad, error) -> None:
    with pytest.raises(error):
        await register(deps, GUEST, bad)

    assert db.patients == {}


async def test_an_actor_without_a_telegram_account_cannot_register(db, deps) -> None:
    with pytest.raises(NotAllowed):
        await register(deps, Actor(Role.GUEST), command())

    assert db.patients == {}


async def test_a_second_account_with_the_same_national_id_is_refused_and_the_first_kept(
    db, deps
) -> None:
    first = await register(deps, GUEST, command())
    other = Actor(Role.GUEST, None, 556)

    with pytest.raises(NationalIdTaken):
        await register(deps, other, command(full_name="Eva Intrusa", phone="987654322"))

    assert list(db.patients.values()) == [first]
    assert await identify(deps, 556) == Actor(Role.GUEST, None, 556)


async def test_a_patient_cannot_move_to_a_national_id_another_holds(db, deps) -> None:
    await register(deps, GUEST, command())
    other = Actor(Role.GUEST, None, 556)
    ben = RegisterCommand("Ben Quispe", "PE", "45678912", "987654322", "en")
    await register(deps, other, ben)

    with pytest.raises(NationalIdTaken):
        await register(deps, other, command(full_name="Ben Quispe"))

    assert sorted(p.national_id for p in db.patients.values()) == ["10117410", "45678912"]
