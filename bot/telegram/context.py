"""The context every handler gets: ``.deps``, ``.t``, ``.state``, ``.actor()``,
``.admin()`` and ``.doctor()``.

python-telegram-bot builds one context per update (``ContextTypes(context=BotContext)``),
so what is resolved here (the translator, the person acting) is resolved once per
update, from whoever sent it: roles are checked afresh on every command.
"""

from __future__ import annotations

from typing import Any, Self

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.i18n import Translator
from domain.actors import Actor, Role
from domain.entities import Patient
from domain.ports import Deps
from domain.queries import identity
from domain.staff import Identity

DEPS_KEY = "deps"
PUBLIC_URL_KEY = "public_url"


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
        self._identity: Identity | None = None
        #: Whether this update's button tap was answered (its spinner stopped). Telegram
        #: takes one answer per tap: a second is an error, so answer with :meth:`answer`.
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
    def public_url(self) -> str:
        """Where people reach the HTTP server, without a trailing slash (``PUBLIC_URL``)."""
        found: str = self.bot_data[PUBLIC_URL_KEY]
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

    async def identity(self) -> Identity | None:
        """Every role of whoever sent this update, looked up once per update."""
        if self._identity is None:
            user = self._update.effective_user if self._update else None
            if user is not None:
                self._identity = await identity(self.deps, user.id)
        return self._identity

    async def actor(self) -> Actor:
        """The sender as a patient (or a guest): what the patient commands act as, even
        for an admin or a doctor who also registered (``domain.staff.Identity``)."""
        found = await self.identity()
        return found.as_patient() if found is not None else Actor(Role.GUEST)

    async def admin(self) -> Actor | None:
        """The sender as an admin, or ``None``: every admin command asks, every time."""
        found = await self.identity()
        return found.as_admin() if found is not None else None

    async def doctor(self) -> Actor | None:
        """The sender as the doctor linked to their account, or ``None``."""
        found = await self.identity()
        return found.as_doctor() if found is not None else None

    async def patient(self) -> Patient | None:
        """The patient who sent this update, if they are one (read with :meth:`identity`)."""
        found = await self.identity()
        return found.patient if found is not None else None

    async def answer(self, text: str | None = None, *, alert: bool = False) -> bool:
        """Answer this update's button tap (stop its spinner, ``text`` as a toast or an
        alert), at most once; ``False`` when there is no tap or it was answered already.

        Handlers answer when they know the outcome, so a refusal can still be an alert;
        whatever no handler answered is answered by the closing handler (``close_tap``).
        """
        query = self._update.callback_query if self._update else None
        if query is None or self.answered:
            return False
        self.answered = True
        await query.answer(text, show_alert=alert)
        return True

    def forget_actor(self) -> None:
        """The person just registered or took a role: look them up again when next asked."""
        self._identity = None


Context = BotContext
