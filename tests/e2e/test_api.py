"""The REST API as a clinic's system uses it: real HTTP against the running bot, rows in
its real database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from sqlalchemy import select

from bot.app import BotRuntime
from bot.database import prepare_demo_database
from bot.sandbox.standin import BotApiStandIn
from domain.actors import SYSTEM
from domain.api_access import Scope
from domain.staff import StaffRole
from domain.usecases.api_tokens import revoke_token
from storage.tables import api_tokens, audit_log
from tests.e2e.api_client import ApiClient, token_for
from tests.e2e.medbot import MONDAY_8_LIMA, Clinic, national_id_for, settings_for

TUESDAY_10_LIMA = (MONDAY_8_LIMA + timedelta(days=1, hours=2)).isoformat()
TUESDAY_11_LIMA = (MONDAY_8_LIMA + timedelta(days=1, hours=3)).isoformat()


@pytest.fixture
async def system(clinic: Clinic, http: aiohttp.ClientSession) -> ApiClient:
    """A records system with every scope."""
    return ApiClient(http, clinic, await token_for(clinic, "records", Scope.ADMIN))


async def booking_for(clinic: Clinic, system: ApiClient, telegram_user_id: int) -> dict:
    patient_id = await clinic.register(telegram_user_id)
    doctors = (await system.call("GET", "/doctors")).body["items"]
    doctor = doctors[0]
    answer = await system.call(
        "POST",
        "/appointments",
        json={
            "patient_id": patient_id,
            "doctor_id": doctor["id"],
            "specialty_id": doctor["specialty_ids"][0],
            "start": TUESDAY_10_LIMA,
        },
    )
    assert answer.status == 201, answer.body
    return answer.body


async def test_a_booking_retried_three_times_with_its_idempotency_key_books_once(
    api: BotApiStandIn, clinic: Clinic, system: ApiClient
) -> None:
    token = await clinic.invite(StaffRole.DOCTOR, 1)  # the demo clinic's first doctor
    doctor = api.person("Lucía", "Quispe", language_code="es")
    await doctor.send(f"/start {token}")
    await doctor.wait_for("quedó vinculada a")
    ana = api.person("Ana", language_code="es")
    await ana.send("/start")
    await ana.wait_for("¿Aceptas?")
    patient_id = await clinic.register(ana.user_id)
    body = {"patient_id": patient_id, "doctor_id": 1, "specialty_id": 1, "start": TUESDAY_10_LIMA}
    key = {"Idempotency-Key": "booking-ana-tuesday"}

    answers = [await system.call("POST", "/appointments", json=body, headers=key) for _ in range(4)]
    reference = answers[0].body["reference"]
    offer = await doctor.wait_for(f"Nueva reserva {reference}")  # through Peru's processing
    await ana.send("/my")
    mine = await ana.wait_for("Tus próximas citas")

    assert {a.status for a in answers} == {201}
    assert len({a.body["reference"] for a in answers}) == 1
    assert [a.headers.get("Idempotent-Replayed") for a in answers] == [None] + ["true"] * 3
    booked = [a for a in await clinic.appointments() if a.patient_id == patient_id]
    assert len(booked) == 1
    assert booked[0].reference == reference
    assert reference in mine.text
    assert offer.buttons() == ["Aceptar", "Rechazar"]


async def test_concurrent_retries_of_one_key_book_once_and_the_others_are_told_to_wait(
    clinic: Clinic, system: ApiClient
) -> None:
    patient_id = await clinic.register(7002)
    body = {"patient_id": patient_id, "doctor_id": 1, "specialty_id": 1, "start": TUESDAY_10_LIMA}
    key = {"Idempotency-Key": "same"}

    answers = await asyncio.gather(
        *(system.call("POST", "/appointments", json=body, headers=key) for _ in range(5))
    )

    assert {a.status for a in answers} <= {201, 409}
    assert [a.status for a in answers].count(201) >= 1
    assert len({a.body["reference"] for a in answers if a.status == 201}) == 1
    assert len([a for a in await clinic.appointments() if a.patient_id == patient_id]) == 1


async def test_a_key_sent_again_with_another_body_is_refused(
    clinic: Clinic, system: ApiClient
) -> None:
    patient_id = await clinic.register(7003)
    body = {"patient_id": patient_id, "doctor_id": 1, "specialty_id": 1, "start": TUESDAY_10_LIMA}
    key = {"Idempotency-Key": "k"}
    await system.call("POST", "/appointments", json=body, headers=key)

    other = await system.call(
        "POST", "/appointments", json={**body, "start": TUESDAY_11_LIMA}, headers=key
    )

    assert other.status == 422
    assert other.body["code"] == "idempotency_key_reused"


async def test_a_taken_slot_answers_409_as_a_problem_document_with_the_bots_error_code(
    clinic: Clinic, system: ApiClient
) -> None:
    await booking_for(clinic, system, 7004)
    other = await clinic.register(7005)

    answer = await system.call(
        "POST",
        "/appointments",
        json={"patient_id": other, "doctor_id": 1, "specialty_id": 1, "start": TUESDAY_10_LIMA},
    )

    assert answer.status == 409
    assert answer.content_type == "application/problem+json"
    assert answer.body["code"] == "slot_taken"
    assert answer.body["status"] == 409


async def test_calls_without_a_token_or_with_a_revoked_one_are_refused(
    clinic: Clinic, http: aiohttp.ClientSession
) -> None:
    token = await token_for(clinic, "old", Scope.READ)
    await revoke_token(clinic.deps, SYSTEM, "old")

    anonymous = await ApiClient(http, clinic, None).call("GET", "/doctors")
    revoked = await ApiClient(http, clinic, token).call("GET", "/doctors")

    assert (anonymous.status, revoked.status) == (401, 401)
    assert anonymous.content_type == "application/problem+json"
    assert anonymous.headers["WWW-Authenticate"] == "Bearer"


async def test_a_read_token_reads_but_may_not_book_nor_see_patients(
    clinic: Clinic, http: aiohttp.ClientSession
) -> None:
    reader = ApiClient(http, clinic, await token_for(clinic, "reader", Scope.READ))
    patient_id = await clinic.register(7006)

    listed = await reader.call("GET", "/specialties")
    booked = await reader.call(
        "POST",
        "/appointments",
        json={
            "patient_id": patient_id,
            "doctor_id": 1,
            "specialty_id": 1,
            "start": TUESDAY_10_LIMA,
        },
    )
    patient = await reader.call("GET", f"/patients/{patient_id}")

    assert listed.status == 200
    assert listed.body["items"]
    assert (booked.status, patient.status) == (403, 403)


async def test_every_call_is_audited_under_the_token_and_its_last_use_recorded(
    clinic: Clinic, system: ApiClient
) -> None:
    booked = await booking_for(clinic, system, 7007)

    async with clinic.engine.connect() as conn:
        token = (await conn.execute(select(api_tokens).where(api_tokens.c.name == "records"))).one()
        rows = (
            await conn.execute(
                select(audit_log.c.action, audit_log.c.actor_role, audit_log.c.actor_id,
                       audit_log.c.source, audit_log.c.record_id)
                .where(audit_log.c.actor_role == "api")
                .order_by(audit_log.c.id)
            )
        ).all()  # fmt: skip

    assert token.last_used_at == clinic.clock.now()
    assert {(r.actor_id, r.source) for r in rows} == {(token.id, "api")}
    assert [r.action for r in rows] == ["api.called", "api.called", "appointment.booked"]
    assert [r.record_id for r in rows][:2] == ["listDoctors", "bookAppointment"]
    assert rows[2].record_id == booked["id"]


async def test_the_list_pages_with_a_cursor_and_filters_by_patient_and_status(
    clinic: Clinic, system: ApiClient
) -> None:
    patient_id = await clinic.register(7008)
    for hours in (2, 3, 4):
        start = (MONDAY_8_LIMA + timedelta(days=1, hours=hours)).isoformat()
        answer = await system.call(
            "POST",
            "/appointments",
            json={"patient_id": patient_id, "doctor_id": 1, "specialty_id": 1, "start": start},
        )
        assert answer.status == 201, answer.body
    query = {"from": "2026-05-04", "to": "2026-05-10", "patient_id": str(patient_id), "limit": "2"}

    first = await system.call("GET", "/appointments", params=query)
    second = await system.call(
        "GET", "/appointments", params={**query, "cursor": first.body["next_cursor"]}
    )
    cancelled = await system.call("GET", "/appointments", params={**query, "status": "cancelled"})

    starts = [a["start"] for a in first.body["items"] + second.body["items"]]
    assert len(starts) == 3
    assert starts == sorted(starts)
    assert second.body["next_cursor"] is None
    assert cancelled.body == {"items": [], "next_cursor": None}


async def test_a_booking_is_read_by_reference_cancelled_and_cannot_be_cancelled_twice(
    clinic: Clinic, system: ApiClient
) -> None:
    booked = await booking_for(clinic, system, 7009)
    path = f"/appointments/{booked['reference']}"

    read = await system.call("GET", path)
    cancelled = await system.call("POST", f"{path}/cancel", json={"reason": "clinic closed"})
    again = await system.call("POST", f"{path}/cancel", json={})

    assert read.body["id"] == booked["id"]
    assert cancelled.body["status"] == "cancelled"
    assert again.status == 409
    assert again.body["code"] == "invalid_transition"


async def test_a_booking_is_moved_then_confirmed_by_the_clinic(
    clinic: Clinic, system: ApiClient
) -> None:
    booked = await booking_for(clinic, system, 7010)
    path = f"/appointments/{booked['reference']}"

    moved = await system.call("POST", f"{path}/move", json={"start": TUESDAY_11_LIMA})
    for _ in range(100):  # Peru offers it to its doctor first (docs/processing.md)
        if (await system.call("GET", path)).body["status"] == "pending":
            break
        await asyncio.sleep(0.05)
    confirmed = await system.call("POST", f"{path}/confirm")

    assert moved.status == 200, moved.body
    assert moved.body["start"] != booked["start"]
    assert confirmed.status == 200, confirmed.body
    assert confirmed.body["status"] == "assigned"


async def test_a_patient_is_registered_found_by_national_id_and_their_phone_changed(
    clinic: Clinic, system: ApiClient
) -> None:
    national_id = national_id_for(7011, "PE")
    registered = await system.call(
        "POST",
        "/patients",
        json={
            "telegram_user_id": 7011,
            "full_name": "Ana Torres",
            "country": "PE",
            "national_id": national_id,
            "phone": "+51987654321",
        },
    )
    found = await system.call("GET", "/patients", params={"national_id": national_id})
    changed = await system.call(
        "PATCH", f"/patients/{registered.body['id']}", json={"phone": "+51912345678"}
    )
    twice = await system.call(
        "POST",
        "/patients",
        json={"telegram_user_id": 7011, "full_name": "Ana Torres", "country": "PE",
              "national_id": national_id, "phone": "+51987654321"},
    )  # fmt: skip

    assert registered.status == 201, registered.body
    assert [p["id"] for p in found.body["items"]] == [registered.body["id"]]
    assert changed.body["phone"] == "+51912345678"
    assert twice.status == 409
    assert twice.body["code"] == "already_registered"


async def test_a_placeholder_national_id_is_refused_as_the_bot_refuses_it(
    system: ApiClient,
) -> None:
    answer = await system.call(
        "POST",
        "/patients",
        json={"telegram_user_id": 7012, "full_name": "Ana Torres", "country": "PE",
              "national_id": "00000000", "phone": "+51987654321"},
    )  # fmt: skip

    assert answer.status == 422, answer.body
    assert answer.content_type == "application/problem+json"


async def test_an_invalid_request_is_refused_with_what_is_wrong(system: ApiClient) -> None:
    answer = await system.call(
        "POST", "/appointments", json={"patient_id": "one", "start": "tomorrow"}
    )

    assert answer.status == 400
    assert answer.content_type == "application/problem+json"
    assert {tuple(e["loc"]) for e in answer.body["errors"]} >= {
        ("patient_id",),
        ("start",),
        ("doctor_id",),
    }


async def test_free_slots_are_the_doctors_and_shrink_once_one_is_booked(
    clinic: Clinic, system: ApiClient
) -> None:
    query = {"specialty_id": "1", "from": "2026-05-05", "to": "2026-05-05"}
    before = await system.call("GET", "/doctors/1/slots", params=query)
    await booking_for(clinic, system, 7012)
    after = await system.call("GET", "/doctors/1/slots", params=query)

    starts = {s["start"] for s in before.body["items"]}
    assert TUESDAY_10_LIMA.replace("+00:00", "Z") in starts or TUESDAY_10_LIMA in starts
    assert len(after.body["items"]) == len(before.body["items"]) - 1


async def test_the_openapi_document_and_its_page_are_served(
    clinic: Clinic, http: aiohttp.ClientSession
) -> None:
    base = f"http://127.0.0.1:{clinic.runtime.http_port}/api/v1"
    async with http.get(f"{base}/openapi.json") as response:
        spec = await response.json()
    async with http.get(f"{base}/docs") as response:
        page = await response.text()

    assert spec["openapi"] == "3.1.0"
    assert "/appointments/{reference}/cancel" in spec["paths"]
    assert "bookAppointment" not in page
    assert "/api/v1/appointments" in page


@pytest.fixture
async def strict_clinic(api: BotApiStandIn, tmp_path) -> AsyncIterator[Clinic]:
    """The bot with a rate limit of 3 calls at once, then one a minute."""
    url = f"sqlite+aiosqlite:///{tmp_path}/medbot.db"
    await prepare_demo_database(url)
    running = Clinic(api, url)
    settings = settings_for(api, url).model_copy(update={"api_burst": 3, "api_rate_limit": 1})
    running.runtime = BotRuntime(settings, running.clock)
    await running.runtime.start()
    try:
        yield running
    finally:
        await running.runtime.stop()
        await running.engine.dispose()


async def test_a_token_over_its_rate_limit_is_told_when_to_retry(
    strict_clinic: Clinic, http: aiohttp.ClientSession
) -> None:
    client = ApiClient(http, strict_clinic, await token_for(strict_clinic, "busy", Scope.READ))
    other = ApiClient(http, strict_clinic, await token_for(strict_clinic, "calm", Scope.READ))

    answers = [await client.call("GET", "/specialties") for _ in range(4)]
    calm = await other.call("GET", "/specialties")

    assert [a.status for a in answers] == [200, 200, 200, 429]
    assert int(answers[-1].headers["Retry-After"]) >= 1
    assert calm.status == 200
