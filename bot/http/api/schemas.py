"""The REST API's bodies and query strings as pydantic models: they validate requests
and are the OpenAPI document's schemas, so the two cannot drift apart."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from domain.entities import Appointment, Doctor, Location, Patient, Specialty
from domain.status import Status

Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
Reason = Annotated[str, Field(max_length=200)]
Language = Literal["es", "en"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """RFC 9457 problem details; ``code`` is the domain's error code."""

    type: str
    title: str
    status: int
    code: str
    detail: str | None = None
    errors: list[dict[str, Any]] | None = None


class SpecialtyOut(BaseModel):
    id: int
    code: str
    name_es: str
    name_en: str

    @classmethod
    def of(cls, s: Specialty) -> SpecialtyOut:
        return cls(id=s.id or 0, code=s.code, name_es=s.name_es, name_en=s.name_en)


class LocationOut(BaseModel):
    id: int
    code: str
    name: str
    country: str
    address: str
    phone: str
    timezone: str | None

    @classmethod
    def of(cls, loc: Location) -> LocationOut:
        return cls(
            id=loc.id or 0,
            code=loc.code,
            name=loc.name,
            country=loc.country,
            address=loc.address,
            phone=loc.phone,
            timezone=loc.timezone,
        )


class DoctorOut(BaseModel):
    id: int
    full_name: str
    country: str
    location_id: int | None
    specialty_ids: list[int]
    slot_minutes: int
    active: bool

    @classmethod
    def of(cls, d: Doctor) -> DoctorOut:
        return cls(
            id=d.id or 0,
            full_name=d.full_name,
            country=d.country,
            location_id=d.location_id,
            specialty_ids=list(d.specialty_ids),
            slot_minutes=int(d.slot_length.total_seconds() // 60),
            active=d.active,
        )


class SpecialtyList(BaseModel):
    items: list[SpecialtyOut]


class LocationList(BaseModel):
    items: list[LocationOut]


class DoctorList(BaseModel):
    items: list[DoctorOut]


class SlotQuery(Strict):
    specialty_id: Id
    first_day: date = Field(alias="from")
    last_day: date = Field(alias="to")


class SlotOut(BaseModel):
    doctor_id: int
    start: AwareDatetime
    end: AwareDatetime


class SlotList(BaseModel):
    items: list[SlotOut]


class StatusChangeOut(BaseModel):
    at: AwareDatetime
    from_status: Status | None
    to_status: Status
    actor: str
    reason: str


class AppointmentOut(BaseModel):
    id: uuid.UUID
    reference: str
    patient_id: int
    doctor_id: int
    specialty_id: int
    country: str
    status: Status
    start: AwareDatetime
    end: AwareDatetime
    history: list[StatusChangeOut]

    @classmethod
    def of(cls, a: Appointment) -> AppointmentOut:
        return cls(
            id=a.id,
            reference=a.reference,
            patient_id=a.patient_id,
            doctor_id=a.doctor_id,
            specialty_id=a.specialty_id,
            country=a.country,
            status=a.status,
            start=a.start,
            end=a.end,
            history=[
                StatusChangeOut(
                    at=h.at,
                    from_status=h.from_status,
                    to_status=h.to_status,
                    actor=h.actor,
                    reason=h.reason,
                )
                for h in a.history
            ],
        )


class AppointmentPage(BaseModel):
    items: list[AppointmentOut]
    #: Pass as ``cursor`` for the next page; null on the last one.
    next_cursor: str | None


class AppointmentQuery(Strict):
    first_day: date = Field(alias="from")
    last_day: date = Field(alias="to")
    patient_id: Id | None = None
    doctor_id: Id | None = None
    location_id: Id | None = None
    country: Country | None = None
    status: Status | None = None
    cursor: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50


class BookIn(Strict):
    patient_id: Id
    doctor_id: Id
    specialty_id: Id
    start: AwareDatetime


class CancelIn(Strict):
    reason: Reason = ""


class MoveIn(Strict):
    start: AwareDatetime


class NoBody(Strict):
    """An action that takes nothing; ``{}`` or no body at all."""


class PatientIn(Strict):
    telegram_user_id: Annotated[int, Field(ge=1, le=2**53)]
    full_name: Annotated[str, Field(min_length=1, max_length=200)]
    country: Country
    national_id: Annotated[str, Field(min_length=1, max_length=32)]
    phone: Annotated[str, Field(min_length=1, max_length=32)]
    language: Language = "es"


class ContactIn(Strict):
    phone: Annotated[str, Field(min_length=1, max_length=32)] | None = None
    language: Language | None = None


class PatientOut(BaseModel):
    id: int
    telegram_user_id: int
    full_name: str
    national_id: str
    phone: str
    language: str
    country: str

    @classmethod
    def of(cls, p: Patient) -> PatientOut:
        return cls(
            id=p.id or 0,
            telegram_user_id=p.telegram_user_id,
            full_name=p.full_name,
            national_id=p.national_id,
            phone=p.phone,
            language=p.language,
            country=p.country,
        )


class PatientList(BaseModel):
    items: list[PatientOut]


class PatientSearch(Strict):
    national_id: Annotated[str, Field(min_length=1, max_length=32)]


class ReferencePath(Strict):
    reference: Annotated[str, Field(min_length=1, max_length=16)]


class IdPath(Strict):
    id: Id
