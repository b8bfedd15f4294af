"""What handlers need at run time, built once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Update
from telegram.ext import ContextTypes

from bot.i18n import Translator
from bot.settings import Settings
from domain.ports import Clock
from storage.directory_cache import DirectoryCache
from storage.unit_of_work import SqlUnitOfWork

SERVICES_KEY = "services"


@dataclass(frozen=True, slots=True)
class Services:
    engine: AsyncEngine
    clock: Clock
    settings: Settings
    #: The clinic directory, cached for a few seconds (see storage.directory_cache).
    directory: DirectoryCache = field(default_factory=DirectoryCache)

    def uow(self, *, read_only: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, read_only=read_only, directory=self.directory)


Context = ContextTypes.DEFAULT_TYPE


def services(context: Context) -> Services:
    found: Services = context.bot_data[SERVICES_KEY]
    return found


def user_state(context: Context) -> dict[str, object]:
    data: dict[str, object] | None = context.user_data
    if data is None:
        raise RuntimeError("no user in this update")
    return data


def translator(update: Update, context: Context) -> Translator:
    """The person's chosen language, else the one Telegram reports, else Spanish."""
    chosen = context.user_data.get("lang") if context.user_data is not None else None
    if isinstance(chosen, str):
        return Translator(chosen)
    user = update.effective_user
    code = user.language_code if user else None
    return Translator("en" if (code or "").lower().startswith("en") else "es")
