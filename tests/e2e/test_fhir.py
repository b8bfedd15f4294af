"""FHIR R4 as a clinic's records system reads it: real HTTP against the running bot, every
resource returned checked against fhir.resources' R4B models."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.schedule import Schedule
from fhir.resources.R4B.slot import Slot
from sqlalchemy import select

from domain.api_access import Scope
from storage.tables import audit_log
from tests.e2e.api_client import ApiClient, token_for
from tests.e2e.medbot import MONDAY_8_LIMA, Clinic, national_id_for

MODELS: dict[str, Any] = {
    m.__name__: m
    for m in (Appointment, Bundle, Location, OperationOutcome, Patient, Practitioner, Schedule,
              Slot)
}  # fmt: skip
TUESDAY_10_LIMA = MONDAY_8_LIMA + timedelta(days=1, hours=2)


class Fhir:
    def __init__(self, http: aiohttp.ClientSession, clinic: Clinic, token: str | None) -> None:
        self.http = http
        self.base = f"http://127.0.0.1:{clinic.runtime.http_port}/fhir/R4"
        self.token = token

    async def get(self, path: str, params: list[tuple[str, str]] | None = None) -> Any:
        """The answer's status and body, the body validated as the resource it says it is."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        async with self.http.get(self.base + path, params=params, headers=headers) as response:
            assert response.content_type == "application/fhir+json"
            body = await response.json(content_type=None)
        MODELS[body["resourceType"]].model_validate(body)  # entries are validated within
        return response.status, body

    async def search(self, path: str, params: list[tuple[str, str]] | None = None) -> Any:
        status, body = await self.get(path, params)
        assert status == 200, body
        assert body["type"] == "searchset"
        return body


def resources(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle.get("entry", [])]


@pytest.fixture
async def fhir(clinic: Clinic, http: aiohttp.ClientSession) -> Fhir:
    return Fhir(http, clinic, await token_for(clinic, "records", Scope.ADMIN))


@pytest.fixture
async def reader(clinic: Clinic, http: aiohttp.ClientSession) -> Fhir:
    return Fhir(http, clinic, await token_for(clinic, "calendar", Scope.READ))


async def booked(clinic: Clinic, telegram_user_id: int, hours: int = 0) -> Any:
    patient_id = await clinic.register(telegram_user_id)
    return await clinic.book(patient_id, TUESDAY_10_LIMA + timedelta(hours=hours))


async def test_the_directory_reads_as_practitioners_locations_and_one_schedule_per_doctor(
    fhir: Fhir,
) -> None:
    practitioners = await fhir.search("/Practitioner")
    locations = await fhir.search("/Location")
    schedules = await fhir.search("/Schedule")
    one = await fhir.get("/Practitioner/1")
    of_first = await fhir.search("/Schedule", [("actor", "Practitioner/1")])

    assert practitioners["total"] == len(resources(practitioners)) > 0
    assert locations["total"] > 0
    assert [s["id"] for s in resources(schedules)] == [p["id"] for p in resources(practitioners)]
    assert one[0] == 200
    assert one[1]["id"] == "1"
    assert [s["actor"][0]["reference"] for s in resources(of_first)] == ["Practitioner/1"]


async def test_an_appointment_reads_with_its_status_participants_and_reference(
    clinic: Clinic, fhir: Fhir
) -> None:
    appointment = await booked(clinic, 8001)
    await clinic.confirm(appointment)

    status, body = await fhir.get(f"/Appointment/{appointment.id}")

    assert status == 200
    assert body["status"] == "booked"
    assert body["identifier"][0]["value"] == appointment.reference
    assert body["start"] == TUESDAY_10_LIMA.isoformat().replace("+00:00", "Z")
    refs = {p["actor"]["reference"]: p["status"] for p in body["participant"]}
    assert refs[f"Patient/{appointment.patient_id}"] == "accepted"
    assert refs[f"Practitioner/{appointment.doctor_id}"] == "accepted"
    assert any(r.startswith("Location/") for r in refs)
    assert body["specialty"][0]["coding"][0]["code"]


async def test_a_booking_waiting_for_its_doctor_is_pending_and_the_doctor_needs_action(
    clinic: Clinic, fhir: Fhir
) -> None:
    appointment = await booked(clinic, 8002)
    for _ in range(100):  # Peru offers it to its doctor first (docs/processing.md)
        body = (await fhir.get(f"/Appointment/{appointment.id}"))[1]
        if body["status"] == "pending":
            break
        await asyncio.sleep(0.05)

    practitioner = [p for p in body["participant"] if "Practitioner/" in p["actor"]["reference"]]
    assert body["status"] == "pending"
    assert practitioner[0]["status"] == "needs-action"


async def test_a_cancelled_appointment_says_who_declined_and_why(
    clinic: Clinic, fhir: Fhir, http: aiohttp.ClientSession
) -> None:
    appointment = await booked(clinic, 8003)
    api = ApiClient(http, clinic, fhir.token)
    await api.call("POST", f"/appointments/{appointment.reference}/cancel", json={"reason": "x"})

    body = (await fhir.get(f"/Appointment/{appointment.id}"))[1]

    assert body["status"] == "cancelled"
    assert body["cancelationReason"]["coding"][0]["code"] == "other"
    assert body["cancelationReason"]["text"] == "x"


async def test_appointments_are_searched_by_date_status_practitioner_patient_and_actor(
    clinic: Clinic, fhir: Fhir
) -> None:
    first = await booked(clinic, 8004)
    later = await booked(clinic, 8005, hours=24)
    other_doctor = await clinic.book(
        await clinic.register(8006), TUESDAY_10_LIMA + timedelta(hours=1), doctor_id=2
    )
    await clinic.settled(first)
    week = [("date", "ge2026-05-04"), ("date", "le2026-05-10")]

    everything = await fhir.search("/Appointment", week)
    tuesday = await fhir.search("/Appointment", [("date", "2026-05-05")])
    wednesday_on = await fhir.search("/Appointment", [("date", "gt2026-05-05")])
    by_doctor = await fhir.search("/Appointment", [*week, ("practitioner", "Practitioner/2")])
    by_patient = await fhir.search("/Appointment", [*week, ("patient", str(later.patient_id))])
    by_actor = await fhir.search("/Appointment", [*week, ("actor", f"Patient/{first.patient_id}")])
    cancelled = await fhir.search("/Appointment", [*week, ("status", "cancelled,noshow")])
    open_ones = await fhir.search("/Appointment", [*week, ("status", "proposed,pending,booked")])

    ids = lambda b: {r["id"] for r in resources(b)}  # noqa: E731
    assert ids(everything) == {str(a.id) for a in (first, later, other_doctor)}
    assert everything["total"] == 3
    assert ids(tuesday) == {str(first.id), str(other_doctor.id)}
    assert ids(wednesday_on) == {str(later.id)}
    assert ids(by_doctor) == {str(other_doctor.id)}
    assert ids(by_patient) == {str(later.id)}
    assert ids(by_actor) == {str(first.id)}
    assert cancelled["total"] == 0
    assert "entry" not in cancelled
    assert open_ones["total"] == 3


async def test_a_search_pages_with_a_next_link_and_counts_every_match(
    clinic: Clinic, fhir: Fhir, http: aiohttp.ClientSession
) -> None:
    for n in range(3):
        await booked(clinic, 8010 + n, hours=n)
    week = [("date", "ge2026-05-04"), ("date", "le2026-05-10"), ("_count", "2")]

    first = await fhir.search("/Appointment", week)
    [after] = [link["url"] for link in first["link"] if link["relation"] == "next"]
    async with http.get(after, headers={"Authorization": f"Bearer {fhir.token}"}) as response:
        second = await response.json(content_type=None)
    Bundle.model_validate(second)

    assert first["total"] == second["total"] == 3
    starts = [r["start"] for r in resources(first) + resources(second)]
    assert len(set(starts)) == 3
    assert starts == sorted(starts)
    assert not [link for link in second["link"] if link["relation"] == "next"]


async def test_free_slots_of_a_schedule_are_searched_by_start_and_a_booked_one_is_gone(
    clinic: Clinic, fhir: Fhir
) -> None:
    tuesday = [("schedule", "Schedule/1"), ("start", "ge2026-05-05"), ("start", "le2026-05-05")]
    before = await fhir.search("/Slot", tuesday)
    await booked(clinic, 8020)
    after = await fhir.search("/Slot", tuesday)
    taken = f"1-{int(TUESDAY_10_LIMA.timestamp())}"
    missing = await fhir.get(f"/Slot/{taken}")
    still_free = resources(after)[0]

    starts = {s["start"] for s in resources(before)}
    assert TUESDAY_10_LIMA.isoformat().replace("+00:00", "Z") in starts
    assert {s["status"] for s in resources(before)} == {"free"}
    assert {s["schedule"]["reference"] for s in resources(before)} == {"Schedule/1"}
    assert all(s["start"].startswith("2026-05-05") for s in resources(before))
    assert after["total"] == before["total"] - 1
    assert taken in {s["id"] for s in resources(before)} - {s["id"] for s in resources(after)}
    assert missing[0] == 404
    assert (await fhir.get(f"/Slot/{still_free['id']}"))[1] == still_free


async def test_patients_need_the_admin_scope_and_each_read_is_audited(
    clinic: Clinic, fhir: Fhir, reader: Fhir
) -> None:
    patient_id = await clinic.register(8030)

    refused = await reader.get(f"/Patient/{patient_id}")
    status, patient = await fhir.get(f"/Patient/{patient_id}")
    found = await fhir.search("/Patient", [("identifier", national_id_for(8030, "PE"))])
    async with clinic.engine.connect() as conn:
        looked_up = (
            await conn.execute(
                select(audit_log.c.actor_role, audit_log.c.patient_id, audit_log.c.source)
                .where(audit_log.c.action == "patient.looked_up")
            )
        ).all()  # fmt: skip

    assert refused[0] == 403
    assert refused[1]["resourceType"] == "OperationOutcome"
    assert status == 200
    assert patient["name"][0]["text"] == "Paciente Prueba"
    assert [p["id"] for p in resources(found)] == [str(patient_id)]
    assert looked_up == [("api", patient_id, "api")] * 2


async def test_reading_an_appointment_is_audited_but_searching_is_not(
    clinic: Clinic, fhir: Fhir
) -> None:
    appointment = await booked(clinic, 8040)

    await fhir.search("/Appointment", [("date", "2026-05-05")])
    await fhir.get(f"/Appointment/{appointment.id}")
    async with clinic.engine.connect() as conn:
        viewed = (
            await conn.execute(
                select(audit_log.c.record_id).where(audit_log.c.action == "appointment.viewed")
            )
        ).all()

    assert [r.record_id for r in viewed] == [str(appointment.id)]


async def test_errors_are_operation_outcomes_with_the_right_status(
    clinic: Clinic, fhir: Fhir, http: aiohttp.ClientSession
) -> None:
    anonymous = await Fhir(http, clinic, None).get("/Practitioner")
    unknown_type = await fhir.get("/Observation")
    unknown_id = await fhir.get("/Appointment/3f1b2c4d-0000-0000-0000-000000000000")
    not_an_id = await fhir.get("/Practitioner/abc")
    bad_date = await fhir.get("/Appointment", [("date", "sometime")])
    unknown_param = await fhir.get("/Appointment", [("colour", "blue")])
    no_identifier = await fhir.get("/Patient")
    async with http.post(
        f"{fhir.base}/Appointment", headers={"Authorization": f"Bearer {fhir.token}"}
    ) as response:
        posted = response.status

    assert anonymous[0] == 401
    assert [a[0] for a in (unknown_type, unknown_id, not_an_id)] == [404, 404, 404]
    assert [a[0] for a in (bad_date, unknown_param, no_identifier)] == [400, 400, 400]
    assert {a[1]["resourceType"] for a in (anonymous, unknown_type, bad_date)} == {
        "OperationOutcome"
    }
    assert unknown_id[1]["issue"][0]["code"] == "not-found"
    assert posted == 405
