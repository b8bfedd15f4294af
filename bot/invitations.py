"""``medbot invite``: an invitation made at the command line, printed as its deep link.

The link needs the bot's username: ``TELEGRAM_BOT_USERNAME`` when set, else Telegram's
``getMe`` through ``TELEGRAM_API_BASE_URL`` with the bot's token.
"""

from __future__ import annotations

import aiohttp

from bot.app import build_deps
from bot.database import database
from bot.errors import StartupError
from bot.settings import Settings
from domain.actors import SYSTEM
from domain.audit import Source
from domain.clock import SystemClock
from domain.errors import DomainError, NotFound
from domain.staff import StaffRole, deep_link
from domain.usecases.invitations import InviteCommand, invite


async def bot_username(settings: Settings) -> str:
    if settings.telegram_bot_username:
        return settings.telegram_bot_username
    if settings.telegram_bot_token is None:
        raise StartupError(
            "the invitation link names the bot: set TELEGRAM_BOT_USERNAME or TELEGRAM_BOT_TOKEN"
        )
    url = f"{settings.telegram_api_base_url}{settings.telegram_bot_token.get_secret_value()}/getMe"
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as session,
            session.get(url) as response,
        ):
            found = await response.json()
    except (aiohttp.ClientError, TimeoutError, ValueError) as error:
        raise StartupError(
            f"cannot ask Telegram for the bot's username ({type(error).__name__}): "
            "set TELEGRAM_BOT_USERNAME"
        ) from None
    username = found.get("result", {}).get("username") if isinstance(found, dict) else None
    if not isinstance(username, str):
        raise StartupError("Telegram did not tell the bot's username: set TELEGRAM_BOT_USERNAME")
    return username


async def invite_link(settings: Settings, role: StaffRole, doctor_id: int | None) -> str:
    """Create the invitation (audited as the system, from the CLI) and return its link."""
    username = await bot_username(settings)
    async with database(settings) as engine:
        try:
            deps = build_deps(
                engine, SystemClock(), admin_ids=settings.admin_telegram_ids, source=Source.CLI
            )
            issued = await invite(deps, SYSTEM, InviteCommand(role, doctor_id))
        except NotFound:
            raise StartupError(f"there is no doctor {doctor_id}") from None
        except DomainError as error:
            raise StartupError(f"cannot invite: {error}") from None
    return deep_link(username, issued.token)
