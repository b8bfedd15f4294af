"""python-telegram-bot's HTTP transport on aiohttp instead of httpx.

PTB's default ``HTTPXRequest`` cost about 2 ms of CPU per Bot API call here
(httpcore scans every pooled connection's socket on each request and release,
and, without sniffio installed, retries a failing ``import sniffio`` several
times per call); with one or two calls per update that was most of the bot's
CPU. aiohttp, already a dependency for the health server, does the same call
in a fraction of that.

Only the transport changes: PTB's ``BaseRequest`` still turns status codes into
``TelegramError``\\ s. Parameters go as JSON (with files, as a multipart form, as
with ``HTTPXRequest``). Timeouts follow PTB's meaning where aiohttp has one: connect,
read (per socket read) and pool (waiting for a free connection, counted with
connect). aiohttp has no write timeout (its read timer starts once the body is
written), so the whole call is bounded by the sum of the four, as a stuck
upload would otherwise hang forever.

Errors never carry aiohttp's message: some name the request URL, which holds
the bot's token, and would reach the logs.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """A :class:`telegram.request.BaseRequest` on an ``aiohttp.ClientSession``.

    Defaults match ``HTTPXRequest``'s: 5 s to connect, read and write, 1 s for a
    free connection, at most ``connection_pool_size`` connections. ``on_success``, if
    given, is called after every call Telegram answered with 200 (readiness uses it on
    the getUpdates transport).
    """

    __slots__ = (
        "_connect",
        "_limit",
        "_on_success",
        "_pool",
        "_proxies",
        "_proxy_by_origin",
        "_read",
        "_session",
        "_write",
    )

    def __init__(
        self,
        connection_pool_size: int = 256,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        on_success: Callable[[], None] | None = None,
    ) -> None:
        self._limit = connection_pool_size
        self._on_success = on_success
        self._read = read_timeout
        self._write = write_timeout
        self._connect = connect_timeout
        self._pool = pool_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, str] = {}
        self._proxy_by_origin: dict[tuple[str, str], str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._limit),
                headers={"User-Agent": self.USER_AGENT},
            )
            # Like httpx, read HTTP(S)_PROXY and NO_PROXY once, not on every call as
            # aiohttp's trust_env does (that was 6% of the bot's CPU).
            self._proxies = getproxies()
            self._proxy_by_origin = {}

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(  # noqa: PLR0917 (signature set by BaseRequest)
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        read = self._read if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = self._connect if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool = self._pool if isinstance(pool_timeout, DefaultValue) else pool_timeout
        write = self._write if isinstance(write_timeout, DefaultValue) else write_timeout
        parts = (connect, pool, write, read)
        timeout = aiohttp.ClientTimeout(
            total=None if None in parts else sum(p for p in parts if p is not None),
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=read,
        )
        try:
            async with self._session.request(
                method,
                url,
                data=_body(request_data),
                timeout=timeout,
                allow_redirects=False,
                proxy=self._proxy_for(url),
            ) as response:
                body = await response.read()
        except TimeoutError:
            raise TimedOut from None  # aiohttp's message may name the URL, token and all
        except aiohttp.ClientResponseError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: status {error.status}") from None
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}") from None
        if response.status == 200 and self._on_success is not None:
            self._on_success()
        return response.status, body

    def _proxy_for(self, url: str) -> str | None:
        parts = urlsplit(url)
        origin = (parts.scheme, parts.hostname or "")
        if origin not in self._proxy_by_origin:
            proxy = self._proxies.get(parts.scheme) or self._proxies.get("all")
            bypass = proxy is None or proxy_bypass(origin[1])
            self._proxy_by_origin[origin] = None if bypass else proxy
        return self._proxy_by_origin[origin]


def _body(request_data: RequestData | None) -> aiohttp.FormData | aiohttp.BytesPayload | None:
    """The parameters as a JSON object, or, with files, a multipart form as
    ``HTTPXRequest`` sends it.

    JSON, which the Bot API takes as readily as a form, because aiohttp builds a form
    through its multipart machinery and percent-encodes every value: a sixth of a
    send's CPU here, against a few microseconds for ``json.dumps``.
    """
    if request_data is None:
        return None
    files = request_data.multipart_data
    if not files:
        return aiohttp.BytesPayload(
            json.dumps(request_data.parameters).encode(), content_type="application/json"
        )
    form = aiohttp.FormData(request_data.json_parameters)
    for name, (filename, content, mime_type) in files.items():
        # A stream, not bytes: aiohttp warns that a large bytes body blocks the loop.
        stream = io.BytesIO(content) if isinstance(content, bytes) else content
        form.add_field(name, stream, filename=filename, content_type=mime_type)
    return form
