"""Only the sandbox page itself reads the feed and reaches the API, and links stay links."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Browser, expect
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.sandbox.demo.launch import Sandbox
from tests.browser.conftest import ana_in_chat, running_sandbox, sandbox_settings
from tests.e2e.medbot import MONDAY_8_LIMA
from tests.unit.fakes import FakeClock


def ws_url(sandbox: Sandbox) -> str:
    return f"{sandbox.url.replace('http://', 'ws://', 1)}ws"


@pytest.mark.parametrize(
    "origin",
    ["http://evil.example", "http://127.0.0.1:1", "https://127.0.0.1", "null"],
)
async def test_a_page_from_another_origin_cannot_open_the_feed(
    sandbox: Sandbox, origin: str
) -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(ws_url(sandbox), headers={"Origin": origin})
    assert refused.value.status == 403


async def test_the_feed_opens_for_the_sandbox_page_origin_and_for_local_scripts(
    sandbox: Sandbox,
) -> None:
    own = f"http://localhost:{sandbox.port}"
    async with aiohttp.ClientSession() as session:
        for headers in ({"Origin": own, "Host": f"localhost:{sandbox.port}"}, {}):
            async with session.ws_connect(ws_url(sandbox), headers=headers) as socket:
                snapshot = await socket.receive_json(timeout=5)
                assert "people" in snapshot


async def test_a_page_closing_the_feed_is_answered_at_once_not_after_a_timeout(
    sandbox: Sandbox,
) -> None:
    async with aiohttp.ClientSession() as session:
        socket = await session.ws_connect(ws_url(sandbox))
        await socket.receive_json(timeout=5)
        started = time.monotonic()
        await socket.close()
        took = time.monotonic() - started

    assert socket.close_code == aiohttp.WSCloseCode.OK
    assert took < 1.0


@pytest.mark.parametrize(
    "host",
    ["evil.example", "evil.example:{port}", "127.0.0.1", "127.0.0.1:1", "localhost.evil:{port}"],
)
async def test_a_request_naming_another_host_is_refused_so_dns_rebinding_reaches_nothing(
    sandbox: Sandbox, host: str
) -> None:
    headers = {"Host": host.format(port=sandbox.port)}
    async with aiohttp.ClientSession() as session:
        for path in ("api/state", "", "ws"):
            async with session.get(f"{sandbox.url}{path}", headers=headers) as response:
                assert response.status == 403
                assert "people" not in await response.text()
        async with session.post(
            f"{sandbox.url}api/people", json={"name": "Eve"}, headers=headers
        ) as added:
            assert added.status == 403


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "LOCALHOST", "[::1]"])
async def test_the_api_answers_the_names_the_sandbox_serves(sandbox: Sandbox, name: str) -> None:
    headers = {"Host": f"{name}:{sandbox.port}"}
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{sandbox.url}api/state", headers=headers) as response,
    ):
        assert response.status == 200
        assert "people" in await response.json()


async def test_the_page_answers_the_docker_health_check_at_the_loopback_address(
    sandbox: Sandbox,
) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{sandbox.port}/healthz") as response,
    ):
        assert response.status == 200
        assert await response.json() == {"status": "ok"}


async def test_names_given_in_sandbox_host_names_reach_the_page_and_no_others(
    tmp_path: Path,
) -> None:
    settings = sandbox_settings(tmp_path, sandbox_host_names=("clinic-pc.local", "192.168.1.20"))
    async with (
        running_sandbox(settings, FakeClock(MONDAY_8_LIMA)) as sandbox,
        aiohttp.ClientSession() as session,
    ):
        answers = {}
        for name in ("clinic-pc.local", "CLINIC-PC.local", "192.168.1.20", "other-pc.local"):
            headers = {"Host": f"{name}:{sandbox.port}"}
            async with session.get(f"{sandbox.url}api/state", headers=headers) as response:
                answers[name] = response.status
            origin = {"Origin": f"http://{name}:{sandbox.port}"}
            with contextlib.suppress(aiohttp.WSServerHandshakeError):
                async with session.ws_connect(ws_url(sandbox), headers=origin):
                    answers[name + " feed"] = 101

    assert answers == {
        "clinic-pc.local": 200,
        "clinic-pc.local feed": 101,
        "CLINIC-PC.local": 200,
        "CLINIC-PC.local feed": 101,
        "192.168.1.20": 200,
        "192.168.1.20 feed": 101,
        "other-pc.local": 403,
    }


async def test_an_inline_url_button_links_only_to_http_and_https(
    sandbox: Sandbox, browser: Browser
) -> None:
    api, ana = ana_in_chat(sandbox)
    page = await browser.new_page()
    await page.goto(sandbox.url)
    await expect(page.locator("#connection")).to_have_text("live")
    await page.get_by_role("button", name="Ana Quispe").click()

    buttons = [
        [InlineKeyboardButton("Web", url="https://example.org/")],
        [InlineKeyboardButton("Script", url="javascript:alert(document.domain)")],
    ]
    async with Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as bot:
        await bot.send_message(ana.chat_id, "Enlaces", reply_markup=InlineKeyboardMarkup(buttons))

    keyboard = page.locator("#messages .inline-keyboard a")
    await expect(keyboard).to_have_count(2)
    assert await keyboard.nth(0).get_attribute("href") == "https://example.org/"
    assert await keyboard.nth(1).get_attribute("href") is None
    await expect(keyboard.nth(1)).to_have_text("Script")
    await page.close()
