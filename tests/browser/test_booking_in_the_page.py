"""A person registers, books, finds the visit under /my and cancels it, only in the page."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, expect
from sqlalchemy import select

from bot.sandbox.demo.launch import Sandbox
from domain.status import Status
from storage.engine import create_engine
from storage.tables import appointments
from tests.browser.chat_page import ChatPage


async def test_a_patient_registers_books_sees_the_visit_under_my_and_cancels_it(
    sandbox: Sandbox, browser: Browser, artifacts: Path
) -> None:
    page = await browser.new_page(viewport={"width": 1280, "height": 800})
    await page.goto(sandbox.url)
    await expect(page.locator("#connection")).to_have_text("live")
    chat = ChatPage(page, artifacts)
    await page.get_by_role("button", name="Ana Quispe").click()
    await chat.screenshot("choose-who-you-are")

    await chat.registers_in_peru("Ana Quispe Mamani", "10117410")

    await chat.write("/book")
    await chat.sees("Elige una especialidad")
    await chat.tap("Cardiología")
    await chat.sees("Elige un médico de Cardiología")
    await chat.tap("Dr. Martín Salazar")
    await chat.sees("Elige un día")
    await chat.screenshot("choose-a-day")
    await chat.tap("mar 5")
    await chat.sees("Elige una hora para el martes, 5 de mayo de 2026")
    await chat.tap("10:30")
    await chat.sees("¿Confirmas?")
    await chat.screenshot("summary")
    await chat.tap("Confirmar")
    await chat.sees("Cita registrada")
    await chat.screenshot("booked")

    doctor = page.get_by_role("button", name="Martín Salazar")
    await expect(doctor.locator(".unread")).to_have_text("1", timeout=10_000)
    await doctor.click()
    await chat.sees("Nueva reserva")
    await chat.screenshot("the-doctor-is-asked")
    await chat.tap("Aceptar")
    await chat.sees("Aceptaste la reserva")
    await page.get_by_role("button", name="Ana Quispe").click()
    await chat.sees("está confirmada con Dr. Martín Salazar")

    await chat.write("/my")
    await chat.sees("Tus próximas citas")
    await chat.screenshot("my-appointments")
    cancel = page.locator("#messages").get_by_role("button", name="Cancelar ").last
    await cancel.click()
    await chat.sees("Seguro que quieres cancelar")
    await chat.tap("Sí, cancelar")
    await chat.sees("fue cancelada")
    await chat.screenshot("cancelled")

    engine = create_engine(sandbox.settings.sandbox_database_url)
    try:
        async with engine.connect() as conn:
            statuses = (await conn.execute(select(appointments.c.status))).scalars().all()
    finally:
        await engine.dispose()
    assert statuses == [Status.CANCELLED.value]
    await expect(page.locator("#requests .req[data-method='sendMessage']").first).to_be_visible()
    await page.close()
