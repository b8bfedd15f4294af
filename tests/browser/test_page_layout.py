"""The page at a phone's width and a laptop's, someone added, and spec violations marked."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect
from telegram import Bot

from bot.sandbox.demo.launch import Sandbox
from tests.browser.conftest import ana_in_chat


async def open_page(sandbox: Sandbox, browser: Browser, width: int) -> Page:
    page = await browser.new_page(viewport={"width": width, "height": 844 if width < 500 else 800})
    await page.goto(sandbox.url)
    await expect(page.locator("#connection")).to_have_text("live")
    return page


async def fits_the_width(page: Page) -> bool:
    return bool(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


@pytest.mark.parametrize("width", [390, 1280])
async def test_the_page_works_at_a_phone_width_and_a_laptop_width(
    sandbox: Sandbox, browser: Browser, artifacts: Path, width: int
) -> None:
    page = await open_page(sandbox, browser, width)
    for name in ("Ana Quispe", "John Smith", "Martín Salazar", "Admin"):
        await expect(page.get_by_role("button", name=name)).to_be_visible()
    await page.get_by_role("button", name="John Smith").click()
    await page.get_by_label("Message").fill("/start")
    await page.get_by_role("button", name="Send").click()
    accept = page.locator("#messages").get_by_role("button", name="I accept")
    await expect(accept).to_be_visible(timeout=10_000)
    await expect(page.get_by_label("Message")).to_be_in_viewport()
    await expect(page.locator("#clock-now")).to_have_text("Mon 4 May, 09:00 Santiago")
    await expect(page.get_by_role("button", name="+1 day")).to_be_in_viewport()
    assert await fits_the_width(page)
    await page.screenshot(path=str(artifacts / "chat.png"))

    requests = page.locator("#requests-panel")
    if width < 500:
        await expect(requests).to_be_hidden()
        await page.get_by_role("button", name="Requests").click()
    await expect(requests).to_be_visible()
    await expect(requests.locator(".req[data-method='sendMessage']").first).to_be_visible()
    assert await fits_the_width(page)
    await page.screenshot(path=str(artifacts / "requests.png"), full_page=True)
    await page.close()


async def test_someone_added_in_the_page_chats_in_their_own_language(
    sandbox: Sandbox, browser: Browser, artifacts: Path
) -> None:
    page = await open_page(sandbox, browser, 1280)
    await page.get_by_text("Add a person").click()
    await page.get_by_label("Name").fill("Rosa Díaz")
    await page.get_by_label("Language").select_option("en")
    await page.get_by_label("Country").select_option("CL")
    await page.get_by_role("button", name="Add", exact=True).click()

    await expect(page.locator("#people .person[aria-current='true']")).to_contain_text("Rosa Díaz")
    await expect(page.locator("#chat-subtitle")).to_contain_text("+569")
    await page.get_by_role("button", name="/start").click()
    await expect(page.locator("#messages .msg.bot").last).to_contain_text("Do you accept?")
    await page.screenshot(path=str(artifacts / "added.png"))
    await page.close()


async def test_a_call_that_breaks_the_spec_is_marked_in_the_side_panel(
    sandbox: Sandbox, browser: Browser
) -> None:
    page = await open_page(sandbox, browser, 1280)
    assert sandbox.api is not None
    journal = sandbox.api.journal
    journal.record(
        "sendMessage",
        {"chat_id": 1},
        status=400,
        description="Bad Request: text is required",
        violations=["missing required parameter text"],
        started=0.0,
    )

    marked = page.locator("#requests .req.violation")
    await expect(marked).to_have_count(1)
    await expect(marked).to_contain_text("missing required parameter text")
    await expect(page.locator("#violation-count")).to_have_text("1 violation")
    journal.violations.clear()  # made up by this test; the fixture checks the bot made none
    await page.close()


async def test_a_document_from_the_bot_downloads_and_an_edit_changes_the_message_in_place(
    sandbox: Sandbox, browser: Browser
) -> None:
    api, ana = ana_in_chat(sandbox)
    page = await open_page(sandbox, browser, 1280)
    await page.get_by_role("button", name="Ana Quispe").click()

    async with Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as bot:
        await bot.send_document(
            ana.chat_id, document=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", filename="cita.ics"
        )
        sent = await bot.send_message(ana.chat_id, "Primera versión")
        link = page.locator("#messages a.document")
        await expect(link).to_contain_text("cita.ics")
        await expect(page.locator("#messages .msg.bot").last).to_contain_text("Primera versión")
        await bot.edit_message_text("Segunda versión", chat_id=ana.chat_id, message_id=sent.id)

    edited = page.locator(f"#messages .msg[data-message-id='{sent.id}']")
    await expect(edited).to_contain_text("Segunda versión")
    await expect(edited).to_contain_text("edited")
    await expect(page.locator("#messages .msg.bot")).to_have_count(2)
    href = await link.get_attribute("href")
    assert href is not None
    download = await page.request.get(sandbox.url.rstrip("/") + href)
    assert await download.body() == b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    assert "cita.ics" in download.headers["content-disposition"]
    await page.close()
