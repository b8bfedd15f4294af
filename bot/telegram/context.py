"""The context every handler gets: ``.deps``, ``.t``, ``.state`` and ``.actor()``.

python-telegram-bot builds one context per update (``ContextTypes(context=BotContext)``),
so what is resolved here (the translator, the person acting) is resolved once per
update, from whoever sent it.
"""

from __future__ import annotations

from typing import Any, Self

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.i18n import Translator
from domain.actors import Actor, Role
from domain.entities import Patient
from domain.ports import Deps
from domain.queries import identify_patient

DEPS_KEY = "deps"


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    def __init__(
        self,
        application: Application,  # type: ignore[type-arg]
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id, user_id)
        self._update: Update | None = None
        self._t: Translator | None = None
        self._actor: Actor | None = None
        self._patient: Patient | None = None
        #: Whether this update's button tap was answered (its spinner stopped).
        self.answered = False

    @classmethod
    def from_update(cls, update: object, application: Application) -> Self:  # type: ignore[type-arg]
        context = super().from_update(update, application)
        if isinstance(update, Update):
            context._update = update
        return context

    @property
    def deps(self) -> Deps:
        found: Deps = self.bot_data[DEPS_KEY]
        return found

    @property
    def state(self) -> dict[str, Any]:
        """The person's persisted conversation data."""
        data: dict[str, Any] | None = self.user_data
        if data is None:
            raise RuntimeError("no user in this update")
        return data

    @property
    def t(self) -> Translator:
        """The person's chosen language, else the one Telegram reports, else Spanish."""
        if self._t is None:
            chosen = self.user_data.get("lang") if self.user_data is not None else None
            if isinstance(chosen, str):
                self._t = Translator(chosen)
            else:
                user = self._update.effective_user if self._update else None
                code = (user.language_code if user else None) or ""
                self._t = Translator("en" if code.lower().startswith("en") else "es")
        return self._t

    def use_language(self, language: str) -> None:
        """Remember ``language`` for this person; the rest of the update speaks it."""
        self.state["lang"] = language
        self._t = None

    async def actor(self) -> Actor:
        """Who sent this update, looked up once per update."""
        if self._actor is None:
            user = self._update.effective_user if self._update else None
            if user is None:
                self._actor = Actor(Role.GUEST)
            else:
                self._actor, self._patient = await identify_patient(self.deps, user.id)
        return self._actor

    async def patient(self) -> Patient | None:
        """The patient who sent this update, if they are one (read with :meth:`actor`)."""
        await self.actor()
        return self._patient

    def forget_actor(self) -> None:
        """The person just registered: look them up again when next asked."""
        self._actor = None
        self._patient = None


Context = BotContext
