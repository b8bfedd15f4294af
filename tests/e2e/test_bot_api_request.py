"""The aiohttp transport for python-telegram-bot: errors keep the token out, and a stuck
upload ends."""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from telegram import InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.telegram.transport import AiohttpRequest

TOKEN = "123456:SECRET-token-never-logged"  # noqa: S105 (a made-up token)
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _serve(handler: Handler) -> AsyncIterator[int]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
async def garbling_port() -> AsyncIterator[int]:
    async def garble(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1024)
        writer.write(b"HTTP/1.1 abc not a status line\r\n\r\n")
        await writer.drain()
        writer.close()

    async for port in _serve(garble):
        yield port


@pytest.fixture
async def stalling_port() -> AsyncIterator[int]:
    done = asyncio.Event()
    handlers: list[asyncio.Task[None]] = []

    async def stall(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handlers.append(asyncio.current_task())  # type: ignore[arg-type]
        await done.wait()  # accepts, never reads: the client's upload stalls
        writer.close()
        await writer.wait_closed()

    async for port in _serve(stall):
        yield port
        done.set()
        await asyncio.gather(*handlers, return_exceptions=True)


async def test_a_network_error_names_neither_the_url_nor_the_token(garbling_port: int) -> None:
    request = AiohttpRequest(1)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as raised:
            await request.do_request(f"http://127.0.0.1:{garbling_port}/bot{TOKEN}/getMe", "POST")
    finally:
        await request.shutdown()

    logged = "".join(traceback.format_exception(raised.value))
    assert "SECRET" not in logged
    assert "aiohttp." in str(raised.value)


async def test_an_upload_the_server_never_reads_times_out(stalling_port: int) -> None:
    request = AiohttpRequest(1, read_timeout=0.2, write_timeout=0.5, connect_timeout=0.2)
    document = InputFile(b"x" * 32_000_000, filename="big.ics")
    data = RequestData([RequestParameter.from_input("document", document)])
    await request.initialize()
    try:
        async with asyncio.timeout(10):  # without a write timeout this would hang
            with pytest.raises(TimedOut) as raised:
                await request.do_request(
                    f"http://127.0.0.1:{stalling_port}/bot{TOKEN}/sendDocument", "POST", data
                )
    finally:
        await request.shutdown()

    assert "SECRET" not in "".join(traceback.format_exception(raised.value))
