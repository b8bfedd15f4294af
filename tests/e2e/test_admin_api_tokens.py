"""Admin → API tokens: an admin makes and revokes the REST API's tokens in the bot, and
the API, called over real HTTP, answers as the token's scopes say."""

from __future__ import annotations

import io
import re

import aiohttp
from sqlalchemy import select

from bot.sandbox.standin import BotApiStandIn
from domain.actors import SYSTEM
from domain.api_access import Scope
from domain.usecases.api_tokens import list_tokens
from storage.tables import audit_log
from tests.e2e.api_client import ApiClient, token_for
from tests.e2e.medbot import ADMIN_ID, Clinic

SECRET = re.compile(r"mbt_[A-Za-z0-9_-]{43}")
NAME = "records-sistema-7"


async def token_audit(clinic: Clinic) -> list[tuple[str, str, int | None, str]]:
    async with clinic.engine.connect() as conn:
        rows = await conn.execute(
            select(
                audit_log.c.action, audit_log.c.actor_role, audit_log.c.actor_id, audit_log.c.source
            )
            .where(audit_log.c.action.like("api_token.%"))
            .order_by(audit_log.c.id)
        )
        return [tuple(row) for row in rows]


async def test_a_token_made_in_the_bot_reads_the_api_lacks_other_scopes_and_stops_once_revoked(
    api: BotApiStandIn, clinic: Clinic, http: aiohttp.ClientSession, debug_logs: io.StringIO
) -> None:
    admin = api.person("Admin", language_code="en", user_id=ADMIN_ID)
    await admin.send("/admin")
    await admin.wait_for("Admin menu")
    await admin.tap("API tokens")
    await admin.wait_for("No active tokens")
    await admin.tap("New token")
    await admin.wait_for("Type a name for the new token")
    await admin.send(NAME)
    await admin.wait_for(f"Token «{NAME}»: choose its scopes")
    await admin.tap("Done")
    await admin.wait_for_alert("at least one scope")
    await admin.tap("read")
    await admin.wait_for("choose its scopes")
    picked = admin.buttons()
    await admin.tap("Done")
    made = await admin.wait_for("shown only this once")
    found = SECRET.search(made.text)
    assert found is not None, made.text
    secret = found[0]

    reader = ApiClient(http, clinic, secret)
    directory = await reader.call("GET", "/specialties")
    booking = await reader.call("POST", "/appointments", json={})
    records = await reader.call("GET", "/patients", params={"national_id": "47391826"})
    await admin.tap("Copied: hide it")
    listed = await admin.wait_for(f"{NAME} \\(#1\\): read")
    await admin.tap(f"Revoke {NAME}")
    await admin.wait_for(f"Revoke the token «{NAME}»\\?")
    await admin.tap("Yes, revoke")
    revoked = await admin.wait_for(f"Token «{NAME}» revoked")
    after = await reader.call("GET", "/specialties")
    await admin.tap_data("adm:tk:ry:1")  # the confirmation's button, once more
    await admin.wait_for_alert("no longer valid")

    assert picked[:3] == ["✅ read", "write", "admin"]
    assert f'curl -H "Authorization: Bearer {secret}" http://' in made.text
    assert "/api/v1/specialties" in made.text
    assert "delete this message" in made.text
    assert "has no read scope" not in made.text
    assert directory.status == 200
    assert directory.body["items"]
    assert (booking.status, booking.body["code"]) == (403, "not_allowed")
    assert (records.status, records.body["code"]) == (403, "not_allowed")
    assert after.status == 401
    assert "last used 2026-05-04 13:00" in listed.text  # the fake clock's now, in UTC
    assert all(secret not in m.text for m in admin.messages)  # hidden: the list replaced it
    assert "No active tokens" in revoked.text
    assert "Revoked tokens, not listed: 1" in revoked.text
    assert await token_audit(clinic) == [
        ("api_token.created", "admin", ADMIN_ID, "bot"),
        ("api_token.revoked", "admin", ADMIN_ID, "bot"),
    ]
    logs = debug_logs.getvalue()
    assert "Processing update" in logs
    assert secret not in logs
    assert secret[4:] not in logs
    assert NAME not in logs


async def test_a_non_admin_cannot_reach_the_tokens_nor_revoke_one_with_a_forged_button(
    api: BotApiStandIn, clinic: Clinic, http: aiohttp.ClientSession
) -> None:
    reader = ApiClient(http, clinic, await token_for(clinic, "records", Scope.READ))
    ana = api.person("Ana", language_code="es")
    await clinic.register(ana.user_id)

    await ana.send("/admin")
    await ana.wait_for("No conozco ese comando")
    await ana.tap_data("adm:s:tokens")
    await ana.wait_for_alert("ya no es válido")
    await ana.tap_data("adm:tk:rv:1")
    await ana.wait_for_alert("ya no es válido")
    await ana.tap_data("adm:tk:ry:1")
    await ana.wait_for_alert("ya no es válido")
    await ana.tap_data("adm:tk:new")
    await ana.wait_for_alert("ya no es válido")

    assert (await reader.call("GET", "/specialties")).status == 200
    assert [t.active for t in await list_tokens(clinic.deps, SYSTEM)] == [True]
    assert all("records" not in m.text for m in ana.messages)
    assert await token_audit(clinic) == [("api_token.created", "system", None, "bot")]


async def test_a_malformed_or_taken_name_is_refused_politely_and_the_prompt_waits_for_another(
    api: BotApiStandIn, clinic: Clinic, http: aiohttp.ClientSession
) -> None:
    await token_for(clinic, "records", Scope.READ)
    admin = api.person("Admin", language_code="es", user_id=ADMIN_ID)
    await admin.send("/admin")
    await admin.wait_for("Menú de administración")
    await admin.tap("Tokens de la API")
    await admin.wait_for("records \\(#1\\): read · creado 2026-05-04 13:00 · último uso nunca")
    await admin.tap("Nuevo token")
    await admin.wait_for("Escribe un nombre para el nuevo token")
    await admin.send("x" * 65)
    await admin.wait_for("de 1 a 64 caracteres")
    await admin.send("  records ")
    await admin.wait_for("Ya hay un token activo con ese nombre")
    await admin.send("agenda")
    await admin.wait_for("Token «agenda»: elige sus permisos")
    await admin.tap("write")
    await admin.wait_for("elige sus permisos")
    await admin.tap("Listo")
    made = await admin.wait_for("solo se muestra esta vez")
    found = SECRET.search(made.text)
    assert found is not None, made.text

    writer = ApiClient(http, clinic, found[0])
    directory = await writer.call("GET", "/specialties")
    tokens = await list_tokens(clinic.deps, SYSTEM)

    assert "no tiene el permiso read" in made.text
    assert (directory.status, directory.body["code"]) == (403, "not_allowed")
    assert [(t.name, sorted(t.scopes), t.active) for t in tokens] == [
        ("records", [Scope.READ], True),
        ("agenda", [Scope.WRITE], True),
    ]
