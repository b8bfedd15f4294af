"""Invitation links, /admin and unknown commands, as people type and tap them."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.sandbox.standin import BotApiStandIn
from domain.actors import Actor, Role
from domain.staff import StaffRole
from tests.e2e.medbot import ADMIN_ID, Clinic

DOCTOR_ID = 1  # the demo clinic's first doctor


async def doctor_name(clinic: Clinic) -> str:
    async with clinic.deps.uow(read_only=True) as uow:
        doctor = await uow.doctors.get(DOCTOR_ID)
    assert doctor is not None
    return doctor.full_name


async def test_a_doctor_who_opens_their_invitation_link_is_linked_to_their_record(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    token = await clinic.invite(StaffRole.DOCTOR, DOCTOR_ID)
    doctor = api.person("Martín", "Salazar", language_code="es")

    await doctor.send(f"/start {token}")  # what Telegram sends when the link is opened
    linked = await doctor.wait_for("quedó vinculada a")

    assert await doctor_name(clinic) in linked.text
    assert await clinic.role_of(doctor.user_id) == Actor(Role.DOCTOR, DOCTOR_ID)


async def test_a_used_invitation_is_refused_politely_and_links_nothing(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    token = await clinic.invite(StaffRole.DOCTOR, DOCTOR_ID)
    doctor = api.person("Martín", "Salazar", language_code="es")
    await doctor.send(f"/start {token}")
    await doctor.wait_for("quedó vinculada a")
    someone = api.person("Eve", language_code="en")

    await someone.send(f"/start {token}")

    await someone.wait_for("This invitation was already used")
    assert (await clinic.role_of(someone.user_id)).role is Role.GUEST
    assert await clinic.role_of(doctor.user_id) == Actor(Role.DOCTOR, DOCTOR_ID)


async def test_an_expired_invitation_is_refused_politely_and_links_nothing(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    token = await clinic.invite(StaffRole.ADMIN)
    clinic.clock.advance(timedelta(days=7, minutes=1))
    late = api.person("Late", language_code="es")

    await late.send(f"/start {token}")

    await late.wait_for("Esta invitación venció")
    assert (await clinic.role_of(late.user_id)).role is Role.GUEST


async def test_a_forged_invitation_is_refused_politely_and_plain_start_still_registers(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    await clinic.invite(StaffRole.ADMIN)
    eve = api.person("Eve", language_code="en")

    await eve.send("/start AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    await eve.wait_for("This invitation link is not valid")
    await eve.send("/start")

    await eve.wait_for("Do you accept?")
    assert (await clinic.role_of(eve.user_id)).role is Role.GUEST


async def test_an_invited_admin_opens_the_admin_menu(api: BotApiStandIn, clinic: Clinic) -> None:
    token = await clinic.invite(StaffRole.ADMIN)
    new_admin = api.person("Rosa", language_code="en")

    await new_admin.send(f"/start {token}")
    await new_admin.wait_for("you are now an admin")
    await new_admin.send("/admin")

    await new_admin.wait_for("Admin menu")


async def test_a_non_admins_admin_command_gets_the_unknown_command_help(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = api.person("Ana", language_code="es")
    await ana.send("/admin")
    answer = await ana.wait_for("No conozco ese comando")
    await ana.send("/stats")
    unknown = await ana.wait_for("No conozco ese comando")

    assert answer.text == unknown.text  # nothing tells an admin command from a typo
    assert "/admin" not in answer.text


async def test_an_admin_from_the_settings_who_registered_still_books(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    admin = api.person("Admin", language_code="es", user_id=ADMIN_ID)
    await clinic.register(ADMIN_ID)

    await admin.send("/admin")
    await admin.wait_for("Menú de administración")
    await admin.send("/book")

    await admin.wait_for("Elige una especialidad")


async def test_an_admin_invites_a_doctor_from_the_bot_and_the_doctor_is_linked_by_the_link(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    admin = api.person("Admin", language_code="es", user_id=ADMIN_ID)
    await admin.send("/admin")
    await admin.wait_for("Menú de administración")
    await admin.tap("Personal e invitaciones")
    await admin.wait_for("Personal")
    await admin.tap("Invitar a un médico")
    await admin.wait_for("¿Para qué médico")
    name = await doctor_name(clinic)
    await admin.tap(name)
    sent = await admin.wait_for("Envía este enlace al médico")
    link = next(word for word in sent.text.split() if word.startswith("https://t.me/"))
    token = link.split("?start=", 1)[1]

    doctor = api.person("Lucía", language_code="es")
    await doctor.send(f"/start {token}")
    linked = await doctor.wait_for("quedó vinculada a")

    assert name in linked.text
    assert await clinic.role_of(doctor.user_id) == Actor(Role.DOCTOR, DOCTOR_ID)


async def test_a_patient_tapping_a_forged_admin_button_gets_the_stale_alert(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    ana = api.person("Ana", language_code="es")
    await ana.send("/start")
    await ana.wait_for("¿Aceptas?")

    await ana.tap_data("adm:st:ia")  # "invite an admin"
    await ana.wait_for_alert("ya no es válido")

    assert not any("t.me/" in m.shown_text for m in ana.messages)


async def test_only_the_admins_own_chat_menu_offers_admin(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    menus = {
        (json.loads(scope).get("chat_id"), language): [c["command"] for c in commands]
        for (scope, language), commands in api.state.commands.items()
    }

    assert "admin" in menus[(ADMIN_ID, "es")]
    assert "admin" in menus[(ADMIN_ID, "")]
    assert "admin" not in menus[(None, "es")]
    assert "admin" not in menus[(None, "")]


async def test_an_admin_unlinks_a_doctor_from_the_bot_and_the_account_is_no_doctor_any_more(
    api: BotApiStandIn, clinic: Clinic
) -> None:
    token = await clinic.invite(StaffRole.DOCTOR, DOCTOR_ID)
    doctor = api.person("Martín", "Salazar", language_code="es")
    await doctor.send(f"/start {token}")
    await doctor.wait_for("quedó vinculada a")
    admin = api.person("Admin", language_code="es", user_id=ADMIN_ID)
    name = await doctor_name(clinic)

    await admin.send("/admin")
    await admin.wait_for("Menú de administración")
    await admin.tap("Personal e invitaciones")
    before = await admin.wait_for(f"Médico vinculado: {name}")
    await admin.tap(f"Desvincular a {name}")
    after = await admin.wait_for("Personal")

    assert f"Desvincular a {name}" in before.buttons()
    assert name not in after.text
    assert (await clinic.role_of(doctor.user_id)).role is not Role.DOCTOR
