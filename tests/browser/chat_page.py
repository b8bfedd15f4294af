"""The sandbox page as a person uses it: write, tap, read; a screenshot per step."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Page, expect


class ChatPage:
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

    async def tap_first(self) -> str:
        """The first button of the bot's newest keyboard (the earliest day, the earliest time)."""
        keyboard = self.page.locator("#messages .msg.bot .inline-keyboard").last
        first = keyboard.get_by_role("button").first
        label = await first.inner_text()
        await first.click()
        return label

    async def sees(self, text: str) -> None:
        bot_says = self.page.locator("#messages .msg.bot").filter(has_text=text)
        await expect(bot_says.last).to_be_visible(timeout=10_000)

    async def screenshot(self, step: str) -> Path:
        self.steps += 1
        path = self.artifacts / f"{self.steps:02d}-{step}.png"
        await self.page.screenshot(path=str(path))
        return path

    async def registers_in_peru(self, full_name: str, dni: str) -> None:
        """/start to "registered": privacy notice, name, country, DNI, shared contact."""
        await self.write("/start")
        await self.sees("¿Aceptas?")
        await self.screenshot("privacy-notice")
        await self.tap("Acepto")
        await self.sees("nombre completo")
        await self.write(full_name)
        await self.sees("¿En qué país")
        await self.tap("Perú")
        await self.sees("Escribe tu DNI")
        await self.write(dni)
        await self.sees(f"DNI registrado: {dni}")
        await self.sees("comparte tu teléfono")
        await self.screenshot("share-contact")
        await self.page.locator("#reply-keyboard button").first.click()
        await self.sees("Ya estás registrado")
        await expect(self.page.locator("#messages .msg.me .contact")).to_contain_text("+519")
        await self.screenshot("registered")
