"""``domain.queries``: who is acting, and what a patient may read."""

import uuid
from datetime import UTC, datetime

import pytest

from domain.actors import Actor, Role
from domain.errors import InvalidTransition, NotFound, NotRegistered
from domain.queries import identify, identity, own_active_appointment, upcoming_visits
from domain.usecases.booking import BookCommand, book
from domain.usecases.cancellation import CancelCommand, cancel
from tests.unit.fakes import FakeDatabase, seed_clinic

TUESDAY_10 = datetime(2026, 5, 5, 15, 0, tzinfo=UTC)  # 10:00 in Lima
ANA_CHAT = 101  # seed_clinic's Ana


@pytest.fixture
async def clinic(db: FakeDatabase) -> dict[str, int]:
    return await seed_clinic(db)


async def test_a_registered_telegram_user_is_a_patient(deps, clinic) -> None:
    actor = await identify(deps, ANA_CHAT)

    assert actor == Actor(Role.PATIENT, clinic["ana"])
    assert actor.telegram_user_id == ANA_CHAT


async def test_any_other_telegram_user_is_a_guest(deps, clinic) -> None:
    actor = await identify(deps, 555)

    assert (actor.role, actor.id, actor.telegram_user_id) == (Role.GUEST, None, 555)


async def test_a_guest_is_no_patient_and_has_no_visits_to_list(deps, clinic) -> None:
    found = await identity(deps, 555)
    guest, patient = found.as_patient(), found.patient

    assert patient is None
    with pytest.raises(NotRegistered):
        await upcoming_visits(deps, guest)


async def test_a_patient_finds_themselves_and_their_visits(deps, clinic) -> None:
    found = await identity(deps, ANA_CHAT)
    ana, patient = found.as_patient(), found.patient
    booked = await book(deps, ana, BookCommand(clinic["doctor"], clinic["specialty"], TUESDAY_10))

    [(visit, doctor)] = await upcoming_visits(deps, ana)

    assert patient is not None
    assert patient.id == clinic["ana"]
    assert visit.id == booked.id
    assert doctor is not None
    assert doctor.id == clinic["doctor"]


async def test_someone_elses_or_a_missing_appointment_is_not_found(deps, clinic) -> None:
    ana = Actor(Role.PATIENT, clinic["ana"])
    booked = await book(deps, ana, BookCommand(clinic["doctor"], clinic["specialty"], TUESDAY_10))

    with pytest.raises(NotFound):
        await own_active_appointment(deps, Actor(Role.PATIENT, clinic["ben"]), booked.id)
    with pytest.raises(NotFound):
        await own_active_appointment(deps, ana, uuid.uuid4())


async def test_a_cancelled_appointment_is_no_longer_ones_to_act_on(deps, clinic) -> None:
    ana = Actor(Role.PATIENT, clinic["ana"])
    booked = await book(deps, ana, BookCommand(clinic["doctor"], clinic["specialty"], TUESDAY_10))
    await cancel(deps, ana, CancelCommand(booked.id))

    with pytest.raises(InvalidTransition):
        await own_active_appointment(deps, ana, booked.id)
