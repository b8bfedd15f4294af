"""The demo clinic: PE and CL, three specialties each, two doctors per specialty."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import time

from domain.entities import Doctor, Specialty
from domain.ports import UnitOfWork
from domain.schedule import TimeRange, weekdays_plan

SPECIALTIES = (
    ("general", "Medicina general", "General medicine"),
    ("cardiology", "Cardiología", "Cardiology"),
    ("pediatrics", "Pediatría", "Paediatrics"),
    ("dermatology", "Dermatología", "Dermatology"),
)

DOCTORS: dict[str, dict[str, tuple[str, str]]] = {
    "PE": {
        "general": ("Dra. Lucía Quispe", "Dr. Jorge Huamán"),
        "cardiology": ("Dr. Martín Salazar", "Dra. Rosa Mendoza"),
        "pediatrics": ("Dra. Carmen Flores", "Dr. Luis Paredes"),
    },
    "CL": {
        "general": ("Dra. Javiera Soto", "Dr. Matías Rojas"),
        "cardiology": ("Dr. Felipe Contreras", "Dra. Camila Muñoz"),
        "dermatology": ("Dra. Valentina Díaz", "Dr. Benjamín Pérez"),
    },
}


@dataclass(frozen=True, slots=True)
class SeedReport:
    specialties_added: int
    doctors_added: int


async def seed_demo(make_uow: Callable[[], UnitOfWork]) -> SeedReport:
    """Create what is missing of the demo clinic; running it twice adds nothing."""
    plan = weekdays_plan(time(9), time(18), TimeRange(time(13), time(14)))
    added_specialties = added_doctors = 0
    async with make_uow() as uow:
        ids: dict[str, int] = {}
        for code, name_es, name_en in SPECIALTIES:
            specialty = await uow.specialties.get_by_code(code)
            if specialty is None:
                specialty = await uow.specialties.add(Specialty(None, code, name_es, name_en))
                added_specialties += 1
            ids[code] = specialty.id or 0
        for country, by_specialty in DOCTORS.items():
            existing = {d.full_name for d in await uow.doctors.list_for(country)}
            for code, names in by_specialty.items():
                for name in names:
                    if name not in existing:
                        await uow.doctors.add(Doctor(None, name, country, (ids[code],), plan))
                        added_doctors += 1
        await uow.commit()
    return SeedReport(added_specialties, added_doctors)
