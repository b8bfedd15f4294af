"""The clinic's catalog, kept by admins: specialties (named in es and en) and locations.

Nothing is deleted: a specialty or a location is renamed, never removed, so the
appointments and doctors that name it keep their meaning.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from domain.actors import Actor
from domain.audit import Action
from domain.countries import get_country
from domain.entities import Location, Specialty
from domain.errors import InvalidSetup, NotFound
from domain.people import clean_phone
from domain.ports import Deps
from domain.usecases.invitations import check_admin
from domain.usecases.shared import audit

MAX_NAME = 120
MAX_ADDRESS = 300


def clean_name(raw: str, limit: int = MAX_NAME) -> str:
    """Spaces collapsed; between 2 and ``limit`` characters."""
    name = " ".join(raw.split())
    if not 2 <= len(name) <= limit:
        raise InvalidSetup("name_length", str(limit))
    return name


def code_for(name: str, taken: set[str]) -> str:
    """A set-up file code from a name, ``Cardiología`` → ``cardiologia``, unique in ``taken``."""
    plain = unicodedata.normalize("NFKD", name.lower()).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:48] or "item"
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}-{n}"
    return code


@dataclass(frozen=True, slots=True)
class SpecialtyCommand:
    name_es: str
    name_en: str
    specialty_id: int | None = None  # None: a new specialty


async def save_specialty(deps: Deps, actor: Actor, command: SpecialtyCommand) -> Specialty:
    """Add a specialty, or rename one; no two specialties share a name in either language."""
    check_admin(actor)
    name_es, name_en = clean_name(command.name_es), clean_name(command.name_en)
    async with deps.uow() as uow:
        existing = await uow.specialties.list_all()
        others = [s for s in existing if s.id != command.specialty_id]
        names = {n.casefold() for s in others for n in (s.name_es, s.name_en)}
        if name_es.casefold() in names or name_en.casefold() in names:
            raise InvalidSetup("duplicate_specialty")
        if command.specialty_id is None:
            taken = {s.code for s in existing}
            specialty = await uow.specialties.add(
                Specialty(None, code_for(name_es, taken), name_es, name_en)
            )
            action = Action.SPECIALTY_ADDED
        else:
            old = next((s for s in existing if s.id == command.specialty_id), None)
            if old is None:
                raise NotFound("specialty")
            specialty = replace(old, name_es=name_es, name_en=name_en)
            await uow.specialties.save(specialty)
            action = Action.SPECIALTY_RENAMED
        await audit(uow, deps, actor, action, ("specialty", specialty.id))
        await uow.commit()
    return specialty


@dataclass(frozen=True, slots=True)
class LocationCommand:
    name: str
    country: str
    address: str
    phone: str
    location_id: int | None = None  # None: a new location


async def save_location(deps: Deps, actor: Actor, command: LocationCommand) -> Location:
    """Add a location, or change one. Its phone is what cancelled patients are told to
    call. A location whose doctors practise there keeps its country."""
    check_admin(actor)
    country = get_country(command.country).code
    name = clean_name(command.name)
    address = clean_name(command.address, MAX_ADDRESS)
    phone = clean_phone(command.phone, country)
    async with deps.uow() as uow:
        existing = await uow.locations.list_all()
        if command.location_id is None:
            code = code_for(name, {loc.code for loc in existing})
            location = await uow.locations.add(Location(None, code, name, country, address, phone))
            action = Action.LOCATION_ADDED
        else:
            old = next((loc for loc in existing if loc.id == command.location_id), None)
            if old is None:
                raise NotFound("location")
            if country != old.country and any(
                d.location_id == old.id for d in await uow.doctors.list_all()
            ):
                raise InvalidSetup("location_in_use")
            location = replace(old, name=name, country=country, address=address, phone=phone)
            await uow.locations.save(location)
            action = Action.LOCATION_CHANGED
        await audit(uow, deps, actor, action, ("location", location.id))
        await uow.commit()
    return location
