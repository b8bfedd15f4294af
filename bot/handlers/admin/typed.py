"""What admins type while setting the clinic up: one conversation for every section's
prompts, so a prompt in one section never leaves another waiting for text.

Every button of those sections is an entry point. A button's callback gets the admin
(checked on every update; anyone else is refused by ``admin_or_refuse``) and either
shows a screen, which ends the conversation, or asks for text with :func:`ask`, which
leaves it in ``TYPING`` with the step to run named in the person's state. The text
goes to that step, which may ask again (an error: the same prompt stays open) or show
the next screen. ``/cancel``, ``/admin`` and the menu's own button close any prompt.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler
from telegram.ext import filters as f

from bot.handlers.admin.guard import admin_or_refuse
from bot.handlers.errors import reply_for
from bot.telegram.context import Context
from bot.telegram.screens import conversation, show
from domain.actors import Actor
from domain.errors import DomainError, InvalidPhone, InvalidSetup

TYPING = 1
END = -1  # ConversationHandler.END
_WAITING = "adm_wait"

Tapped = Callable[[Update, Context, Actor], Coroutine[Any, Any, None]]
Typed = Callable[[Update, Context, Actor, str], Coroutine[Any, Any, None]]
Menu = Callable[[Update, Context], Coroutine[Any, Any, None]]

#: The text steps, by name: registered with :func:`step` by the sections' modules.
STEPS: dict[str, Typed] = {}


def step(name: str) -> Callable[[Typed], Typed]:
    """Register a text step under ``name`` (``"<section>.<what>"``)."""

    def register(callback: Typed) -> Typed:
        STEPS[name] = callback
        return callback

    return register


async def ask(
    update: Update,
    context: Context,
    text: str,
    step_name: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Show ``text`` and send what the admin types next to the step ``step_name``."""
    context.state[_WAITING] = step_name
    if update.callback_query is None:
        assert update.effective_message
        await update.effective_message.reply_text(text, reply_markup=markup)
    else:
        await show(update, text, markup)


def _state(context: Context) -> int:
    return TYPING if context.state.get(_WAITING) else END


def tap(
    pattern: str, callback: Tapped, *, answer: bool = True
) -> CallbackQueryHandler[Context, int]:
    """A button of an admin section: admins only; its screen or its prompt.

    The tap is answered before ``callback`` runs; with ``answer=False`` the callback
    answers it (``context.answer``), so it can still refuse a stale button with the
    alert, and what it leaves unanswered is answered by ``close_tap``.
    """

    async def handle(update: Update, context: Context) -> int:
        context.state.pop(_WAITING, None)
        admin = await admin_or_refuse(update, context)
        if admin is None:
            return END
        assert update.callback_query
        if answer:
            await context.answer()
        await callback(update, context, admin)
        return _state(context)

    return CallbackQueryHandler(handle, pattern=pattern)


async def _typed(update: Update, context: Context) -> int:
    name = context.state.pop(_WAITING, None)
    callback = STEPS.get(name) if isinstance(name, str) else None
    if callback is None:
        return END
    admin = await admin_or_refuse(update, context)
    if admin is None:
        return END
    assert update.effective_message
    await callback(update, context, admin, update.effective_message.text or "")
    return _state(context)


def _closing(menu: Menu) -> Callable[[Update, Context], Coroutine[Any, Any, int]]:
    async def close(update: Update, context: Context) -> int:
        context.state.pop(_WAITING, None)
        await menu(update, context)
        return END

    return close


def closing_prompts(
    handler: CallbackQueryHandler[Context, Any],
) -> CallbackQueryHandler[Context, int]:
    """``handler``, run as a step of the admin's conversation that ends any prompt."""

    async def run(update: Update, context: Context) -> int:
        context.state.pop(_WAITING, None)
        await handler.callback(update, context)
        return END

    return CallbackQueryHandler(run, pattern=handler.pattern)


async def _cancelled(update: Update, context: Context) -> int:
    context.state.pop(_WAITING, None)
    assert update.effective_message
    await update.effective_message.reply_text(context.t("admin.input.cancelled"))
    return END


def setup_conversation(
    taps: list[Any],
    menu: Menu,
    menu_pattern: str,
    more_states: dict[object, list[Any]] | None = None,
) -> BaseHandler[Update, Context, Any]:
    """The admin's sections as one persistent conversation: every admin button enters it
    afresh, so a prompt never outlives a move to another section."""
    return conversation(
        entry_points=taps,
        states={TYPING: [MessageHandler(f.TEXT & ~f.COMMAND, _typed)], **(more_states or {})},
        fallbacks=[
            CommandHandler("cancel", _cancelled),
            CommandHandler("admin", _closing(menu)),
            CallbackQueryHandler(_closing(menu), pattern=menu_pattern),
        ],
        name="admin_setup",
    )


def problem(context: Context, error: DomainError) -> str:
    """What the admin reads about a change refused: which rule, with their own fragment."""
    if isinstance(error, InvalidSetup):
        return context.t(f"admin.bad.{error.reason}", detail=error.detail)
    if isinstance(error, InvalidPhone):
        return context.t("admin.bad.phone")
    return context.t(reply_for("admin", error).key)


async def complain(
    update: Update, context: Context, error: DomainError, step_name: str | None = None
) -> None:
    """Say what was wrong below the screen; with ``step_name``, the prompt stays open."""
    if step_name is not None:
        context.state[_WAITING] = step_name
    assert update.effective_message
    await update.effective_message.reply_text(problem(context, error))
