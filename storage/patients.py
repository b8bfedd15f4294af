"""The patients repository."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.entities import Patient
from domain.errors import NationalIdTaken
from storage.crypto.binding import keyring_for
from storage.tables import NATIONAL_ID_INDEX, patients


def is_national_id_conflict(error: IntegrityError) -> bool:
    """Whether ``error`` is the unique index on (national ID's index, country) firing."""
    text = str(error.orig)
    return NATIONAL_ID_INDEX in text or "patients.national_id_index, patients.country" in text


class SqlPatients:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, patient: Patient) -> Patient:
        values = self._values(patient)
        insert_row = insert(patients).values(**values).returning(patients.c.id)
        result = await self._write(insert_row, patient)
        patient.id = result.scalar_one()
        return patient

    async def get(self, patient_id: int) -> Patient | None:
        return await self._one(patients.c.id == patient_id)

    async def get_by_telegram_id(self, telegram_user_id: int) -> Patient | None:
        return await self._one(patients.c.telegram_user_id == telegram_user_id)

    async def save(self, patient: Patient) -> None:
        values = self._values(patient)
        await self._write(
            update(patients).where(patients.c.id == patient.id).values(**values), patient
        )

    async def get_by_national_id(self, country: str, national_id: str) -> Patient | None:
        indexes = keyring_for(self._conn).indexes(national_id)
        return await self._one(
            patients.c.national_id_index.in_(indexes) & (patients.c.country == country)
        )

    async def _write(self, statement: Any, patient: Patient) -> Any:
        try:
            return await self._conn.execute(statement)
        except IntegrityError as error:
            if is_national_id_conflict(error):
                raise NationalIdTaken(patient.country) from None
            raise

    async def get_many(self, patient_ids: list[int]) -> dict[int, Patient]:
        if not patient_ids:
            return {}
        rows = await self._conn.execute(select(patients).where(patients.c.id.in_(patient_ids)))
        return {row.id: _from_row(row) for row in rows}

    async def with_national_id(self, national_ids: list[str]) -> list[Patient]:
        """By the unique index on (national ID's index, country), whose first column this
        is; under every key of the ring, since a rotation may be half done."""
        if not national_ids:
            return []
        ring = keyring_for(self._conn)
        indexes = [index for n in national_ids for index in ring.indexes(n)]
        query = select(patients).where(patients.c.national_id_index.in_(indexes))
        return [_from_row(row) for row in await self._conn.execute(query.order_by(patients.c.id))]

    def _values(self, patient: Patient) -> dict[str, Any]:
        index = keyring_for(self._conn).index(patient.national_id)
        return {**_patient_values(patient), "national_id_index": index}

    async def _one(self, condition: Any) -> Patient | None:
        row = (await self._conn.execute(select(patients).where(condition))).first()
        return None if row is None else _from_row(row)


def _from_row(row: Any) -> Patient:
    return Patient(
        id=row.id,
        telegram_user_id=row.telegram_user_id,
        full_name=row.full_name,
        national_id=row.national_id,
        phone=row.phone,
        language=row.language,
        country=row.country,
        privacy_accepted_at=row.privacy_accepted_at,
    )


def _patient_values(patient: Patient) -> dict[str, Any]:
    return {
        "telegram_user_id": patient.telegram_user_id,
        "full_name": patient.full_name,
        "national_id": patient.national_id,
        "phone": patient.phone,
        "language": patient.language,
        "country": patient.country,
        "privacy_accepted_at": patient.privacy_accepted_at,
    }
