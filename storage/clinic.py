"""Repositories for the clinic directory: specialties and doctors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.entities import Doctor, Specialty
from storage.plan_codec import plan_from_json, plan_to_json
from storage.tables import doctor_specialties, doctors, specialties


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
            insert(doctors)
            .values(
                full_name=doctor.full_name,
                country=doctor.country,
                slot_minutes=int(doctor.slot_length.total_seconds() // 60),
                plan=plan_to_json(doctor.plan),
                telegram_user_id=doctor.telegram_user_id,
                active=doctor.active,
            )
            .returning(doctors.c.id)
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
        )

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
                )
            if r.specialty_id is not None:
                doctor.specialty_ids = (*doctor.specialty_ids, r.specialty_id)
        return list(found.values())
