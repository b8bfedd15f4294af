"""A person registers, books, finds the visit under /my and cancels it, only in the page."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, Page, expect
from sqlalchemy import select

from bot.sandbox.web.launch import Sandbox
from domain.status import Status
from storage.engine import create_engine
from storage.tables import appointments


class ChatPage:
    """The sandbox page as a person uses it: write, tap, read; a screenshot per step."""

    def __init__(self, page: Page, artifacts: Path) -> None:
        self.page = page
        self.artifacts = artifacts
        self.steps = 0

    async def write(self, text: str) -> None:
        await self.page.get_by_label("Message").fill(text)
        await self.page.get_by_role("button", name="Send").click()

    async def tap(self, label: str) -> None:
        """The newest inline button with this label, as a person taps what they see last."""
        await (
            self.page.locator("#messages")
            .get_by_role("button", name=label, exact=True)
            .last.click()
        )

    async def sees(self, text: str) -> None:
        bot_says = self.page.locator("#messages .msg.bot").filter(has_text=text)
        await expect(bot_says.last).to_be_visible(timeout=10_000)

    async def screenshot(self, step: str) -> Path:
        self.steps += 1
        path = self.artifacts / f"{self.steps:02d}-{step}.png"
        await self.page.screenshot(path=str(path))
        return path


async def test_a_patient_registers_books_sees_the_visit_under_my_and_cancels_it(
    sandbox: Sandbox, browser: Browser, artifacts: Path
) -> None:
    page = await browser.new_page(viewport={"width": 1280, "height": 800})
    await page.goto(sandbox.url)
    await expect(page.locator("#connection")).to_have_text("live")
    chat = ChatPage(page, artifacts)
    await page.get_by_role("button", name="Ana Quispe").click()
    await chat.screenshot("choose-who-you-are")

    await chat.write("/start")
    await chat.sees("¿Aceptas?")
    await chat.screenshot("privacy-notice")
    await chat.tap("Acepto")
    await chat.sees("nombre completo")
    await chat.write("Ana Quispe Mamani")
    await chat.sees("¿En qué país")
    await chat.tap("Perú")
    await chat.sees("Escribe tu DNI")
    await chat.write("10117410")
    await chat.sees("DNI registrado: 10117410")
    await chat.sees("comparte tu teléfono")
    await chat.screenshot("share-contact")
    await page.locator("#reply-keyboard button").first.click()
    await chat.sees("Ya estás registrado")
    await expect(page.locator("#messages .msg.me .contact")).to_contain_text("+519")
    await chat.screenshot("registered")

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
    await chat.sees("Nueva cita")
    await chat.screenshot("the-doctor-is-told")
    await page.get_by_role("button", name="Ana Quispe").click()

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
