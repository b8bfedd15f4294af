"""The Bot API stand-in answers programs on this machine, never a web page of another site."""

from __future__ import annotations

import aiohttp
import pytest
from telegram import Bot

from bot.sandbox.standin import BotApiStandIn

EVIL = "http://evil.example"


async def test_a_cross_site_form_post_cannot_write_into_a_sandbox_chat(
    api: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    ana = api.person("Ana")
    await ana.send("hola")  # the chat exists: the bot could write into it
    form = {"chat_id": str(ana.chat_id), "text": "click here"}

    async with http.post(
        f"{api.base_url}{api.token}/sendMessage", data=form, headers={"Origin": EVIL}
    ) as response:
        assert response.status == 403

    assert ana.messages == []


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"},  # <img src=...>, fetch
        {"Referer": f"{EVIL}/page.html"},
        {"Origin": "null"},  # a sandboxed iframe
        {"Host": "rebound.example"},  # a DNS-rebound name for 127.0.0.1
    ],
    ids=["fetch metadata", "referer", "opaque origin", "dns rebinding"],
)
async def test_a_page_cannot_take_the_bots_long_poll(
    api: BotApiStandIn, http: aiohttp.ClientSession, bot: Bot, headers: dict[str, str]
) -> None:
    ana = api.person("Ana")
    await ana.send("hola")

    async with http.get(f"{api.base_url}{api.token}/getUpdates", headers=headers) as response:
        assert response.status == 403

    [update] = await bot.get_updates(timeout=0)  # still there for the bot
    assert update.message is not None
    assert update.message.text == "hola"


async def test_the_stand_ins_own_origin_and_plain_programs_are_served(
    api: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    own = f"http://127.0.0.1:{api.port}"
    for headers in (
        {},
        {"Origin": own, "Sec-Fetch-Site": "same-origin"},
        {"Host": f"localhost:{api.port}"},
    ):
        async with http.post(f"{api.base_url}{api.token}/getMe", headers=headers) as response:
            assert response.status == 200, headers
