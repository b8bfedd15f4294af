"""A person's data: the export (/mydata) and erasure (/forget, or an admin's)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from domain.actors import Actor, Role
from domain.audit import Action
from domain.errors import NotAllowed, NotFound, NotRegistered
from domain.notifications import Kind
from domain.privacy import ERASED, is_erased
from domain.status import Status
from domain.usecases.booking import BookCommand, book
from domain.usecases.language import choose_language
from domain.usecases.privacy import erase, export_data
from domain.usecases.registration import RegisterCommand, register
from domain.usecases.status import StatusCommand, change_status
from tests.unit.fakes import FakeDatabase, seed_clinic

TUESDAY_10 = datetime(2026, 5, 5, 15, 0, tzinfo=UTC)  # 10:00 in Lima
ADMIN = Actor(Role.ADMIN, 900, 900)
DOCTOR_CHAT = 7001


@pytest.fixture
async def clinic(db: FakeDatabase) -> dict[str, int]:
    return await seed_clinic(db, doctor_chat=DOCTOR_CHAT)


def ana(clinic: dict[str, int]) -> Actor:
    return Actor(Role.PATIENT, clinic["ana"], 101)


async def booked(deps, clinic, start: datetime = TUESDAY_10):
    command = BookCommand(clinic["doctor"], clinic["specialty"], start)
    return await book(deps, ana(clinic), command)


async def test_a_patient_export_holds_their_profile_visits_history_notices_and_audit(
    db, deps, clinic
) -> None:
    appointment = await booked(deps, clinic)
    await choose_language(deps, ana(clinic), "en")

    export = await export_data(deps, ana(clinic))
    data = export.as_dict()

    assert data["profile"]["full_name"] == "Ana"
    assert data["profile"]["national_id"] == "10117410"
    assert data["chosen_language"] == "en"
    [visit] = data["appointments"]
    assert visit["reference"] == appointment.reference
    assert visit["doctor"] == "Dr. Uno"
    assert visit["specialty"] == "Cardiology"
    assert [h["to"] for h in visit["history"]] == ["registered"]
    assert {n["template"] for n in data["notifications"]} == {"notify.reminder"}
    assert Action.BOOKED in [e["action"] for e in data["audit"]]
    json.dumps(data)  # plain JSON values only


async def test_an_export_is_audited_with_whoever_asked_for_it(db, deps, clinic) -> None:
    await export_data(deps, ana(clinic))
    await export_data(deps, ADMIN, clinic["ana"])

    exported = [e for e in db.audit if e.action == Action.DATA_EXPORTED]
    assert [(e.actor_role, e.patient_id) for e in exported] == [
        ("patient", clinic["ana"]),
        ("admin", clinic["ana"]),
    ]


async def test_a_patient_cannot_export_another_patients_data(deps, clinic) -> None:
    with pytest.raises(NotFound):
        await export_data(deps, ana(clinic), clinic["ben"])


async def test_a_guest_has_nothing_to_export_or_erase(deps, clinic) -> None:
    guest = Actor(Role.GUEST, None, 555)

    with pytest.raises(NotRegistered):
        await export_data(deps, guest)
    with pytest.raises(NotRegistered):
        await erase(deps, guest)


async def test_a_doctor_may_not_erase_a_patient(deps, clinic) -> None:
    with pytest.raises(NotAllowed):
        await erase(deps, Actor(Role.DOCTOR, clinic["doctor"]), clinic["ana"])


async def test_erasure_wipes_the_identifying_fields_and_keeps_the_row_and_its_id(
    db, deps, clinic
) -> None:
    await erase(deps, ana(clinic))

    patient = db.patients[clinic["ana"]]
    assert is_erased(patient)
    assert (patient.full_name, patient.phone) == (ERASED, ERASED)
    assert patient.national_id == f"erased:{clinic['ana']}"
    assert patient.telegram_user_id < 0
    assert patient.country == "PE"


async def test_erasure_cancels_future_visits_and_tells_their_doctor_not_the_patient(
    db, deps, clinic
) -> None:
    appointment = await booked(deps, clinic)

    erasure = await erase(deps, ana(clinic))

    assert [a.id for a in erasure.cancelled] == [appointment.id]
    stored = db.appointments[appointment.id]
    assert stored.status is Status.CANCELLED
    assert stored.history[-1].reason == "patient erased"
    queued = [(n.chat_id, n.kind) for n in db.notifications]
    assert queued == [(DOCTOR_CHAT, Kind.STATUS)]


async def test_past_visits_stay_as_the_clinics_record(db, deps, clinic, clock) -> None:
    appointment = await booked(deps, clinic)
    clock.set(TUESDAY_10 + timedelta(hours=1))
    command = StatusCommand(appointment.id, Status.ASSIGNED)
    await change_status(deps, Actor(Role.ADMIN, 900, 900), command)

    erasure = await erase(deps, ana(clinic))

    assert erasure.cancelled == []
    assert db.appointments[appointment.id].patient_id == clinic["ana"]
    assert db.appointments[appointment.id].status is Status.ASSIGNED


async def test_erasure_forgets_the_language_drafts_and_queued_messages_of_the_account(
    db, deps, clinic
) -> None:
    await booked(deps, clinic)
    await choose_language(deps, ana(clinic), "en")
    db.chat_state[101] = {"draft": "Ana"}

    await erase(deps, ana(clinic))

    assert 101 not in db.languages
    assert 101 not in db.chat_state
    assert [n for n in db.notifications if n.chat_id == 101] == []
    assert all(n.chat_id != 101 for n in db.withdrawn)


async def test_erasure_pseudonymises_the_account_in_the_audit_and_is_audited(
    db, deps, clinic
) -> None:
    guest = Actor(Role.GUEST, None, 303)
    command = RegisterCommand("Carla Ríos", "PE", "45678913", "+51987654323", "es")
    carla = await register(deps, guest, command)

    await erase(deps, ADMIN, carla.id)

    assert all(e.actor_id != 303 for e in db.audit)
    [erased] = [e for e in db.audit if e.action == Action.ERASED]
    assert (erased.actor_role, erased.actor_id, erased.patient_id) == ("admin", 900, carla.id)


async def test_an_erased_person_registers_again_as_someone_new(db, deps, clinic) -> None:
    await erase(deps, ana(clinic))
    again = RegisterCommand("Ana Quispe", "PE", "10117410", "+51987654321", "es")

    patient = await register(deps, Actor(Role.GUEST, None, 101), again)

    assert patient.id != clinic["ana"]
    assert not is_erased(patient)


async def test_a_patient_erased_once_cannot_be_erased_again(deps, clinic) -> None:
    await erase(deps, ana(clinic))

    with pytest.raises(NotFound):
        await erase(deps, ADMIN, clinic["ana"])
