"""Importing a clinic set-up file into a real database: idempotent, pruning on request,
and an export that imports back as no change."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from bot.clinic_file import dump_clinic, parse_clinic, read_clinic_file
from bot.demo_clinic import DEMO_FILE
from domain.actors import SYSTEM, Actor, Role
from domain.clinic_setup import Action, ClinicSpec, days_off
from domain.entities import Patient
from domain.schedule import DayHours, TimeOff, TimeRange
from domain.usecases.booking import BookCommand, book
from domain.usecases.clinic_import import ImportCommand, clinic_spec, import_clinic
from storage.tables import appointments, audit_log, doctor_specialties, doctors, staff_roles
from tests.databases import sql_deps


def demo() -> ClinicSpec:
    return read_clinic_file(DEMO_FILE)


async def apply(deps, spec: ClinicSpec, **options: bool):
    return await import_clinic(deps, SYSTEM, ImportCommand(spec, **options))


async def test_importing_the_same_file_twice_changes_nothing_the_second_time(engine, clock) -> None:
    deps = sql_deps(engine, clock)

    first = await apply(deps, demo())
    second = await apply(deps, demo())

    assert len([c for c in first if c.kind == "doctor"]) == 14
    assert second == []
    async with engine.connect() as conn:
        names = (await conn.execute(select(doctors.c.id, doctors.c.full_name))).all()
    assert len(names) == 14
    assert (7, "Dra. Javiera Soto") in names


async def test_a_dry_run_shows_the_changes_and_makes_none(engine, clock) -> None:
    deps = sql_deps(engine, clock)

    planned = await apply(deps, demo(), dry_run=True)

    assert {c.action for c in planned} == {Action.CREATE}
    assert await apply(deps, demo(), dry_run=True) == planned
    async with engine.connect() as conn:
        assert (await conn.execute(select(doctors.c.id))).all() == []


async def test_a_changed_doctor_is_updated_in_place_with_hours_specialties_and_time_off(
    engine, clock
) -> None:
    deps = sql_deps(engine, clock)
    await apply(deps, demo())
    spec = demo()
    santiago = spec.locations[1].zone()
    soto = replace(
        spec.doctors[6],
        specialties=("general", "dermatology"),
        weekly={1: DayHours(TimeRange(time(8), time(12)))},
        time_off=(days_off(date(2026, 12, 24), date(2027, 1, 2), santiago),),
    )
    spec = replace(spec, doctors=(*spec.doctors[:6], soto, *spec.doctors[7:]))

    changes = await apply(deps, spec)

    assert [(c.action, c.key, c.fields) for c in changes] == [
        (Action.UPDATE, "Dra. Javiera Soto (CL)", ("specialties", "weekly", "time_off"))
    ]
    async with deps.uow(read_only=True) as uow:
        stored = await uow.doctors.get(7)
    assert stored is not None
    assert stored.plan.weekly == soto.weekly
    assert stored.plan.time_off == soto.time_off
    assert len(stored.specialty_ids) == 2
    assert await apply(deps, spec) == []


async def test_doctors_left_out_of_the_file_stay_active_unless_pruned(engine, clock) -> None:
    deps = sql_deps(engine, clock)
    await apply(deps, demo())
    fewer = replace(demo(), doctors=(*demo().doctors[:10], *demo().doctors[12:]))  # no 11, 12

    kept = await apply(deps, fewer)
    pruned = await apply(deps, fewer, prune=True)

    assert kept == []
    assert [(c.action, c.key) for c in pruned] == [
        (Action.DEACTIVATE, "Dra. Valentina Díaz (CL)"),
        (Action.DEACTIVATE, "Dr. Benjamín Pérez (CL)"),
    ]
    async with engine.connect() as conn:
        active = dict((await conn.execute(select(doctors.c.id, doctors.c.active))).all())
    assert [i for i, on in active.items() if not on] == [11, 12]
    assert await apply(deps, fewer, prune=True) == []


async def test_pruning_keeps_a_doctors_appointments_and_the_file_brings_them_back(
    engine, clock
) -> None:
    deps = sql_deps(engine, clock)
    await apply(deps, demo())
    async with deps.uow() as uow:
        patient = await uow.patients.add(
            Patient(None, 5001, "Ana Quispe", "10117410", "+51987654321", "es", "PE")
        )
        await uow.commit()
    actor = Actor(Role.PATIENT, patient.id, 5001)
    tuesday_10_lima = datetime(2026, 5, 5, 15, 0, tzinfo=UTC)
    visit = await book(deps, actor, BookCommand(3, 2, tuesday_10_lima))
    without_salazar = replace(demo(), doctors=demo().doctors[:2] + demo().doctors[3:])

    await apply(deps, without_salazar, prune=True)
    back = await apply(deps, demo())

    assert [(c.action, c.key, c.fields) for c in back] == [
        (Action.UPDATE, "Dr. Martín Salazar (PE)", ("active",))
    ]
    async with engine.connect() as conn:
        kept = (await conn.execute(select(appointments.c.id, appointments.c.doctor_id))).all()
        links = (
            await conn.execute(
                select(doctor_specialties).where(doctor_specialties.c.doctor_id == 3)
            )
        ).all()
    assert kept == [(visit.id, 3)]
    assert len(links) == 1


async def test_an_export_imports_back_as_no_change(engine, clock) -> None:
    deps = sql_deps(engine, clock)
    spec = demo()
    lima = spec.locations[0].zone()
    quispe = replace(
        spec.doctors[0],
        time_off=(
            days_off(date(2026, 7, 28), date(2026, 7, 29), lima, "Fiestas"),
            TimeOff(
                datetime(2026, 6, 1, 9, tzinfo=lima), datetime(2026, 6, 1, 11, 30, tzinfo=lima)
            ),
        ),
        visit=timedelta(minutes=20),
    )
    await apply(deps, replace(spec, admins=(42,), doctors=(quispe, *spec.doctors[1:])))

    exported = dump_clinic(await clinic_spec(deps))

    assert await apply(deps, parse_clinic(exported, "export.yaml"), dry_run=True) == []
    assert "2026-07-28..2026-07-29" in exported
    assert "2026-06-01T09:00..2026-06-01T11:30" in exported


async def test_the_files_admins_become_admins_and_the_import_is_audited(engine, clock) -> None:
    deps = sql_deps(engine, clock)
    spec = replace(demo(), admins=(424242,))

    await apply(deps, spec)
    await apply(deps, replace(spec, name="Clínica renombrada"))

    async with engine.connect() as conn:
        grants = (await conn.execute(select(staff_roles.c.telegram_user_id))).all()
        actions = (await conn.execute(select(audit_log.c.action, audit_log.c.source))).all()
    assert grants == [(424242,)]
    assert actions.count(("clinic.imported", "bot")) == 2
    assert actions.count(("role.admin_granted", "bot")) == 1
