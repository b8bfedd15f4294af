"""After erasure a patient's name, national ID, phone and Telegram account are nowhere in
the database, while the visits and the audit stay, by id."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import insert, select

from domain.actors import Actor, Role
from domain.notifications import Kind, Notification
from domain.status import Status
from domain.usecases.booking import BookCommand, book
from domain.usecases.language import choose_language
from domain.usecases.privacy import erase, export_data
from domain.usecases.registration import RegisterCommand, register
from storage.tables import appointments, audit_log, notifications, telegram_state
from tests.databases import sql_deps
from tests.storage.conftest import make_clinic
from tests.traces import traces_of

TUESDAY_10 = datetime(2026, 5, 5, 15, 0, tzinfo=UTC)  # 10:00 in Lima
ACCOUNT = 8_765_432_109
NAME, NATIONAL_ID, PHONE = "Zoraida Quisquetl", "73914826", "+51912837465"


async def registered(engine, clock):
    deps = sql_deps(engine, clock)
    clinic = await make_clinic(engine, patients=0)
    guest = Actor(Role.GUEST, None, ACCOUNT)
    await choose_language(deps, guest, "en")
    command = RegisterCommand(NAME, "PE", NATIONAL_ID, PHONE, "en")
    patient = await register(deps, guest, command)
    actor = Actor(Role.PATIENT, patient.id, ACCOUNT)
    visit = await book(deps, actor, BookCommand(clinic.doctor, clinic.specialty, TUESDAY_10))
    offer = Notification(  # what processing tells the staff who confirm a booking
        chat_id=900,
        kind=Kind.STATUS,
        template="notify.offer.admin",
        due_at=TUESDAY_10,
        dedupe_key=f"{visit.id}:offer:admins:900",
        appointment_id=visit.id,
        params={"patient": NAME, "reference": visit.reference},
    )
    async with deps.uow() as uow:
        await uow.notifications.add([offer])
        await uow.commit()
    async with engine.begin() as conn:  # what the bot's persistence saves for the account
        await conn.execute(
            insert(telegram_state),
            [
                {"kind": "user", "key": str(ACCOUNT), "data": {"lang": "en", "name": NAME}},
                {
                    "kind": "conversation:booking",
                    "key": json.dumps([ACCOUNT, ACCOUNT]),
                    "data": 2,
                },
            ],
        )
    return deps, actor


async def test_after_erasure_the_persons_values_are_in_no_table(engine, clock) -> None:
    deps, actor = await registered(engine, clock)
    before = await traces_of(engine, [NAME, NATIONAL_ID, PHONE], ACCOUNT)

    await erase(deps, actor)

    assert "patients.full_name" in before  # the search finds what is there
    assert await traces_of(engine, [NAME, NATIONAL_ID, PHONE], ACCOUNT) == []


async def test_after_erasure_visits_and_audit_rows_stay_naming_the_patient_by_id(
    engine, clock
) -> None:
    deps, actor = await registered(engine, clock)

    await erase(deps, actor)

    async with engine.connect() as conn:
        visits = (
            await conn.execute(select(appointments.c.patient_id, appointments.c.status))
        ).all()
        audited = (await conn.execute(select(audit_log.c.action, audit_log.c.patient_id))).all()
        mine = select(notifications.c.state).where(notifications.c.chat_id == -(actor.id or 0))
        queued = (await conn.execute(mine)).scalars().all()
    assert visits == [(actor.id, Status.CANCELLED.value)]
    assert ("patient.registered", actor.id) in audited
    assert ("patient.erased", actor.id) in audited
    assert queued
    assert "queued" not in queued


async def test_an_export_reads_every_kind_of_record_on_the_database(engine, clock) -> None:
    deps, actor = await registered(engine, clock)

    data = (await export_data(deps, actor)).as_dict()

    assert data["profile"]["full_name"] == NAME
    assert data["chosen_language"] == "en"
    assert len(data["appointments"]) == 1
    assert data["notifications"]
    assert "patient.registered" in [e["action"] for e in data["audit"]]
    assert "language.chosen" in [e["action"] for e in data["audit"]]
