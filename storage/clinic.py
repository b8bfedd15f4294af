"""Repositories for the clinic directory: the clinic, locations, specialties and doctors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.entities import ClinicProfile, Doctor, Location, Specialty
from storage.plan_codec import plan_from_json, plan_to_json
from storage.tables import clinic, doctor_specialties, doctors, locations, specialties

_CLINIC_ROW = 1


class SqlClinic:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self) -> ClinicProfile | None:
        row = (await self._conn.execute(select(clinic))).first()
        if row is None:
            return None
        return ClinicProfile(row.name, tuple(int(i) for i in row.admin_telegram_ids))

    async def save(self, profile: ClinicProfile) -> None:
        values = {"name": profile.name, "admin_telegram_ids": list(profile.admin_telegram_ids)}
        updated = await self._conn.execute(
            update(clinic).where(clinic.c.id == _CLINIC_ROW).values(**values)
        )
        if updated.rowcount == 0:
            await self._conn.execute(insert(clinic).values(id=_CLINIC_ROW, **values))


class SqlLocations:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, location: Location) -> Location:
        result = await self._conn.execute(
            insert(locations).values(**_location_values(location)).returning(locations.c.id)
        )
        return Location(
            result.scalar_one(),
            location.code,
            location.name,
            location.country,
            location.address,
            location.phone,
            location.timezone,
        )

    async def save(self, location: Location) -> None:
        await self._conn.execute(
            update(locations)
            .where(locations.c.id == location.id)
            .values(**_location_values(location))
        )

    async def list_all(self) -> list[Location]:
        rows = await self._conn.execute(select(locations).order_by(locations.c.id))
        return [
            Location(r.id, r.code, r.name, r.country, r.address, r.phone, r.timezone) for r in rows
        ]


def _location_values(location: Location) -> dict[str, Any]:
    return {
        "code": location.code,
        "name": location.name,
        "country": location.country,
        "address": location.address,
        "phone": location.phone,
        "timezone": location.timezone,
    }


class SqlSpecialties:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, specialty: Specialty) -> Specialty:
        result = await self._conn.execute(
            insert(specialties)
            .values(code=specialty.code, name_es=specialty.name_es, name_en=specialty.name_en)
            .returning(specialties.c.id)
        )
        return Specialty(result.scalar_one(), specialty.code, specialty.name_es, specialty.name_en)

    async def save(self, specialty: Specialty) -> None:
        await self._conn.execute(
            update(specialties)
            .where(specialties.c.code == specialty.code)
            .values(name_es=specialty.name_es, name_en=specialty.name_en)
        )

    async def list_all(self) -> list[Specialty]:
        rows = await self._conn.execute(select(specialties).order_by(specialties.c.id))
        return [Specialty(r.id, r.code, r.name_es, r.name_en) for r in rows]

    async def get_by_code(self, code: str) -> Specialty | None:
        row = (
            await self._conn.execute(select(specialties).where(specialties.c.code == code))
        ).first()
        return Specialty(row.id, row.code, row.name_es, row.name_en) if row else None

    async def list_for_country(self, country: str) -> list[Specialty]:
        query = (
            select(specialties)
            .join(doctor_specialties, doctor_specialties.c.specialty_id == specialties.c.id)
            .join(doctors, doctors.c.id == doctor_specialties.c.doctor_id)
            .where(doctors.c.country == country, doctors.c.active.is_(True))
            .distinct()
            .order_by(specialties.c.code)
        )
        rows = await self._conn.execute(query)
        return [Specialty(r.id, r.code, r.name_es, r.name_en) for r in rows]


class SqlDoctors:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, doctor: Doctor) -> Doctor:
        result = await self._conn.execute(
            insert(doctors).values(**_doctor_values(doctor)).returning(doctors.c.id)
        )
        doctor_id = result.scalar_one()
        if doctor.specialty_ids:
            await self._conn.execute(
                insert(doctor_specialties),
                [{"doctor_id": doctor_id, "specialty_id": s} for s in doctor.specialty_ids],
            )
        return Doctor(
            doctor_id,
            doctor.full_name,
            doctor.country,
            doctor.specialty_ids,
            doctor.plan,
            doctor.slot_length,
            doctor.telegram_user_id,
            doctor.active,
            doctor.location_id,
        )

    async def save(self, doctor: Doctor) -> None:
        doctor_id = doctor.id
        await self._conn.execute(
            update(doctors).where(doctors.c.id == doctor_id).values(**_doctor_values(doctor))
        )
        stored = set(
            (
                await self._conn.execute(
                    select(doctor_specialties.c.specialty_id).where(
                        doctor_specialties.c.doctor_id == doctor_id
                    )
                )
            ).scalars()
        )
        wanted = set(doctor.specialty_ids)
        if stored - wanted:
            await self._conn.execute(
                delete(doctor_specialties).where(
                    doctor_specialties.c.doctor_id == doctor_id,
                    doctor_specialties.c.specialty_id.in_(stored - wanted),
                )
            )
        if wanted - stored:
            await self._conn.execute(
                insert(doctor_specialties),
                [{"doctor_id": doctor_id, "specialty_id": s} for s in sorted(wanted - stored)],
            )

    async def list_all(self) -> list[Doctor]:
        return await self._load(doctors.c.id.is_not(None))

    async def get(self, doctor_id: int) -> Doctor | None:
        found = await self._load(doctors.c.id == doctor_id)
        return found[0] if found else None

    async def list_for(self, country: str, specialty_id: int | None = None) -> list[Doctor]:
        condition = doctors.c.country == country
        if specialty_id is not None:
            chosen = select(doctor_specialties.c.doctor_id).where(
                doctor_specialties.c.specialty_id == specialty_id
            )
            condition = condition & doctors.c.id.in_(chosen)
        return await self._load(condition)

    async def _load(self, condition: Any) -> list[Doctor]:
        # One round trip: each doctor row comes once per specialty (or once, with none).
        query = (
            select(doctors, doctor_specialties.c.specialty_id)
            .outerjoin(doctor_specialties, doctor_specialties.c.doctor_id == doctors.c.id)
            .where(condition)
            .order_by(doctors.c.id, doctor_specialties.c.specialty_id)
        )
        found: dict[int, Doctor] = {}
        for r in await self._conn.execute(query):
            doctor = found.get(r.id)
            if doctor is None:
                doctor = found[r.id] = Doctor(
                    id=r.id,
                    full_name=r.full_name,
                    country=r.country,
                    specialty_ids=(),
                    plan=plan_from_json(r.plan),
                    slot_length=timedelta(minutes=r.slot_minutes),
                    telegram_user_id=r.telegram_user_id,
                    active=r.active,
                    location_id=r.location_id,
                )
            if r.specialty_id is not None:
                doctor.specialty_ids = (*doctor.specialty_ids, r.specialty_id)
        return list(found.values())


def _doctor_values(doctor: Doctor) -> dict[str, Any]:
    return {
        "full_name": doctor.full_name,
        "country": doctor.country,
        "slot_minutes": int(doctor.slot_length.total_seconds() // 60),
        "plan": plan_to_json(doctor.plan),
        "telegram_user_id": doctor.telegram_user_id,
        "active": doctor.active,
        "location_id": doctor.location_id,
    }
