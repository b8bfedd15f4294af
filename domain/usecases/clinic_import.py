"""Applying a clinic's set-up file: create and update to match it, deactivate on request.

One transaction: an import applies whole or not at all. Nothing is deleted; a doctor
the file no longer names is deactivated only with ``prune``, and keeps their history
and Telegram link.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from domain.actors import Actor, Role
from domain.audit import Action
from domain.clinic_setup import (
    Change,
    ClinicSpec,
    Directory,
    DoctorSpec,
    absent_doctors,
    describe,
    diff,
    read_directory,
)
from domain.entities import ClinicProfile, Doctor, Location, Specialty
from domain.errors import InvalidInput, NotAllowed
from domain.ports import Deps, UnitOfWork
from domain.schedule import WorkingPlan
from domain.staff import StaffGrant, StaffRole
from domain.usecases.shared import audit


@dataclass(frozen=True, slots=True)
class ImportCommand:
    spec: ClinicSpec
    dry_run: bool = False
    prune: bool = False


async def import_clinic(deps: Deps, actor: Actor, command: ImportCommand) -> list[Change]:
    """The changes the spec makes to the stored clinic; made unless ``dry_run``."""
    if actor.role not in (Role.SYSTEM, Role.ADMIN):
        raise NotAllowed("only an admin sets the clinic up")
    async with deps.uow() as uow:
        directory = await read_directory(uow)
        changes = diff(directory, command.spec, prune=command.prune)
        if command.dry_run or not changes:
            return changes
        await _apply(uow, directory, command.spec, prune=command.prune)
        await _grant_admins(uow, deps, actor, command.spec.admins)
        await audit(uow, deps, actor, Action.CLINIC_IMPORTED, ("clinic", command.spec.name))
        await uow.commit()
    return changes


async def clinic_spec(deps: Deps) -> ClinicSpec:
    """The stored clinic as a set-up spec (what ``medbot clinic export`` writes)."""
    async with deps.uow(read_only=True) as uow:
        return describe(await read_directory(uow))


async def _apply(uow: UnitOfWork, directory: Directory, spec: ClinicSpec, *, prune: bool) -> None:
    profile = ClinicProfile(spec.name, spec.admins)
    if directory.profile != profile:
        await uow.clinic.save(profile)
    locations = {loc.code: loc for loc in directory.locations}
    for want in spec.locations:
        loc = Location(
            None, want.code, want.name, want.country, want.address, want.phone, want.timezone
        )
        old = locations.get(want.code)
        if old is None:
            locations[want.code] = await uow.locations.add(loc)
        elif replace(old, id=None) != loc:
            loc.id = old.id
            await uow.locations.save(loc)
            locations[want.code] = loc
    specialties = {s.code: s for s in directory.specialties}
    for item in spec.specialties:
        wanted = Specialty(None, item.code, item.name_es, item.name_en)
        old_specialty = specialties.get(item.code)
        if old_specialty is None:
            specialties[item.code] = await uow.specialties.add(wanted)
        elif replace(old_specialty, id=None) != wanted:
            wanted.id = old_specialty.id
            await uow.specialties.save(wanted)
    stored = {(d.full_name, d.country): d for d in directory.doctors}
    for doctor_spec in spec.doctors:
        doctor = _doctor(doctor_spec, stored.get(doctor_spec.key), locations, specialties)
        old_doctor = stored.get(doctor_spec.key)
        if old_doctor is None:
            await uow.doctors.add(doctor)
        elif doctor != old_doctor:
            await uow.doctors.save(doctor)
    if prune:
        for gone in absent_doctors(directory, spec):
            await uow.doctors.save(replace(gone, active=False))


async def _grant_admins(uow: UnitOfWork, deps: Deps, actor: Actor, admins: tuple[int, ...]) -> None:
    """The file's admins become admins in the database, if they are not already."""
    now = deps.clock.now()
    for account in admins:
        if (await uow.staff.link_of(account)).admin:
            continue
        await uow.staff.grant(StaffGrant(None, account, StaffRole.ADMIN, None, now, str(actor)))
        await audit(uow, deps, actor, Action.ADMIN_GRANTED, ("admin", account))


def _doctor(
    spec: DoctorSpec,
    old: Doctor | None,
    locations: dict[str, Location],
    specialties: dict[str, Specialty],
) -> Doctor:
    try:
        specialty_ids = tuple(sorted(specialties[code].id or 0 for code in spec.specialties))
        location_id = locations[spec.location].id if spec.location else None
    except KeyError as missing:
        raise InvalidInput(f"doctor {spec.name!r} names an unknown {missing}") from None
    exceptions = old.plan.exceptions if old else {}
    plan = WorkingPlan(dict(spec.weekly), dict(exceptions), spec.time_off)
    return Doctor(
        id=old.id if old else None,
        full_name=spec.name,
        country=spec.country,
        specialty_ids=specialty_ids,
        plan=plan,
        slot_length=spec.visit,
        telegram_user_id=old.telegram_user_id if old else None,
        active=True,
        location_id=location_id,
    )
