"""The demo clock: skipped ahead in the page, it brings a reminder within seconds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Browser, expect

from bot.sandbox.demo.launch import Sandbox
from tests.browser.chat_page import ChatPage
from tests.browser.conftest import running_sandbox, sandbox_settings
from tests.unit.fakes import FakeClock

#: Monday 4 May 2026, 08:29 in Lima: past quiet hours, and the earliest free time,
#: two hours' lead away, is 10:30, so two hours of skipping leave a minute to go.
MONDAY_8_29_LIMA = datetime(2026, 5, 4, 13, 29, tzinfo=UTC)


@pytest.fixture
async def sandbox_with_2m_reminders(tmp_path: Path) -> AsyncIterator[Sandbox]:
    settings = sandbox_settings(tmp_path, reminder_offsets="2m")
    async with running_sandbox(settings, FakeClock(MONDAY_8_29_LIMA)) as running:
        yield running


async def test_skipping_ahead_in_the_page_brings_the_reminder_two_minutes_before_the_visit(
    sandbox_with_2m_reminders: Sandbox, browser: Browser, artifacts: Path
) -> None:
    sandbox = sandbox_with_2m_reminders
    page = await browser.new_page(viewport={"width": 1280, "height": 800})
    await page.goto(sandbox.url)
    await expect(page.locator("#connection")).to_have_text("live")
    chat = ChatPage(page, artifacts)
    await page.get_by_role("button", name="Ana Quispe").click()
    clock = page.locator("#clock-now")
    await expect(clock).to_have_text("Mon 4 May, 08:29 Lima")

    await chat.registers_in_peru("Ana Quispe Mamani", "10117410")
    await chat.write("/book")
    await chat.tap("Cardiología")
    await chat.tap("Dr. Martín Salazar")
    await chat.sees("Elige un día")
    assert await chat.tap_first() == "lun 4"
    await chat.sees("Elige una hora para el lunes, 4 de mayo de 2026")
    assert await chat.tap_first() == "10:30"
    await chat.tap("Confirmar")
    await chat.sees("Cita registrada")
    await chat.screenshot("booked-for-10-30")
    await page.get_by_role("button", name="Martín Salazar").click()
    await chat.sees("Nueva reserva")
    await chat.tap("Aceptar")  # else the offer lapses at 09:30 and the booking is rejected
    await chat.sees("Aceptaste la reserva")
    await page.get_by_role("button", name="Ana Quispe").click()

    await page.get_by_role("button", name="+1 h").click()
    for _ in range(3):
        await page.get_by_role("button", name="+15 min").click()
    await expect(clock).to_have_text("Mon 4 May, 10:14 Lima")
    await page.wait_for_timeout(300)  # some outbox rounds, 50 ms apart
    reminders = page.locator("#messages .msg.bot").filter(has_text="Recordatorio")
    await expect(reminders).to_have_count(0)
    await chat.screenshot("16-minutes-to-go-no-reminder-yet")

    await page.get_by_role("button", name="+15 min").click()
    await expect(clock).to_have_text("Mon 4 May, 10:29 Lima")
    await expect(reminders).to_have_count(1, timeout=5_000)
    await expect(reminders).to_contain_text("Recordatorio: tu cita")
    await expect(reminders).to_contain_text("con Dr. Martín Salazar")
    await expect(reminders).to_contain_text("a las 10:30 (America/Lima)")
    await expect(reminders.locator(".meta")).to_have_text("10:29")  # by the demo clock
    await expect(reminders.get_by_role("button", name="Asistiré")).to_be_visible()
    # A minute before the visit Peru's cancellation window is long closed: the phone instead
    await expect(reminders.get_by_role("button", name="Cancelar cita")).to_have_count(0)
    await expect(reminders).to_contain_text("llama a la clínica")
    await chat.screenshot("a-minute-to-go-the-reminder")

    await chat.tap("Asistiré")
    await expect(page.locator("#toast")).to_have_text("¡Gracias! Te esperamos.")
    await chat.screenshot("attending")
    await page.close()


@pytest.mark.parametrize(
    "body",
    [
        {"advance_minutes": 0},
        {"advance_minutes": -5},
        {"advance_minutes": 10081},
        {"advance_minutes": 1.5},
        {"advance_minutes": "15"},
        {"advance_minutes": True},
        {},
    ],
)
async def test_the_clock_only_skips_ahead_by_whole_minutes_up_to_a_week(
    sandbox: Sandbox, body: dict[str, object]
) -> None:
    before = sandbox.clock.now()
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{sandbox.url}api/clock", json=body) as response:
            assert response.status == 400
            assert "whole number of minutes, 1 to 10080" in (await response.json())["error"]
        async with session.post(f"{sandbox.url}api/clock", json={"advance_minutes": 10080}) as ok:
            assert ok.status == 200
            moved = await ok.json()
    assert before == datetime(2026, 5, 4, 13, 0, tzinfo=UTC)
    assert moved == {"now": "2026-05-11T13:00:00+00:00", "skipped_minutes": 10080}
    assert sandbox.clock.now() == datetime(2026, 5, 11, 13, 0, tzinfo=UTC)
